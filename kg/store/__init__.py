"""The remote backend: any SPARQL 1.1 Protocol and Graph Store Protocol server."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from kg.rdf.names import case_id
from kg.store.base import (
    CaseInfo,
    CaseNameError,
    CaseNameTaken,
    CaseStore,
    Forwarded,
    QueryResult,
    Row,
    StoreError,
    Term,
)
from kg.store.catalog import content_hash
from kg.store.embedded import OxigraphStore
from kg.store.remote import DEFAULT_REMOTE_TIMEOUT, TIMEOUT_ENV, RemoteStore, remote_timeout
from kg.vocab import CATALOG

ENV_VAR = "FLYWHEEL_STORE"


def default_location() -> str:
    """Where the embedded store lives unless told otherwise."""
    return os.environ.get(ENV_VAR) or str(Path(user_data_dir("flywheel-kg")) / "store")


def reads_over_network(location: str | Path) -> bool:
    """Whether the store at this location is read over the network (a SPARQL server's URL):
    known before it is opened, for a process that walls itself off before opening it."""
    return str(location).startswith(("http://", "https://"))


def open_store(location: str | Path | None = None, read_only: bool = False) -> CaseStore:
    """Open the store at a location (see the module docstring). ``read_only`` refuses writes;
    for an embedded folder it must be one nothing else writes to (a snapshot). A memory store
    cannot be opened read-only (nothing else could have written it)."""
    text = str(location) if location is not None else ""
    if not text:
        text = default_location()
    if text == "memory:":
        if read_only:
            raise StoreError("an in-memory store cannot be opened read-only")
        return OxigraphStore(None)
    if reads_over_network(text):
        return RemoteStore(text, read_only=read_only)
    return OxigraphStore(Path(text).expanduser(), read_only=read_only)


__all__ = [
    "CATALOG",
    "DEFAULT_REMOTE_TIMEOUT",
    "ENV_VAR",
    "TIMEOUT_ENV",
    "CaseInfo",
    "CaseNameError",
    "CaseNameTaken",
    "CaseStore",
    "Forwarded",
    "OxigraphStore",
    "QueryResult",
    "RemoteStore",
    "Row",
    "StoreError",
    "Term",
    "case_id",
    "content_hash",
    "default_location",
    "open_store",
    "reads_over_network",
    "remote_timeout",
]
