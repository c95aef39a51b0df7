"""The import structure holds: import-linter's contracts in pyproject.toml ([tool.importlinter])
are kept: the library's layers (kg.cli on top, then render, views, store, …), the web app's,
and the library never importing the web app but for `flywheel serve`'s one late import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_the_import_contracts_are_kept() -> None:
    script = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(script), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
