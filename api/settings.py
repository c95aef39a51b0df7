"""How the server is configured: command-line options of ``flywheel serve`` or environment
variables (``FLYWHEEL_…``), read once when the app is made."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from kg import limits
from kg.store import default_location


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {value!r}") from None


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def _env_bool(name: str, default: bool) -> bool:
    value = (os.environ.get(name) or "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false (1 or 0), not {value!r}")


@dataclass(frozen=True)
class Settings:
    """The server's settings. ``token`` None means writes are off."""

    store: str = field(default_factory=default_location)
    token: str | None = field(default=None, repr=False)  # never printed
    deadline: float = 30.0  # seconds a read may run before it is stopped
    workers: int = 2  # reads that run at once (worker processes)
    max_waiting: int = 64  # reads that may wait for a worker before 503
    max_body: int = 10 * 1024 * 1024  # bytes a request body may have before 413
    public_url: str | None = None  # the endpoint's public base URL, if behind a proxy
    worker_memory_mb: int = limits.DEFAULT_WORKER_MEMORY_MB  # memory a query worker may take
    header_timeout: float = 10.0  # seconds a client may take to send a request's headers
    warm: bool = True  # read /compare in the background as the server starts

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from ``FLYWHEEL_STORE``, ``FLYWHEEL_API_TOKEN`` (or ``FLYWHEEL_API_TOKEN_FILE``,
        which wins when both are set),
        ``FLYWHEEL_DEADLINE``, ``FLYWHEEL_WORKERS``, ``FLYWHEEL_MAX_WAITING``,
        ``FLYWHEEL_MAX_BODY``, ``FLYWHEEL_PUBLIC_URL``, ``FLYWHEEL_WORKER_MEMORY_MB``,
        ``FLYWHEEL_HEADER_TIMEOUT`` and ``FLYWHEEL_WARM`` (the query-size limit,
        ``FLYWHEEL_MAX_QUERY_BYTES``, is read where queries are checked: :mod:`kg.limits`)."""
        token = os.environ.get("FLYWHEEL_API_TOKEN") or None
        token_file = os.environ.get("FLYWHEEL_API_TOKEN_FILE")
        if token_file:  # the file wins, as in `flywheel serve`
            with open(token_file, encoding="utf-8") as handle:
                token = handle.read().strip() or None
        return cls(
            store=os.environ.get("FLYWHEEL_STORE") or default_location(),
            token=token,
            deadline=_env_float("FLYWHEEL_DEADLINE", cls.deadline),
            workers=_env_int("FLYWHEEL_WORKERS", cls.workers),
            max_waiting=_env_int("FLYWHEEL_MAX_WAITING", cls.max_waiting),
            max_body=_env_int("FLYWHEEL_MAX_BODY", cls.max_body),
            public_url=os.environ.get("FLYWHEEL_PUBLIC_URL") or None,
            worker_memory_mb=_env_int(limits.WORKER_MEMORY_ENV, cls.worker_memory_mb),
            header_timeout=_env_float("FLYWHEEL_HEADER_TIMEOUT", cls.header_timeout),
            warm=_env_bool("FLYWHEEL_WARM", cls.warm),
        )
