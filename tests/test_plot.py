"""Figures (flywheel plot), the comparison and condition CSV exports with their codebooks, and
the JSON-LD @context (file in sync with the ontology, served at /context.jsonld, used by
flywheel export --context). Expected values are worked out by hand from kg/cases/*.ttl."""

from __future__ import annotations

import csv
import json
import struct
import warnings
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.rdf.jsonld import CONTEXT_FILE, CONTEXT_URL, context, read_compact
from kg.rdf.read import read_cases
from kg.render.plot import case_data, case_figure, cjk_family, compare_figure
from kg.store import open_store
from kg.store.loading import load_files
from kg.version import __version__
from tests.conftest import FIXTURES

CASE = "https://w3id.org/dataflywheel/case/"
runner = CliRunner()


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("plot") / "store"
    with open_store(str(folder)) as store:
        load_files(store, paths.bundled_case_files())
    return str(folder)


def flywheel(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]


# --- figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["city-a", "hangzhou", "shanghai"])
def test_case_figure_written_as_svg_and_png(store_dir, tmp_path, case):
    for suffix in (".svg", ".png"):
        target = tmp_path / f"{case}{suffix}"
        result = flywheel("plot", case, "--store", store_dir, "-o", str(target))
        assert result.exit_code == 0, result.output
        assert target.is_file()
    svg = (tmp_path / f"{case}.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<text" not in svg  # text drawn as paths: renders without the font
    width, height = png_size(tmp_path / f"{case}.png")
    assert 2000 <= width <= 4500 and 1000 <= height <= 2500 and width > height


def test_compare_figure_written(store_dir, tmp_path):
    for suffix in (".svg", ".png"):
        target = tmp_path / f"compare{suffix}"
        result = flywheel("plot", "--compare", "--store", store_dir, "-o", str(target))
        assert result.exit_code == 0, result.output
    width, height = png_size(tmp_path / "compare.png")
    assert width >= 2000 and 600 <= height < width
    only = tmp_path / "two.png"
    assert (
        flywheel(
            "plot", "--compare", "hangzhou", "shanghai", "--store", store_dir, "-o", str(only)
        ).exit_code
        == 0
    )
    assert png_size(only)[1] < height  # two rows are shorter than three


def test_plot_mistakes_are_explained(store_dir, tmp_path):
    result = flywheel("plot", "--store", store_dir)
    assert result.exit_code == 2 and "name one case" in result.output
    result = flywheel("plot", "hangzhou", "--store", store_dir, "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 2 and "use .svg or .png" in result.output
    result = flywheel("plot", "nowhere", "--store", store_dir)
    assert result.exit_code == 2 and "no case 'nowhere'" in result.output


def test_hangzhou_data_in_the_figure(store_dir):
    # hangzhou.ttl: startup 2016-04-01 (month), rotation 2017-01-01 (month), acceleration
    # 2018-04-13 (day), inertia 2020-03-01 (month); one aggregation flow; loop not closed
    with open_store(store_dir) as store:
        data = case_data(store, CASE + "hangzhou")
    assert [e["stage"] for e in data["episodes"]] == [
        "startup",
        "rotation",
        "acceleration",
        "inertia",
    ]
    assert [s["flows"] for s in data["steps"]] == [1, 0, 0, 0, 0]
    assert data["loop_closed"] is False
    shown = texts(case_figure(data, "en"))
    for line in (
        "1. startup stage\n2016-04 (month)",
        "2. rotation stage\n2017-01 (month)",
        "3. acceleration stage\n2018-04-13 (day)",
        "4. inertia stage\n2020-03 (month)",
    ):
        assert line in shown
    assert "loop not\nclosed" in shown
    assert "1 aggregation: 1 flow(s)" in shown and "2 fusion: no flow coded" in shown
    assert "2020-03 (month) →" in shown  # the inertia stage is open


def test_city_a_unknown_dates_say_so(store_dir):
    # city-a.ttl: every stage's dates are fw:UnknownDate; all five loop steps have a flow and
    # the re-aggregation flow is undated, so the loop is closed with no date
    with open_store(store_dir) as store:
        data = case_data(store, CASE + "city-a")
    shown = texts(case_figure(data, "en"))
    assert "1. startup stage\ndate unknown" in shown
    assert shown.count("date unknown") >= 4  # the four timeline rows
    assert "loop closed\n(date unknown)" in shown
    assert [s["flows"] > 0 for s in data["steps"]] == [True] * 5


def test_compare_figure_shows_each_citys_stage_starts(store_dir):
    with open_store(store_dir) as store:
        cases = [case_data(store, CASE + c) for c in ("city-a", "hangzhou", "shanghai")]
    figure = compare_figure(cases, "en")
    shown = texts(figure)
    for date in ("2016-04", "2017-01", "2018-04-13", "2020-03"):  # Hangzhou
        assert date in shown
    for date in ("2018-03-30", "2018-04-12", "2018-10-17", "2020-05-08"):  # Shanghai
        assert date in shown
    assert "stage dates unknown" in shown  # City A
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["City A", "Hangzhou", "Shanghai"]


@pytest.mark.skipif(cjk_family() is None, reason="Noto Sans CJK is not installed")
def test_chinese_labels_render_without_missing_glyphs(store_dir, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for args in (["hangzhou"], ["--compare"]):
            target = tmp_path / f"{args[0].strip('-')}-zh.png"
            result = flywheel(
                "plot", *args, "--lang", "zh", "--store", store_dir, "-o", str(target)
            )
            assert result.exit_code == 0, result.output
            assert "warning" not in result.output
        with open_store(store_dir) as store:
            figure = case_figure(case_data(store, CASE + "hangzhou"), "zh")
            figure.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []
    shown = "\n".join(texts(figure))
    for label in ("启动阶段", "转动阶段", "加速阶段", "惯性阶段", "归集", "回路\n未闭合"):
        assert label in shown
    assert "2016-04(月)" in shown


# --- CSV exports with codebooks -----------------------------------------------------------------


def test_compare_csv_and_codebook(store_dir, tmp_path):
    target = tmp_path / "cities.csv"
    result = flywheel("compare", "--store", store_dir, "-o", str(target))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    by_city = {r["city"]: r for r in rows}
    assert list(by_city) == ["City A", "Hangzhou", "Shanghai"]
    hz = by_city["Hangzhou"]
    assert (hz["startup_start"], hz["startup_start_precision"]) == ("2016-04-01", "month")
    assert (hz["inertia_start"], hz["inertia_end"], hz["inertia_end_precision"]) == (
        "2020-03-01",
        "",
        "unknown",
    )
    # 2016-04-01 → 2020-03-01 is 1430 days = 3.9 years, at month precision
    assert (hz["years_startup_to_inertia"], hz["years_precision"]) == ("3.9", "month")
    assert by_city["City A"]["loop_closed"] == "true" and hz["loop_closed"] == "false"
    assert by_city["City A"]["startup_start"] == ""
    book = (tmp_path / "cities.codebook.md").read_text(encoding="utf-8")
    for column in rows[0]:
        assert f"| `{column}` |" in book
    assert f"flywheel-kg {__version__}" in book and "`cities.csv`" in book
    with open_store(store_dir) as store:
        infos = store.cases()
        assert len(infos) == 3
        for info in infos:
            assert f"<{info.iri}>" in book and info.sha256 in book
    assert "days between the two starts / 365.25" in book
    assert "启动阶段" in book and "政治逻辑" in book


def test_condition_table_csv_states_its_threshold(store_dir, tmp_path):
    target = tmp_path / "conditions.csv"
    result = flywheel(
        "compare", "--conditions", "--min-scenarios", "3", "--store", store_dir, "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    rows = {r["cityLabel"]: r for r in csv.DictReader(target.open(encoding="utf-8"))}
    # scenarios coded: City A 1, Hangzhou 4, Shanghai 2; k = 3
    assert {c: (r["scenarios"], r["enoughScenarios"]) for c, r in rows.items()} == {
        "City A": ("1", "false"),
        "Hangzhou": ("4", "true"),
        "Shanghai": ("2", "false"),
    }
    assert {r["k"] for r in rows.values()} == {"3"}
    book = (tmp_path / "conditions.codebook.md").read_text(encoding="utf-8")
    assert "k = 3" in book and "crisp sets" in book
    assert "| `leaderPromotion` |" in book and "| `loopClosed` |" in book


# --- JSON-LD context ----------------------------------------------------------------------------


def test_context_file_is_in_sync_with_the_ontology():
    assert json.loads(CONTEXT_FILE.read_text(encoding="utf-8")) == context()
    terms = context()["@context"]
    assert terms["CaseStudy"] == "fw:CaseStudy"
    assert terms["ofStage"] == {"@id": "fw:ofStage", "@type": "@id"}
    assert terms["startDate"] == {"@id": "fw:startDate", "@type": "xsd:date"}  # from the shapes
    assert terms["sequence"] == {"@id": "fw:sequence", "@type": "xsd:integer"}


@pytest.mark.parametrize("case", ["city-a", "hangzhou", "shanghai"])
def test_export_with_context_reads_back_offline(store_dir, tmp_path, case):
    target = tmp_path / f"{case}.jsonld"
    result = flywheel(
        "export", case, "--store", store_dir, "--format", "json-ld", "--context", "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["@context"] == CONTEXT_URL
    episode = next(n for n in document["@graph"] if n["@id"].endswith("/ep-startup"))
    assert episode["@type"] == "StageEpisode" and episode["ofStage"] == "fw:StartupStage"
    original = Graph().parse(paths.CASES_DIR / f"{case}.ttl", format="turtle")
    assert isomorphic(read_compact(text), original)  # the local context, nothing fetched
    # and the ordinary readers (flywheel validate / load, POST /validate) take it offline too
    (read_back,) = read_cases(target)
    assert isomorphic(read_back.graph, original)


def test_context_needs_json_ld(store_dir):
    result = flywheel("export", "hangzhou", "--store", store_dir, "--context")
    assert result.exit_code == 2 and "--format json-ld" in result.output


def test_context_is_served(api):
    response = httpx.get(f"{api}/context.jsonld", headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers.get("access-control-allow-origin") == "*"
    assert response.json() == context()


def test_an_episode_with_an_unknown_start_is_drawn_not_dropped() -> None:
    """tests/fixtures/plot/upland.ttl: starts 2015, 2017-03, 2019-06 and an inertia stage with
    no known start; ends not coded closed at the next start, as asked. By hand: four bars; the
    acceleration bar (whose end, the unknown inertia
    start, is unknown) is a short dashed stub, not a bar to the axis's end; the inertia bar
    follows it, dashed, labelled 'date unknown', and, being the last and open, runs on to the
    axis's end."""
    from matplotlib.patches import Rectangle

    from kg.store.loading import load_files

    with open_store("memory:") as store:
        assert load_files(store, [FIXTURES / "plot" / "upland.ttl"], force=True).ok
        data = case_data(store, "https://example.org/case/upland", close_at_next=True)
    figure = compare_figure([data], "en")
    ax = figure.axes[0]
    bars = sorted(
        (p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0.5),
        key=lambda p: p.get_x(),
    )
    assert len(bars) == 4
    startup, rotation, acceleration, inertia = bars
    right = ax.get_xlim()[1]
    assert startup.get_x() + startup.get_width() == pytest.approx(rotation.get_x())
    assert rotation.get_x() + rotation.get_width() == pytest.approx(acceleration.get_x())
    assert acceleration.get_x() + acceleration.get_width() < right - 365  # a stub, not to the end
    assert inertia.get_x() == pytest.approx(acceleration.get_x() + acceleration.get_width())
    assert inertia.get_x() + inertia.get_width() == pytest.approx(right)
    assert [b.get_linestyle() for b in bars] == ["-", "-", "--", "--"]
    assert "date unknown" in texts(figure)
