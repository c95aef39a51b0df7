"""The ``flywheel`` command: one module per group of commands, each parsing its arguments,
calling the library and printing. :mod:`kg.cli.app` holds the application and its entry point;
importing this package registers every command on it, in the order ``flywheel --help`` lists
them (a scholar's order of work: check, load, exchange, ask, compare, serve, document)."""

from importlib import import_module

from kg.cli.app import app, main_entry

GROUPS = ("check", "store", "exchange", "query", "compare", "serve", "ontology")
for _group in GROUPS:
    import_module(f"kg.cli.{_group}")

__all__ = ["app", "main_entry"]
