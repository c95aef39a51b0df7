"""The case store: one named graph per case, a catalog graph, and the ontology, behind one
interface with three backends chosen by a location string.

* ``None`` or ``""``: the embedded Oxigraph store in the per-user data folder (override with
  the ``FLYWHEEL_STORE`` environment variable or ``--store``);
* ``memory:``: an in-memory Oxigraph store (tests, notebooks);
* ``http://…`` or ``https://…``: an Oxigraph server (``/query``, ``/update``, ``/store``);
* a file ending in ``.toml``: any SPARQL 1.1 Protocol + Graph Store Protocol server, its
  endpoints, sign-in and dialect as the file says (:mod:`kg.store.config`; Virtuoso, Fuseki,
  GraphDB…; docs/scaling.md);
* anything else: a folder for an embedded Oxigraph store.

The catalog graph (``https://w3id.org/dataflywheel/catalog``) says, per case: city, sources,
ontology version, triple count, content hash, source file and when it was loaded. Queries name
graphs explicitly (``GRAPH ?case {…}``), so they mean the same on every backend.

The default graph is the union of the case graphs, each triple once (an RDF merge), kept by
every write in the same transaction as the cases (:meth:`CaseStore.ensure_union`); it is what the
SPARQL endpoint's clients read when they name no graph.

A case's short name (the last segment of its IRI, :func:`kg.rdf.names.case_id`) belongs to one case
in a store: every write that brings cases in checks their names first
(:meth:`CaseStore.check_names`) and refuses, writing nothing, a name another case holds
(:class:`CaseNameTaken`) or an IRI that cannot name a case (:class:`CaseNameError`).

The interface is in :mod:`kg.store.base`, the backends in :mod:`kg.store.embedded` and
:mod:`kg.store.remote`, the catalog in :mod:`kg.store.catalog`.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from kg.rdf.names import case_id
from kg.store.base import (
    ALL_GRAPHS_QUERY,
    STORE_DEFAULT,
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
from kg.store.config import (
    PASSWORD_ENV,
    USER_ENV,
    Dialect,
    RemoteSettings,
    StoreConfigError,
    is_store_config,
    read_store_config,
)
from kg.store.embedded import OxigraphStore
from kg.store.remote import DEFAULT_REMOTE_TIMEOUT, TIMEOUT_ENV, RemoteStore, remote_timeout
from kg.vocab import CATALOG

ENV_VAR = "FLYWHEEL_STORE"


def default_location() -> str:
    """Where the embedded store lives unless told otherwise."""
    return os.environ.get(ENV_VAR) or str(Path(user_data_dir("flywheel-kg")) / "store")


def reads_over_network(location: str | Path) -> bool:
    """Whether the store at this location is read over the network (a SPARQL server's URL):
    known before it is opened, for a process that walls itself off before opening it. A store
    configuration file (``.toml``) always names a server."""
    text = str(location)
    return text.startswith(("http://", "https://")) or is_store_config(text)


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
    if is_store_config(text):
        return RemoteStore(text, read_only=read_only, settings=read_store_config(text))
    if reads_over_network(text):
        return RemoteStore(text, read_only=read_only)
    return OxigraphStore(Path(text).expanduser(), read_only=read_only)


__all__ = [
    "ALL_GRAPHS_QUERY",
    "CATALOG",
    "DEFAULT_REMOTE_TIMEOUT",
    "ENV_VAR",
    "PASSWORD_ENV",
    "STORE_DEFAULT",
    "TIMEOUT_ENV",
    "USER_ENV",
    "CaseInfo",
    "CaseNameError",
    "CaseNameTaken",
    "CaseStore",
    "Dialect",
    "Forwarded",
    "OxigraphStore",
    "QueryResult",
    "RemoteSettings",
    "RemoteStore",
    "Row",
    "StoreConfigError",
    "StoreError",
    "Term",
    "case_id",
    "content_hash",
    "default_location",
    "is_store_config",
    "open_store",
    "read_store_config",
    "reads_over_network",
    "remote_timeout",
]
