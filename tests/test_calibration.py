"""Issue 15, item 6: question 21's conditions as fuzzy sets for fsQCA and R's QCA package, by
direct calibration from three stated anchors; read back by pandas.

By hand, with L = ln(0.95 / 0.05) = ln 19 = 2.944439 and the default anchors for scenarios
(0, 1.5, 4): below the crossover the log-odds are (x - 1.5) · L / 1.5, above it
(x - 1.5) · L / 2.5; membership = 1 / (1 + e^(-log-odds)).
  City A, 1 scenario:   -0.5 · L / 1.5 = -0.981480, e^0.981480 = 2.668402, m = 0.272598 → 0.273
  Shanghai, 2:           0.5 · L / 2.5 =  0.588888, e^-0.588888 = 0.554944, m = 0.643110 → 0.643
  Hangzhou, 4:           2.5 · L / 2.5 = L, m = 0.95
The scenario counts (1, 2, 4) and the crisp conditions are question 21's, checked by hand in
tests/test_queries.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas
import pytest

from kg.views.calibration import Anchors, membership, parse_anchors
from tests.conftest import run_flywheel


def test_membership_at_and_between_the_anchors() -> None:
    anchors = Anchors(0, 1.5, 4)
    assert membership(0, anchors) == pytest.approx(0.05)
    assert membership(1.5, anchors) == pytest.approx(0.5)
    assert membership(4, anchors) == pytest.approx(0.95)
    assert membership(1, anchors) == pytest.approx(0.272598, abs=1e-6)
    assert membership(2, anchors) == pytest.approx(0.643110, abs=1e-6)
    # a decreasing set (anchors from high to low) mirrors it
    falling = Anchors(10, 5, 0)
    assert membership(0, falling) == pytest.approx(0.95)
    assert membership(10, falling) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("0,1", "give three numbers"),
        ("0,x,4", "must be numbers"),
        ("0,inf,4", "finite"),
        ("0,5,4", "strictly between"),
    ],
)
def test_bad_anchors_say_what_is_wrong(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        parse_anchors(text)


def test_fuzzy_table_and_codebook(bundled_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "fuzzy.csv"
    result = run_flywheel("compare", "--fuzzy", "-o", str(out), "--store", str(bundled_store))
    assert result.returncode == 0, result.stderr
    frame = pandas.read_csv(out).set_index("cityLabel")
    assert list(frame.columns) == [
        "case",
        "leaderPromotion",
        "dataBureau",
        "commandCenter",
        "scenarios",
        "scenarios_fs",
        "loopClosed",
    ]
    assert frame.loc["City A", ["scenarios", "scenarios_fs"]].tolist() == [1, 0.273]
    assert frame.loc["Shanghai", ["scenarios", "scenarios_fs"]].tolist() == [2, 0.643]
    assert frame.loc["Hangzhou", ["scenarios", "scenarios_fs"]].tolist() == [4, 0.95]
    assert frame.loc[
        "City A", ["leaderPromotion", "dataBureau", "commandCenter", "loopClosed"]
    ].tolist() == [1, 0, 1, 1]
    codebook = (tmp_path / "fuzzy.codebook.md").read_text(encoding="utf-8")
    assert (
        "scenarios: anchors (full non-membership, crossover, full membership) = 0, 1.5, 4"
        in codebook
    )
    assert "the project's default" in codebook and "QCA::calibrate" in codebook


def test_anchors_set_on_the_command_line(bundled_store: Path) -> None:
    # anchors 0, 2, 6: Shanghai's 2 scenarios sit at the crossover
    result = run_flywheel(
        "compare",
        "--fuzzy",
        "--anchor",
        "scenarios=0,2,6",
        "--format",
        "csv",
        "--store",
        str(bundled_store),
    )
    assert result.returncode == 0, result.stderr
    shanghai = next(line for line in result.stdout.splitlines() if "Shanghai" in line)
    assert shanghai.endswith(",2,0.5,0")
    bad = run_flywheel(
        "compare", "--fuzzy", "--anchor", "years=0,3,6", "--store", str(bundled_store)
    )
    assert bad.returncode == 2 and "no calibrated condition years" in bad.stderr
