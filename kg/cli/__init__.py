"""The ``flywheel`` command: one module per group of commands, each parsing its arguments,
calling the library and printing. :mod:`kg.cli.app` holds the application and its entry point;
importing this package registers every command on it, in the order ``flywheel --help`` lists
them (a scholar's order of work: check, load, exchange, ask, compare, serve, document).

A command imports the library it calls inside its function: every group is imported to register
its commands, so top-level imports would load rdflib, pySHACL, matplotlib and openpyxl for
``flywheel --help`` (measured: 0.2-0.3 s to start as it is, 1.6 s with them all).
"""

from importlib import import_module

from kg.cli.app import app, main_entry

GROUPS = ("check", "store", "exchange", "query", "compare", "agree", "serve", "ontology")
for _group in GROUPS:
    import_module(f"kg.cli.{_group}")

__all__ = ["app", "main_entry"]
