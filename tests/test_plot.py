"""Figures (flywheel plot), the comparison and condition CSV exports with their codebooks, and
the JSON-LD @context (file in sync with the ontology, served at /context.jsonld, used by
flywheel export --context). Expected values are worked out by hand from kg/cases/*.ttl."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import struct
import warnings
from pathlib import Path

import httpx
import pytest
from matplotlib import pyplot as plt
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


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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
    # the timeline's start labels: each start's weakest confidence is inferred (the project's
    # reading: each start's own claim and its evidence are graded fw:Inferred)
    for line in (
        "2016-04 (month) [i]",
        "2017-01 (month) [i]",
        "2018-04-13 (day) [i]",
        "2020-03 (month) [i] →",  # the inertia stage is open
    ):
        assert line in shown


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
    # every start of Hangzhou and Shanghai rests on its own claim graded inferred ([i]); City A's
    # are confirmed but undated, so it has no start label to mark
    for date in ("2016-04", "2017-01", "2018-04-13", "2020-03"):  # Hangzhou
        assert f"{date} [i]" in shown
    for date in ("2018-03-30", "2018-04-12", "2018-10-17", "2020-05-08"):  # Shanghai
        assert f"{date} [i]" in shown
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
    assert "2016-04(月)[推]" in shown  # inferred: 推断


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
    assert "date unknown [–]" in texts(figure)  # nothing in upland.ttl is graded: –


# --- how sure, how precise, and labels that never overlap ---------------------------------------

EXAMPLE = "https://example.org/case/"
# tests/fixtures/plot: crowded.ttl (four starts in eight weeks, each graded differently),
# thronged.ttl (starts between crowded's, nothing graded), upland.ttl (an unknown start)
SIX = [CASE + c for c in ("city-a", "hangzhou", "shanghai")] + [
    EXAMPLE + c for c in ("crowded", "thronged", "upland")
]


@pytest.fixture(scope="module")
def six_cities():
    """The bundled cases and the three synthetic plot fixtures in one store."""
    with open_store("memory:") as store:
        assert load_files(store, paths.bundled_case_files()).ok
        names = ("crowded", "thronged", "upland")
        assert load_files(store, [FIXTURES / "plot" / f"{n}.ttl" for n in names], force=True).ok
        yield store


def overlapping(figure, axes=None, dpi: float = 100) -> list[tuple[str, str]]:
    """The pairs of drawn texts (all the figure's, or those of ``axes``) whose extents meet."""
    from matplotlib.text import Text

    figure.set_dpi(dpi)
    figure.canvas.draw()
    where = axes if axes is not None else figure
    shown = [
        (t.get_text(), t.get_window_extent())
        for t in where.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    return [
        (a, b)
        for i, (a, box) in enumerate(shown)
        for b, other in shown[i + 1 :]
        if box.overlaps(other)
    ]


def test_crowded_starts_say_how_sure_and_how_precise(six_cities) -> None:
    """By hand from crowded.ttl: startup 2019-03-04 (day) rests on confirmed evidence (c);
    rotation 2019-03-11 (day) on confirmed and suspected (weakest: s); acceleration on or before
    2019-03-29 on inferred (i); inertia some day in April or May 2019 (a range, 2019-04-01 to
    2019-05-31) on an unverified report and inferred (weakest: r). None has a claim of its own,
    so each rests on its episode's evidence. thronged.ttl grades nothing (–)."""
    crowded = case_data(six_cities, EXAMPLE + "crowded")
    assert [e["confidence"] for e in crowded["episodes"]] == [
        "confirmed",
        "suspected",
        "inferred",
        "reported",
    ]
    shown = texts(compare_figure([crowded, case_data(six_cities, EXAMPLE + "thronged")], "en"))
    for label in ("2019-03-04 [c]", "2019-03-11 [s]", "≤2019-03-29 [i]", "2019-04–2019-05 [r]"):
        assert label in shown
    for day in ("2019-02-25", "2019-03-18", "2019-04-08", "2019-04-29"):
        assert f"{day} [–]" in shown
    caption = next(t for t in shown if t.startswith("Dates as precisely"))
    assert "c = confirmed, s = suspected, i = inferred, r = unverified report, – = not graded" in (
        caption.replace("\n", " ")
    )
    shown = texts(case_figure(crowded, "en"))
    for label in (
        "2019-03-04 (day) [c]",
        "2019-03-11 (day) [s]",
        "2019-03-29 (on or before) [i]",
        "2019-04–2019-05 (within a range) [r] →",  # the last, open
    ):
        assert label in shown
    # in Chinese, the marks and the precisions by the ontology's Chinese labels
    shown = texts(case_figure(crowded, "zh"))
    for label in (
        "2019-03-04(日)[核]",
        "2019-03-11(日)[疑]",
        "2019-03-29(不晚于)[推]",
        "2019-04–2019-05(区间)[报] →",
    ):
        assert label in shown
    caption = "".join(t for t in shown if t.startswith("日期精度")).replace("\n", "")
    assert "核 = 已核实,疑 = 疑似,推 = 推断,报 = 未经核实的报道" in caption


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_caption_says_how_ends_not_coded_are_drawn(six_cities, lang) -> None:
    ends = {
        "en": (
            "An end that is not coded is left unknown: a short dashed stub",
            "An end that is not coded is drawn to the next stage's start, as asked",
        ),
        "zh": ("未编码的结束日期视为未知:以短虚线段表示", "未编码的结束日期按要求画至下一阶段开始"),
    }[lang]
    for close, says, not_says in ((False, *ends), (True, *reversed(ends))):
        hangzhou = case_data(six_cities, CASE + "hangzhou", close_at_next=close)
        for figure in (compare_figure([hangzhou], lang), case_figure(hangzhou, lang)):
            notes = " ".join(
                t.replace("\n", " " if lang == "en" else "")
                for t in texts(figure)
                if t.startswith(("Dates as", "日期精度"))
            )
            assert says in notes and not_says not in notes, (close, notes)


def test_an_end_not_coded_is_a_stub_short_of_the_next_start(six_cities) -> None:
    """By default no end of Hangzhou's or Shanghai's stages is coded: each but the last is a
    short dashed stub that stops at or before the next stage's start (Shanghai's startup
    2018-03-30 is 13 days before its rotation 2018-04-12, so its stub is those 13 days);
    the last, open, runs to the axis's end. Asked to close them, each bar reaches the next."""
    import matplotlib.dates as mdates
    from matplotlib.patches import Rectangle

    def bars(close: bool) -> list[list[tuple[float, float, str]]]:
        cases = [case_data(six_cities, CASE + c, close) for c in ("hangzhou", "shanghai")]
        ax = compare_figure(cases, "en").axes[0]
        rows: dict[float, list] = {}
        for p in ax.patches:
            if isinstance(p, Rectangle) and p.get_height() > 0.5:
                rows.setdefault(round(p.get_y(), 2), []).append(
                    (p.get_x(), p.get_x() + p.get_width(), p.get_linestyle())
                )
        return [sorted(rows[y]) for y in sorted(rows)], ax.get_xlim()[1]

    (hangzhou, shanghai), right = bars(False)
    for row in (hangzhou, shanghai):
        for (start, end, style), (next_start, _, _) in itertools.pairwise(row):
            assert end <= next_start + 1e-9 and end - start < 365 and style == "--"
        assert row[-1][1] == pytest.approx(right) and row[-1][2] == "-"
    day = mdates.date2num
    assert shanghai[0][1] == pytest.approx(day(dt.date(2018, 4, 12)))
    (hangzhou, shanghai), right = bars(True)
    for row in (hangzhou, shanghai):
        for (_, end, style), (next_start, _, _) in itertools.pairwise(row):
            assert end == pytest.approx(next_start) and style == "-"


@pytest.mark.parametrize("close", [False, True])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_two_labels_overlap_in_the_comparison(six_cities, lang, close) -> None:
    """Six cities, two of them crowded (eight starts within ten weeks across two rows): every
    text drawn (date labels, city names, years, caption, legend) is clear of every other, at
    the screen's 100 dpi and at the PNG's 300."""
    figure = compare_figure([case_data(six_cities, c, close) for c in SIX], lang)
    assert overlapping(figure) == []
    assert overlapping(figure, dpi=300) == []


@pytest.mark.parametrize("case", SIX)
def test_no_two_labels_overlap_in_the_case_figure(six_cities, case) -> None:
    """The case figure's timeline (and the wheel beside it) for each of the six cities."""
    for lang in ("en", "zh"):
        assert overlapping(case_figure(case_data(six_cities, case), lang)) == []


def test_a_label_moved_aside_keeps_a_leader_to_its_day(six_cities) -> None:
    """crowded.ttl's four starts fall within four weeks (2019-03-04 to 2019-04-01), about
    two days to a point on this axis (2019 to 2023): the first label fits at its day above the
    bar, the second (a week later) below it; the third and fourth find both taken and are
    moved right, each with a thin line from its day on the bar's edge to the label."""
    import matplotlib.dates as mdates

    figure = compare_figure([case_data(six_cities, EXAMPLE + "crowded")], "en")
    ax = figure.axes[0]
    days = {
        "2019-03-04 [c]": dt.date(2019, 3, 4),
        "2019-03-11 [s]": dt.date(2019, 3, 11),
        "≤2019-03-29 [i]": dt.date(2019, 3, 29),
        "2019-04–2019-05 [r]": dt.date(2019, 4, 1),
    }
    at = {t.get_text(): t.get_position() for t in ax.texts if t.get_text() in days}
    assert set(at) == set(days)
    day = {text: float(mdates.date2num(d)) for text, d in days.items()}
    assert at["2019-03-04 [c]"] == (pytest.approx(day["2019-03-04 [c]"]), pytest.approx(-0.33))
    assert at["2019-03-11 [s]"] == (pytest.approx(day["2019-03-11 [s]"]), pytest.approx(0.33))
    leaders = sorted((tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax.lines)
    moved = ["≤2019-03-29 [i]", "2019-04–2019-05 [r]"]
    assert [xs[0] for xs, _ in leaders] == pytest.approx([day[t] for t in moved])
    for (xs, ys), text in zip(leaders, moved, strict=True):
        assert xs[1] == pytest.approx(at[text][0]) and xs[1] > xs[0]  # to the label, rightward
        assert ys[1] == pytest.approx(at[text][1]) and abs(ys[0]) == pytest.approx(0.28)
