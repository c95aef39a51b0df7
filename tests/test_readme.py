"""README.md's tour, run top to bottom as a newcomer runs it from the repository's top folder.

- The first command block (install, load, compare, serve): the install steps are this test
  run's own environment; ``flywheel load --bundled`` and ``flywheel compare`` run, and
  ``flywheel serve`` is started (on a free port: the README's 8000 may be taken on a shared
  machine), answers, and is stopped, as the README says to before the tour.
- The block that runs the test suite is this suite: not run.
- Every other ```sh block: each line is run with bash, in order, with the environment's
  ``bin`` first on PATH (as ``. .venv/bin/activate`` does), in a scratch folder that sees the
  repository's ``kg/`` and ``tests/`` (so the files the tour names exist and what it writes
  stays out of the repository), against a store of its own. Each must exit 0, except where the
  README says otherwise (the inconsistent fixture given to ``flywheel reason``: exit 1).
- The sample report under the validate block: its lines are in ``flywheel validate --bundled``'s
  output, paths as shown (``kg/cases/hangzhou.ttl``).
- The Python block runs, and prints what its comments say.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.servers import free_port, require_marker, stop, wait_for

README = REPO / "README.md"
BIN = Path(sys.executable).parent
# The README's own words for the commands that exit other than 0.
EXPECTED_EXIT = {"flywheel reason tests/fixtures/reasoning/actor-two-kinds.ttl": 1}


def _blocks() -> list[tuple[str, str]]:
    """The README's fenced blocks in order: (language, text)."""
    text = README.read_text(encoding="utf-8")
    return [(m[1], m[2]) for m in re.finditer(r"```(\w*)\n(.*?)```", text, flags=re.S)]


def _commands(block: str) -> list[str]:
    """A shell block's commands: comment lines and trailing comments left out."""
    commands = []
    for line in block.splitlines():
        command = re.split(r"\s{2,}#", line, maxsplit=1)[0].strip()
        if command and not command.startswith("#"):
            commands.append(command)
    return commands


@pytest.fixture
def scratch(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "tour"
    folder.mkdir()
    for name in ("kg", "tests"):
        (folder / name).symlink_to(REPO / name)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "FLYWHEEL_STORE": str(tmp_path / "store"),
        "COLUMNS": "250",
    }
    return folder, env


def _run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_readme_names_the_environment() -> None:
    """Every tour command is `flywheel …`; the README says how that name is found."""
    text = README.read_text(encoding="utf-8")
    assert ". .venv/bin/activate" in text and ".venv/bin/flywheel" in text


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.reasoner
def test_the_readme_tour_runs_top_to_bottom(scratch: tuple[Path, dict[str, str]]) -> None:
    require_marker("server", "starts `flywheel serve`")
    cwd, env = scratch
    blocks = _blocks()
    first, suite = blocks[0][1], blocks[1][1]
    steps = [s.strip() for s in first.split("&&")]
    assert steps[:2] == ["python3 -m venv .venv", ".venv/bin/pip install ."]
    assert steps[-1] == ".venv/bin/flywheel serve"
    for step in steps[2:-1]:
        done = _run(step.replace(".venv/bin/", ""), cwd, env)
        assert done.returncode == 0, (step, done.stderr[-2000:])
    assert "Hangzhou" in done.stdout  # flywheel compare: one row per city
    port = free_port()
    server = subprocess.Popen(
        ["flywheel", "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(server, f"http://127.0.0.1:{port}/health", seconds=120)
        # while it serves, the store is held, and the command says why it cannot open it
        held = _run("flywheel cases", cwd, env)
        assert held.returncode != 0 and "flywheel serve" in held.stderr
    finally:
        stop(server)
    assert "pytest" in suite  # the test suite itself: not run from here

    ran = 0
    previous: subprocess.CompletedProcess[str] | None = None
    for language, text in blocks[2:]:
        if language == "sh":
            for command in _commands(text):
                done = _run(command, cwd, env)
                expected = EXPECTED_EXIT.get(command, 0)
                assert done.returncode == expected, (
                    command,
                    done.stdout[-1500:],
                    done.stderr[-2000:],
                )
                if command == "flywheel validate --bundled":
                    previous = done
                ran += 1
        elif language == "" and previous is not None:
            # the sample report: its lines (the elided ones aside) are in validate's output
            output = [" ".join(line.split()) for line in previous.stdout.splitlines()]
            for line in text.splitlines():
                if line.strip() and "…" not in line:
                    assert " ".join(line.split()) in output, line
            previous = None
        elif language == "python":
            done = _run(f"{sys.executable} - <<'PY'\n{text}PY", cwd, env)
            assert done.returncode == 0, done.stderr[-2000:]
            assert "Hangzhou" in done.stdout and "True" in done.stdout
    assert ran >= 20
    for written in (
        "cities.csv",
        "cities.codebook.md",
        "conditions.csv",
        "hangzhou.svg",
        "cities.png",
    ):
        assert (cwd / written).stat().st_size > 0, written
