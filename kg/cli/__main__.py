"""``python -m kg.cli``: the ``flywheel`` command."""

from kg.cli import main_entry

main_entry()
