"""Shared test helpers: the real CLI as a subprocess, the validator, fixture folders; the
markers (``server``, ``browser``, ``reasoner``, each also ``slow``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.servers
from kg.check.validation import CaseValidator
from tests.servers import flywheel_command, marks_its_users

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent


def run_flywheel(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as a user would, at a terminal 250 columns wide (tables fit
    the terminal; under pytest a child process otherwise inherits whatever width the runner
    happened to set, often 80)."""
    return subprocess.run(
        [*flywheel_command(), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "250"},
    )


@pytest.fixture(scope="session")
def validator() -> CaseValidator:
    return CaseValidator()


API_TOKEN = "test-token-0123456789abcdef"


@pytest.fixture(scope="session")
def bundled_store(tmp_path_factory) -> Path:
    """An on-disk store holding the bundled cases (loaded once per test process; copy it
    before writing to it)."""
    from kg.paths import bundled_case_files
    from kg.store import open_store
    from kg.store.loading import load_files

    folder = tmp_path_factory.mktemp("bundled") / "store"
    with open_store(folder) as store:
        result = load_files(store, bundled_case_files())
        assert result.ok, result
    return folder


@pytest.fixture(scope="module")
@marks_its_users("server")
def api(bundled_store, tmp_path_factory) -> Iterator[str]:
    """The base URL of a real API process (`flywheel serve`) over a copy of the bundled store, writes
    allowed with ``API_TOKEN``, a 3 s deadline and two workers."""
    from tests.servers import api_server

    folder = tmp_path_factory.mktemp("api")
    shutil.copytree(bundled_store, folder / "store")
    env = {"FLYWHEEL_API_TOKEN": API_TOKEN, "FLYWHEEL_DEADLINE": "3", "FLYWHEEL_WORKERS": "2"}
    with api_server(folder / "store", folder / "server.log", env) as url:
        yield url


# --- markers ----------------------------------------------------------------------------------

# Each of these needs something beyond Python (a real server process, Chromium, Java) and is
# also `slow`: `pytest -m "not slow"` runs none of them.
NOT_FAST = ("server", "browser", "reasoner")


def _markers_of_fixtures(item: pytest.Item) -> set[str]:
    """The markers that the fixtures ``item`` uses ask for (``marks_its_users``)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    found: set[str] = set()
    for name in info.names_closure:
        for fixturedef in info.name2fixturedefs.get(name, ()):
            found.update(getattr(fixturedef.func, "marks_its_users", ()))
    return found


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for marker in sorted(_markers_of_fixtures(item)):
            if item.get_closest_marker(marker) is None:
                item.add_marker(marker)
        needs = any(item.get_closest_marker(marker) for marker in NOT_FAST)
        if needs and item.get_closest_marker("slow") is None:
            item.add_marker("slow")


@pytest.hookimpl(tryfirst=True)  # before the fixtures are set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    tests.servers.CURRENT_TEST = item  # for tests.servers.require_marker


_BAD_INPUTS: set[str] = set()
_BAD_RUNS = {"bad_input": 0, "bad_input_api": 0}


def pytest_runtest_logreport(report) -> None:
    """Count the bad inputs tried (tests/test_bad_input.py records each as a property
    ``bad_input``, tests/test_bad_input_api.py as ``bad_input_api``)."""
    if report.when == "call":
        for key, value in report.user_properties:
            if key in _BAD_RUNS:
                _BAD_INPUTS.add(value)
                _BAD_RUNS[key] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if any(_BAD_RUNS.values()):
        terminalreporter.write_line(
            f"bad inputs tried: {len(_BAD_INPUTS)} distinct, {_BAD_RUNS['bad_input']} runs "
            f"through the CLI, {_BAD_RUNS['bad_input_api']} through the HTTP API"
        )
