"""Where a SPARQL server's endpoints are and how to sign in: a small TOML file given as the
store's location (``--store server.toml``, ``FLYWHEEL_STORE=server.toml``).

::

    # flywheel's store: Virtuoso on this machine
    dialect = "virtuoso"               # oxigraph (the default), virtuoso or generic
    url = "http://127.0.0.1:8890"      # the server; the dialect gives the endpoints' paths
    auth = "digest"                    # none (the default), basic or digest
    user = "dba"                       # or FLYWHEEL_STORE_USER
    password-file = "virtuoso.secret"  # or FLYWHEEL_STORE_PASSWORD; relative to this file

Every key but ``url`` is optional. ``query``, ``update`` and ``graph-store`` give an endpoint's
address outright (a ``generic`` server needs all three); ``form-post`` sends queries and
updates as HTML-form POST bodies (``query=…``, ``update=…``), as the SPARQL 1.1 Protocol allows
and Virtuoso needs; ``timeout`` is the seconds to wait for an answer (else
``FLYWHEEL_REMOTE_TIMEOUT``). A password is never written in this file: it comes from
``FLYWHEEL_STORE_PASSWORD`` or from the file ``password-file`` names, so that neither a command
line (seen by ``ps``) nor a configuration shared with others holds it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from kg.errors import BadInput

USER_ENV = "FLYWHEEL_STORE_USER"
PASSWORD_ENV = "FLYWHEEL_STORE_PASSWORD"


class Dialect(StrEnum):
    """What a server is, for the paths of its endpoints and the quirks of its answers."""

    OXIGRAPH = "oxigraph"  # /query, /update, /store; answers as the specifications say
    VIRTUOSO = "virtuoso"  # /sparql, /sparql-auth, /sparql-graph-crud-auth; see RemoteStore
    GENERIC = "generic"  # no known layout: each endpoint given; answers taken as they come


class Auth(StrEnum):
    NONE = "none"
    BASIC = "basic"
    DIGEST = "digest"


# the endpoints' paths under the server's URL: query, update, graph store
LAYOUTS: dict[Dialect, tuple[str, str, str]] = {
    Dialect.OXIGRAPH: ("/query", "/update", "/store"),
    Dialect.VIRTUOSO: ("/sparql", "/sparql-auth", "/sparql-graph-crud-auth"),
}

# Virtuoso 7.2 never answers a query POSTed directly as application/sparql-query
FORM_POST: dict[Dialect, bool] = {Dialect.VIRTUOSO: True}

_KEYS = {
    "dialect",
    "url",
    "query",
    "update",
    "graph-store",
    "form-post",
    "auth",
    "user",
    "password-file",
    "timeout",
}


_E = TypeVar("_E", bound=StrEnum)


class StoreConfigError(BadInput):
    """A store configuration file that cannot be read or says something flywheel cannot use."""


@dataclass(frozen=True)
class RemoteSettings:
    """A SPARQL server as a store: its endpoints, how to talk to it and who signs in."""

    url: str
    query: str
    update: str
    graph_store: str
    dialect: Dialect = Dialect.OXIGRAPH
    form_post: bool = False
    auth: Auth = Auth.NONE
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float | None = None

    @classmethod
    def for_url(cls, url: str, dialect: Dialect = Dialect.OXIGRAPH) -> RemoteSettings:
        """A server at ``url`` with its dialect's endpoints and no sign-in."""
        base = url.rstrip("/")
        query, update, store = (base + path for path in LAYOUTS[dialect])
        return cls(base, query, update, store, dialect, FORM_POST.get(dialect, False))


def is_store_config(location: str) -> bool:
    """Whether a store location names a configuration file (it ends in ``.toml``)."""
    return location.lower().endswith(".toml")


def _text(data: dict, key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise StoreConfigError(f"{where}: '{key}' must be a non-empty string, not {value!r}")
    return value.strip()


def _choice(data: dict, key: str, kind: type[_E], default: _E, where: str) -> _E:
    value = _text(data, key, where)
    if value is None:
        return default
    try:
        return kind(value.lower())
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise StoreConfigError(f"{where}: '{key}' is {value!r}; use one of {known}") from None


def _address(value: str, key: str, where: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise StoreConfigError(
            f"{where}: '{key}' must be an http:// or https:// address, not {value!r}"
        )
    return value


def read_store_config(path: str | Path) -> RemoteSettings:
    """The settings a store configuration file gives, with the user and password from the
    environment where it does not. Raises :class:`StoreConfigError` saying which file and what
    is wrong."""
    path = Path(path).expanduser()
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StoreConfigError(
            f"cannot read the store configuration {where}: {error.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise StoreConfigError(f"{where}: the store configuration is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise StoreConfigError(f"{where}: not a TOML file: {error}") from None
    if "password" in data:
        raise StoreConfigError(
            f"{where}: a password is not kept in the store configuration; set "
            f"{PASSWORD_ENV} or name a file holding it with 'password-file'"
        )
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise StoreConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})"
        )
    dialect = _choice(data, "dialect", Dialect, Dialect.OXIGRAPH, where)
    url = _text(data, "url", where)
    if url is None:
        raise StoreConfigError(f"{where}: 'url' is missing: the server's address")
    base = _address(url, "url", where).rstrip("/")
    layout = LAYOUTS.get(dialect)
    endpoints = []
    for key, index in (("query", 0), ("update", 1), ("graph-store", 2)):
        given = _text(data, key, where)
        if given is None and layout is None:
            raise StoreConfigError(
                f"{where}: a {dialect.value} server has no known layout: give '{key}' (the "
                "address of its endpoint)"
            )
        endpoints.append(_address(given, key, where) if given else base + layout[index])  # type: ignore[index]
    form_post = data.get("form-post", FORM_POST.get(dialect, False))
    if not isinstance(form_post, bool):
        raise StoreConfigError(f"{where}: 'form-post' must be true or false, not {form_post!r}")
    timeout = data.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        raise StoreConfigError(f"{where}: 'timeout' must be a number of seconds above 0")
    auth = _choice(data, "auth", Auth, Auth.NONE, where)
    user = _text(data, "user", where) or os.environ.get(USER_ENV) or None
    password: str | None = None
    if auth is not Auth.NONE:
        if user is None:
            raise StoreConfigError(
                f"{where}: auth = \"{auth.value}\" needs a user: 'user' in the file or {USER_ENV}"
            )
        password = os.environ.get(PASSWORD_ENV) or None
        secret = _text(data, "password-file", where)
        if password is None and secret is not None:
            secret_path = (path.parent / Path(secret).expanduser()).resolve()
            try:
                lines = secret_path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as error:
                reason = getattr(error, "strerror", None) or "not UTF-8 text"
                raise StoreConfigError(
                    f"{where}: cannot read the password file {secret_path}: {reason}"
                ) from None
            password = lines[0] if lines and lines[0] else None
            if password is None:
                raise StoreConfigError(f"{where}: the password file {secret_path} is empty")
        if password is None:
            raise StoreConfigError(
                f'{where}: auth = "{auth.value}" needs a password: set {PASSWORD_ENV} or '
                "name a file holding it with 'password-file'"
            )
    return RemoteSettings(
        url=base,
        query=endpoints[0],
        update=endpoints[1],
        graph_store=endpoints[2],
        dialect=dialect,
        form_post=form_post,
        auth=auth,
        user=user,
        password=password,
        timeout=float(timeout) if timeout is not None else None,
    )
