"""Issue 15, item 6: each city's stage sequence in the formats of R's TraMineR, SPELL (one row
per episode with begin and end bounds) and STS (one row per city, one column per month), each
with a codebook, read back exactly by pandas.

Expected values by hand from kg/cases/*.ttl (episode starts): Hangzhou 2016-04 (month), 2017-01
(month), 2018-04-13, 2020-03 (month); Shanghai 2018-03-30, 2018-04-12, 2018-10-17, 2020-05-08;
City A codes no date. Month index = (year - 2000) * 12 + month: 2016-04 → 196, 2018-03 → 219.
"""

from __future__ import annotations

from pathlib import Path

import pandas
import pytest

from tests.conftest import run_flywheel


@pytest.fixture
def store(bundled_store: Path) -> str:
    return str(bundled_store)


def _export(store: str, layout: str, tmp_path: Path, *more: str) -> tuple[Path, str]:
    out = tmp_path / f"{layout}.csv"
    result = run_flywheel("compare", "--sequences", layout, "-o", str(out), "--store", store, *more)
    assert result.returncode == 0, result.stderr
    return out, (tmp_path / f"{layout}.codebook.md").read_text(encoding="utf-8")


def test_spell_ends_not_coded_stay_empty_unless_asked(store: str, tmp_path: Path) -> None:
    out, codebook = _export(store, "spell", tmp_path)
    frame = pandas.read_csv(out, dtype=str, keep_default_na=False)
    shanghai = frame[frame["id"] == "shanghai"]
    # shanghai.ttl codes no end: empty, 'unknown' while a later episode exists, then 'open'
    assert shanghai[["sequence", "end", "end_month", "end_basis"]].values.tolist() == [
        ["1", "", "", "unknown"],
        ["2", "", "", "unknown"],
        ["3", "", "", "unknown"],
        ["4", "", "", "open"],
    ]
    assert "--close-at-next" in codebook


def test_close_at_next_does_not_apply_to_sts(store: str) -> None:
    result = run_flywheel("compare", "--sequences", "sts", "--close-at-next", "--store", store)
    assert result.returncode != 0 and "STS always reads a stage" in result.stderr
    assert "Traceback" not in result.stderr


def test_spell_rows_with_bounds(store: str, tmp_path: Path) -> None:
    out, codebook = _export(store, "spell", tmp_path, "--close-at-next")
    frame = pandas.read_csv(out, dtype=str, keep_default_na=False)
    shanghai = frame[frame["id"] == "shanghai"]
    assert shanghai[
        ["sequence", "stage", "begin", "begin_month", "end", "end_basis"]
    ].values.tolist() == [
        ["1", "startup", "2018-03-30", "219", "2018-04-12", "next episode"],
        ["2", "rotation", "2018-04-12", "220", "2018-10-17", "next episode"],
        ["3", "acceleration", "2018-10-17", "226", "2020-05-08", "next episode"],
        ["4", "inertia", "2020-05-08", "245", "", "open"],
    ]
    hangzhou = frame[frame["id"] == "hangzhou"].iloc[0]
    # a start known to the month: its bounds are the month's first and last day
    assert (hangzhou["begin"], hangzhou["begin_earliest"], hangzhou["begin_latest"]) == (
        "2016-04-01",
        "2016-04-01",
        "2016-04-30",
    )
    assert hangzhou["begin_precision"] == "month" and hangzhou["begin_month"] == "196"
    city_a = frame[frame["id"] == "city-a"]
    assert city_a["stage"].tolist() == ["startup", "rotation", "acceleration", "inertia"]
    assert set(city_a["begin"]) == {""} and set(city_a["begin_precision"]) == {"unknown"}
    assert 'from = "SPELL"' in codebook and "`end_basis`" in codebook


def test_sts_months(store: str, tmp_path: Path) -> None:
    out, codebook = _export(store, "sts", tmp_path)
    frame = pandas.read_csv(out, dtype=str, keep_default_na=False).set_index("id")
    months = [c for c in frame.columns if c != "case"]
    # from Hangzhou's first start (2016-04) to the last coded date (Shanghai's inertia, 2020-05)
    assert months[0] == "2016-04" and months[-1] == "2020-05" and len(months) == 50
    shanghai = frame.loc["shanghai"]
    assert shanghai["2018-02"] == ""  # before its first episode
    assert shanghai["2018-03"] == "startup"  # begun 30 March: in force on the 31st
    assert shanghai["2018-04"] == shanghai["2018-09"] == "rotation"
    assert shanghai["2018-10"] == shanghai["2020-04"] == "acceleration"
    assert shanghai["2020-05"] == "inertia"
    hangzhou = frame.loc["hangzhou"]
    assert hangzhou["2016-04"] == hangzhou["2016-12"] == "startup"
    assert hangzhou["2017-01"] == "rotation" and hangzhou["2018-04"] == "acceleration"
    assert hangzhou["2020-03"] == hangzhou["2020-05"] == "inertia"  # open: carried, and said
    assert set(frame.loc["city-a", months]) == {""}
    assert "right-censored" in codebook
    assert "cities with no known start (all their cells empty): city-a" in codebook


def test_sequences_printed_and_for_chosen_cases(store: str) -> None:
    result = run_flywheel("compare", "shanghai", "--sequences", "spell", "--store", store)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5 and all('"shanghai"' in line for line in lines[1:])
