"""A built wheel carries the ontology, shapes, lint checks, queries and cases, and finds them
from any working directory (no source checkout on the path)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # builds a wheel and installs it


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("flywheel_kg-*.whl")
    return built


def test_wheel_contains_the_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "kg/_data/ontology/flywheel.ttl",
        "kg/_data/ontology/flywheel.rdf",
        "kg/_data/ontology/flywheel.jsonld",
        "kg/_data/ontology/shapes/case-shapes.ttl",
        "kg/_data/ontology/lint/metadata.rq",
        "kg/cases/hangzhou.ttl",
        "kg/cases/city-a.ttl",
        "kg/cases/shanghai.ttl",
        "kg/cli/__init__.py",
        "kg/store/base.py",
        "kg/_data/queries/api/city-labels.rq",
        "kg/_data/CITATION.cff",  # read by flywheel cite
        "kg/py.typed",  # the packages are typed (PEP 561)
        "api/py.typed",
    ):
        assert required in names
    # every module of the library and the app, in whatever subpackage it lives
    sources = [
        p.relative_to(REPO).as_posix() for d in ("kg", "api") for p in (REPO / d).rglob("*.py")
    ]
    assert len(sources) > 60
    assert [s for s in sources if s not in names] == []
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "flywheel = kg.cli:main_entry" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_works_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import kg.paths as p, sys; from kg.cli import app; "
        "assert str(p.DATA_ROOT).startswith(sys.argv[1]), p.DATA_ROOT; "
        "app(['validate', '--bundled'], standalone_mode=False); "
        "app(['cite', '--bundled'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All cases conform" in result.stdout
    assert "Licence: MIT" in result.stdout  # the software's citation, from the wheel's CITATION.cff
