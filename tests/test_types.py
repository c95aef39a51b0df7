"""The type checker passes: mypy, configured in pyproject.toml ([tool.mypy]), finds no error in
the kg and api packages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_mypy_finds_no_error(tmp_path) -> None:
    result = subprocess.run(
        # its own cache, so that parallel runs and other checkouts never share one
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
