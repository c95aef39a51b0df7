"""Who may write: the holder of the token set in configuration. With no token configured,
writes are off. Tokens are compared in constant time and never logged."""

from __future__ import annotations

import hmac
import logging

from fastapi import Request

from api.problems import ProblemError

log = logging.getLogger("flywheel.api")


def require_writer(request: Request) -> None:
    """A FastAPI dependency for write routes: 401 without a bearer token, 403 with a wrong one
    or when writes are off."""
    expected: str | None = request.app.state.settings.token
    where = (
        f"{request.method} {request.url.path} from {request.client.host if request.client else '?'}"
    )
    if expected is None:
        log.warning("write refused (writes are off): %s", where)
        raise ProblemError(
            403, "writes are off on this server (no token is configured)", "forbidden"
        )
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        log.warning("write refused (no token): %s", where)
        raise ProblemError(
            401,
            "this operation needs a bearer token (Authorization: Bearer …)",
            "unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="flywheel"'},
        )
    if not hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8")):
        log.warning("write refused (wrong token): %s", where)
        raise ProblemError(403, "the token is not valid for writing", "forbidden")
