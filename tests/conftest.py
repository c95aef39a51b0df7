"""Shared test helpers: the real CLI as a subprocess, the validator, fixture folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.validation import CaseValidator

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent


def flywheel_command() -> list[str]:
    """The installed ``flywheel`` console script next to this Python, else ``python -m kg.cli``."""
    script = Path(sys.executable).parent / "flywheel"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg.cli"]


def run_flywheel(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as a user would."""
    return subprocess.run(
        [*flywheel_command(), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="session")
def validator() -> CaseValidator:
    return CaseValidator()
