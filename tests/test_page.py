"""The web page at ``/``, end to end: a real API process (the ``api`` fixture) and Debian's
headless Chromium driven by Playwright. Expected labels and dates are read by hand from
kg/cases/*.ttl and ontology/flywheel.ttl:

- the stages' labels (rdfs:label @en / @zh): startup stage 启动阶段, rotation stage 转动阶段,
  acceleration stage 加速阶段, inertia stage 惯性阶段;
- City A (city-a.ttl): four episodes in that sequence, every date fw:UnknownDate; one flow in
  each of the five loop steps, re-aggregation included (the loop is closed, date unknown);
- Hangzhou (hangzhou.ttl): starts 2016-04 (month), 2017-01 (month), 2018-04-13 (day), 2020-03
  (month), no end coded (fw:UnknownDate: each end is unknown, and the next stage's start only
  when asked; inertia, the last, is open); one flow only, an aggregation (the loop is not
  closed); every start rests on its own claim graded inferred;
- Shanghai (shanghai.ttl): starts 2018-03-30, 2018-04-12, 2018-10-17, 2020-05-08 (days), no end
  coded, each start graded inferred;
- City A's stages rest on the abstract, graded confirmed;
- the cities' English labels: City A, Hangzhou, Shanghai.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from docs.make_screenshots import CHROMIUM_ARGS  # the flags this machine's Chromium needs
from tests.servers import marks_its_users, require_marker

CHROMIUM = Path("/usr/bin/chromium")
STAGES_EN = ["startup stage", "rotation stage", "acceleration stage", "inertia stage"]
STAGES_ZH = ["启动阶段", "转动阶段", "加速阶段", "惯性阶段"]
WAIT = 30_000  # ms: generous, the page is ready long before


@pytest.fixture(scope="module")
@marks_its_users("browser")
def browser():
    require_marker("browser", "launches Chromium")
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); CI is not set")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Visit:
    """A page in a fresh browser context, with everything that went wrong recorded."""

    page: object
    base: str
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-ready='true']", timeout=WAIT)

    def texts(self, selector: str) -> list[str]:
        return self.page.locator(selector).evaluate_all(
            "nodes => nodes.map(n => (n instanceof HTMLElement ? n.innerText : n.textContent).trim())"
        )

    def assert_clean(self, allowed: tuple[str, ...] = (), console: str | None = None) -> None:
        assert [e for e in self.errors if console is None or console not in e] == []
        assert [f for f in self.failed if not f.startswith(allowed)] == []
        assert self.elsewhere == []


@pytest.fixture(scope="module")
def warm(api: str) -> str:
    """Each worker process's first read loads the ontology and modules (a second or two that
    counts against the fixture's 3 s deadline): read once before the browser does, since these
    tests are about the page, not the engine's cold start."""
    for path in ("/cases", "/cases/city-a/flywheel", "/cases/city-a/timeline", "/compare"):
        for _attempt in range(3):
            if httpx.get(api + path, timeout=30).status_code == 200:
                break
        else:
            pytest.fail(f"{path} did not answer 200 in three tries")
    return api


@pytest.fixture
def visit(browser, warm: str) -> Iterator[Visit]:
    api = warm
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    seen = Visit(page, api)
    origin = urlsplit(api).netloc

    def route(r) -> None:  # nothing leaves for another host
        url = r.request.url
        if urlsplit(url).netloc != origin and not url.startswith(("data:", "blob:")):
            seen.elsewhere.append(url)
            r.abort()
        else:
            r.continue_()

    context.route("**/*", route)
    page.on("request", lambda r: seen.requested.append(r.url))
    page.on("console", lambda m: m.type == "error" and seen.errors.append(m.text))
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("requestfailed", lambda r: seen.failed.append(f"{r.url} {r.failure}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and seen.failed.append(f"{r.request.method} {r.url} {r.status}"),
    )
    yield seen
    context.close()


HANGZHOU_ENDS_UNKNOWN = [
    "from 2016-04, end not coded",
    "from 2017-01, end not coded",
    "from 2018-04-13, end not coded",
    "from 2020-03",
]
HANGZHOU_ENDS_CLOSED = [
    "2016-04 to 2017-01",
    "2017-01 to 2018-04-13",
    "2018-04-13 to 2020-03",
    "from 2020-03",
]
CLOSE_LABEL = "Close stages at the next stage's start (where their end is not coded)"

# Each timeline row's extent (its bars: a faint band for a start known to the month, then the
# bar itself) and whether its bar fades out for an end not coded.
TIMELINE_ROWS = """() => [...document.querySelectorAll('svg.timeline g.episode')].map((g) => {
  const bars = [...g.querySelectorAll('rect.bar')].map((r) => r.getBBox());
  return [Math.min(...bars.map((b) => b.x)), Math.max(...bars.map((b) => b.x + b.width)),
          g.querySelector('rect.bar.unknown-end') !== null];
})"""

# Each comparison row's bars from left to right: [start, end, kind] (kind: unknown-end, open or
# "" for an end known), and the chart's right end.
COMPARE_BARS = """() => [[...document.querySelectorAll('svg.compare g.city-row')].map((g) =>
  [...g.querySelectorAll('rect.bar')].map((r) => {
    const b = r.getBBox();
    const kind = r.classList.contains('unknown-end') ? 'unknown-end'
      : r.classList.contains('open') ? 'open' : '';
    return [b.x, b.x + b.width, kind];
  }).sort((a, b) => a[0] - b[0])),
  document.querySelector('svg.compare').viewBox.baseVal.width]"""


def assert_timeline_fades_at_the_next_start(rows: list) -> None:
    """Every row whose end is not coded stops where the next row starts."""
    for (_start, end, fades), (next_start, _, _) in itertools.pairwise(rows):
        if fades:
            assert end == pytest.approx(next_start, abs=0.5)


def test_page_loads_with_no_errors_and_asks_only_its_server(visit: Visit) -> None:
    visit.open("/")
    assert visit.page.title() == "flywheel-kg: Data-flywheel cases"
    paths = {urlsplit(u).path for u in visit.requested}
    for needed in ("/", "/static/app.js", "/static/style.css", "/cases", "/compare", "/sparql"):
        assert needed in paths
    assert "/cases/city-a/flywheel" in paths  # the first case is shown at once
    assert visit.texts("#case-list .case-city") == ["City A", "Hangzhou", "Shanghai"]
    visit.assert_clean()


def test_city_a_stages_in_order_with_unknown_dates(visit: Visit) -> None:
    visit.open("/")
    visit.page.locator("button[data-case='city-a']").click()
    visit.page.wait_for_selector("#flywheel[data-case='city-a'][aria-busy='false']", timeout=WAIT)
    assert visit.texts("#stage-list .stage-name") == STAGES_EN
    assert visit.texts("#stage-list .dates") == ["date unknown"] * 4
    wheel = visit.texts("svg.wheel .stage-label")
    assert [w.split(maxsplit=1)[1] for w in wheel] == STAGES_EN
    assert [w.split(maxsplit=1)[0] for w in wheel] == ["1", "2", "3", "4"]
    assert visit.texts("svg.wheel .stage-date") == ["date unknown"] * 4
    # every loop step has a flow, and re-aggregation closes the loop on an unknown date
    assert visit.page.locator("#step-list li.evidenced").count() == 5
    assert visit.texts("#loop-status") == ["The loop is closed (since an unknown date)"]
    # the timeline has nothing to place on an axis: the episodes are listed, date unknown
    assert visit.page.locator("#timeline-chart svg").count() == 0
    undated = visit.texts("#timeline-undated ol.undated > li .stage-name")
    assert undated == STAGES_EN
    assert visit.texts("#timeline-undated ol.undated > li > .unknown") == ["date unknown"] * 4
    # in Chinese, the same order with the ontology's Chinese labels
    visit.page.get_by_role("button", name="中文").click()
    assert visit.page.locator("html").get_attribute("lang") == "zh-Hans"
    assert visit.texts("#stage-list .stage-name") == STAGES_ZH
    assert visit.texts("#stage-list .dates") == ["日期未知"] * 4
    assert visit.texts("#case-list .case-city") == ["A市", "杭州", "上海"]
    visit.assert_clean()


def test_hangzhou_dated_stages_and_timeline(visit: Visit) -> None:
    visit.open("/")
    card = visit.page.locator("button[data-case='hangzhou']")
    card.focus()  # keyboard only
    visit.page.keyboard.press("Enter")
    visit.page.wait_for_selector("#flywheel[data-case='hangzhou'][aria-busy='false']", timeout=WAIT)
    assert card.get_attribute("aria-pressed") == "true"
    assert visit.texts("#flywheel-city") == [": Hangzhou"]
    assert visit.texts("#stage-list .stage-name") == STAGES_EN
    assert visit.texts("#stage-list .dates") == HANGZHOU_ENDS_UNKNOWN
    # the badge speaks of both dates: no end is coded, and the last has none (it is open)
    assert visit.texts("#stage-list .precision") == [
        "precision: start month, end not coded",
        "precision: start month, end not coded",
        "precision: start day, end not coded",
        "precision: start month, no end stated",
    ]
    # how sure each start is: the weakest confidence behind it, inferred for each
    assert visit.texts("#stage-list dd.confidence") == ["inferred"] * 4
    # startup: one coded logic, the Yunqi trial's (technical); the exploration's is unknown
    assert visit.texts("#stage-list dd.logic") == [
        "technical logic",
        "bureaucratic logic",
        "technical logic",
        "political logic",
    ]
    assert visit.texts("svg.wheel .stage-date") == HANGZHOU_ENDS_UNKNOWN
    assert visit.texts("#loop-status")[0].startswith("The loop is not closed")
    assert visit.page.locator("#step-list li.evidenced").count() == 1  # aggregation only
    # the timeline: four bars in order, the first three fading out at the next start (their
    # end not coded), the last with no end stated, and no undated episode
    assert visit.texts("svg.timeline .row-label") == STAGES_EN
    assert visit.page.locator("svg.timeline .bar.open").count() == 1
    assert visit.texts("svg.timeline .bar.unknown-end > title") == [
        "startup stage: from 2016-04, end not coded (end not coded) · how sure the start is: inferred",
        "rotation stage: from 2017-01, end not coded (end not coded) · how sure the start is: inferred",
        "acceleration stage: from 2018-04-13, end not coded (end not coded)"
        " · how sure the start is: inferred",
    ]
    rows = visit.page.evaluate(TIMELINE_ROWS)
    assert [fades for _, _, fades in rows] == [True, True, True, False]
    assert_timeline_fades_at_the_next_start(rows)
    assert visit.page.locator("#timeline-undated ol.undated").count() == 0
    assert visit.texts("#timeline-undated .events .when")[0] == "2016-04"
    assert visit.page.url.endswith("?case=hangzhou&lang=en")
    visit.page.get_by_role("button", name="中文").click()
    assert visit.texts("#stage-list dd.logic")[0] == "技术逻辑"
    assert visit.texts("#stage-list .precision")[1] == "精度:起始月,结束未编码"
    visit.assert_clean()


# The marks of a timeline, each with the horizontal extent of its own stage's bar.
MARKS_AND_BARS = """() => [...document.querySelectorAll('svg.timeline g.episode')].map((g) => {
  const bars = [...g.querySelectorAll('rect.bar')].map((r) => r.getBBox());
  const from = Math.min(...bars.map((b) => b.x));
  const to = Math.max(...bars.map((b) => b.x + b.width));
  const marks = [...g.querySelectorAll('.action, .flow')].map((m) => {
    const b = m.getBBox();
    return [m.querySelector('title').textContent, b.x + b.width / 2];
  });
  return [g.querySelector('.row-label').textContent, from, to, marks];
})"""


@pytest.mark.parametrize(
    ("case", "year_dated"),
    [
        # shanghai.ttl: two flows dated to 2018 only; one in rotation (2018-04-12 to 2018-10-17),
        # one in acceleration (from 2018-10-17): the middle of 2018 is outside the latter
        ("shanghai", {"rotation stage": 1, "acceleration stage": 1}),
        # hangzhou.ttl: the health code, 2020 only, in acceleration (2018-04-13 to 2020-03)
        ("hangzhou", {"acceleration stage": 1}),
    ],
)
def test_year_dated_events_are_drawn_in_their_stage(visit: Visit, case: str, year_dated) -> None:
    visit.open(f"/?case={case}")
    visit.page.wait_for_selector(f"#flywheel[data-case='{case}'][aria-busy='false']", timeout=WAIT)
    rows = visit.page.evaluate(MARKS_AND_BARS)
    assert [r[0] for r in rows] == STAGES_EN
    found = {}
    for label, start, end, marks in rows:
        for title, x in marks:
            assert start - 0.5 <= x <= end + 0.5, (label, title, x, start, end)
            if title.startswith(("2018:", "2020:")):
                found[label] = found.get(label, 0) + 1
    assert found == year_dated
    visit.assert_clean()


def test_the_case_list_says_loading_until_the_cases_arrive(visit: Visit) -> None:
    """Before /cases answers, the list says it is loading, never that the store is empty."""
    held = []
    visit.page.route("**/cases", lambda route: held.append(route))
    visit.page.goto(visit.base + "/")
    visit.page.wait_for_selector("#case-list li", timeout=WAIT)
    while not held:
        visit.page.wait_for_timeout(50)
    assert visit.texts("#case-list li") == ["Loading…"]
    assert "no cases" not in visit.page.locator("body").inner_text()
    held[0].continue_()
    visit.page.wait_for_selector("body[data-ready='true']", timeout=WAIT)
    assert visit.texts("#case-list .case-city") == ["City A", "Hangzhou", "Shanghai"]
    visit.assert_clean()


def test_comparison_lists_the_three_cities(visit: Visit) -> None:
    visit.open("/#compare")
    assert visit.texts("#compare-table thead th.city") == ["City A", "Hangzhou", "Shanghai"]
    assert visit.texts("svg.compare .row-label") == ["City A", "Hangzhou", "Shanghai"]
    startup = visit.texts("#compare-table tr[data-column='startup_start'] td")
    assert startup == ["unknown", "2016-04", "2018-03-30"]
    inertia = visit.texts("#compare-table tr[data-column='inertia_start'] td")
    assert inertia == ["unknown", "2020-03", "2020-05-08"]
    # City A has no dated stage to draw; the others have four bars each
    assert visit.texts("svg.compare .none") == ["no dated stage"]
    assert visit.page.locator("svg.compare rect.bar").count() == 8
    # no end is coded: in each row the first three bars fade out at the next bar's start (none
    # runs over a later one), and the last, open, runs to the chart's end
    rows, right = visit.page.evaluate(COMPARE_BARS)
    assert [len(r) for r in rows] == [0, 4, 4]
    for row in rows[1:]:
        assert [kind for _, _, kind in row] == ["unknown-end"] * 3 + ["open"]
        for (_, end, _kind), (next_start, _, _) in itertools.pairwise(row):
            assert end == pytest.approx(next_start, abs=0.5)
        assert row[-1][1] == pytest.approx(right - 24, abs=0.5)
    # the tooltips say how sure each start is (inferred, each) and where its end comes from
    titles = visit.texts("svg.compare rect.bar > title")
    assert titles[0] == (
        "Hangzhou · startup stage: from 2016-04, end not coded"
        " · how sure the start is: inferred · end not coded"
    )
    assert titles[3].endswith("· how sure the start is: inferred · no end stated")
    assert all("how sure the start is: inferred" in t for t in titles) and len(titles) == 8
    assert visit.texts("#compare-ends") == [
        "An end that is not coded is left unknown: its bar fades out at the next stage's start."
    ]
    # the table: how sure each start is, and where each end comes from, under readable names
    row = "#compare-table tr[data-column='{}'] {}"
    assert visit.texts(row.format("startup_confidence", "th")) == [
        "startup stage · how sure the start is (weakest confidence)"
    ]
    assert visit.texts(row.format("startup_confidence", "td")) == [
        "confirmed",
        "inferred",
        "inferred",
    ]
    assert visit.texts(row.format("startup_start_latest", "td")) == [
        "—",
        "2016-04-30",
        "2018-03-30",
    ]
    assert visit.texts(row.format("rotation_end_basis", "td")) == ["end not coded"] * 3
    assert visit.texts(row.format("inertia_end_basis", "td")) == ["no end stated"] * 3
    assert not [h for h in visit.texts("#compare-table tbody th") if "_" in h]  # no raw names
    visit.page.get_by_role("button", name="中文").click()
    assert visit.texts(row.format("startup_confidence", "td")) == ["已核实", "推断", "推断"]
    assert visit.texts(row.format("startup_end_basis", "td")) == ["结束日期未编码"] * 3
    assert "起始日期的置信等级:推断" in visit.texts("svg.compare rect.bar > title")[0]
    visit.assert_clean()


def test_ends_closed_at_the_next_start_only_when_asked(visit: Visit) -> None:
    """The checkbox asks the case and the comparison again with close_at_next=true: Hangzhou's
    stages then end where the next starts (2016-04 to 2017-01, …; inertia stays open), no bar
    fades, and the page says the ends were closed as asked. Unticked, they are unknown again."""
    visit.open("/?case=hangzhou")
    assert visit.page.locator("#timeline[data-close-at-next='false']").count() == 1
    box = visit.page.get_by_label(CLOSE_LABEL)
    assert not box.is_checked()
    box.check()
    for section in ("timeline", "compare"):
        visit.page.wait_for_selector(
            f"#{section}[data-close-at-next='true'][aria-busy='false']", timeout=WAIT
        )
    assert "close_at_next=true" in visit.page.url
    asked = {urlsplit(u).path + "?" + urlsplit(u).query for u in visit.requested}
    for path in ("/cases/hangzhou/flywheel", "/cases/hangzhou/timeline", "/compare"):
        assert f"{path}?close_at_next=true" in asked
    assert visit.texts("#stage-list .dates") == HANGZHOU_ENDS_CLOSED
    assert (
        visit.texts("#stage-list .note") == ["end taken from the next stage's start, as asked"] * 3
    )
    assert visit.page.locator("svg.timeline .bar.unknown-end").count() == 0
    assert visit.page.locator("svg.timeline .bar.open").count() == 1
    said = "Ends that are not coded are closed at the next stage's start, as asked"
    assert visit.texts("#timeline-ends")[0].startswith(said)
    assert visit.texts("#compare-ends")[0].startswith(said)
    assert said in visit.texts("#compare-table caption")[0]
    # the comparison: ends are the next starts; City A's next starts are unknown, so are its ends
    row = "#compare-table tr[data-column='{}'] td"
    assert visit.texts(row.format("startup_end")) == ["unknown", "2017-01", "2018-04-12"]
    assert (
        visit.texts(row.format("startup_end_basis"))
        == ["end taken from the next stage's start, as asked"] * 3
    )
    rows, _right = visit.page.evaluate(COMPARE_BARS)
    for row_bars in rows[1:]:
        assert [kind for _, _, kind in row_bars] == ["", "", "", "open"]
        for (_, end, _kind), (next_start, _, _) in itertools.pairwise(row_bars):
            assert end == pytest.approx(next_start, abs=0.5)
    box.uncheck()
    for section in ("timeline", "compare"):
        visit.page.wait_for_selector(
            f"#{section}[data-close-at-next='false'][aria-busy='false']", timeout=WAIT
        )
    assert visit.texts("#stage-list .dates") == HANGZHOU_ENDS_UNKNOWN
    assert visit.page.locator("svg.compare rect.bar.unknown-end").count() == 6
    assert "close_at_next" not in visit.page.url
    visit.assert_clean()


CITY_LABELS = """PREFIX fw: <https://w3id.org/dataflywheel/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE {
  GRAPH ?case { ?city a fw:City ; rdfs:label ?label FILTER (lang(?label) = "en") }
} ORDER BY ?label"""


def test_the_shipped_sparql_example_returns_rows(visit: Visit) -> None:
    """The query the box holds when the page opens, run as shipped: each case's city and its
    stages' start dates (City A's dates are unknown: the cells stay empty)."""
    visit.open("/#sparql")
    visit.page.get_by_role("button", name="Run").click()
    visit.page.wait_for_selector(
        "#sparql[aria-busy='false'] #sparql-results tbody tr", timeout=WAIT
    )
    assert visit.texts("#sparql-results thead th") == ["?case", "?city", "?stage", "?start"]
    rows = visit.page.locator("#sparql-results tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    case = "https://w3id.org/dataflywheel/case/"
    expected = (
        [[case + "city-a", "City A@en", f"{s}@en", ""] for s in STAGES_EN]
        + [
            [case + "hangzhou", "Hangzhou@en", f"{s}@en", f"{d}^^date"]
            for s, d in zip(
                STAGES_EN, ["2016-04-01", "2017-01-01", "2018-04-13", "2020-03-01"], strict=True
            )
        ]
        + [
            [case + "shanghai", "Shanghai@en", f"{s}@en", f"{d}^^date"]
            for s, d in zip(
                STAGES_EN, ["2018-03-30", "2018-04-12", "2018-10-17", "2020-05-08"], strict=True
            )
        ]
    )
    assert rows == expected
    assert visit.texts("#sparql-count") == ["12 rows"]
    visit.assert_clean()


def test_sparql_box_shows_rows_and_problems(visit: Visit) -> None:
    visit.open("/#sparql")
    box = visit.page.evaluate(
        "(() => { const r = document.getElementById('sparql').getBoundingClientRect();"
        " return [r.top, r.bottom, innerHeight, scrollY]; })()"
    )
    top, bottom, height, scrolled = box
    assert scrolled > 0 and top >= 0 and bottom <= height  # the address lands on the box
    box = visit.page.get_by_label("Query (SPARQL 1.1, read-only; each case is a named graph)")
    box.fill(CITY_LABELS)
    visit.page.get_by_role("button", name="Run").click()
    visit.page.wait_for_selector("#sparql[aria-busy='false'] #sparql-results tbody tr")
    assert visit.texts("#sparql-results thead th") == ["?label"]
    assert visit.texts("#sparql-results tbody td .value") == ["City A", "Hangzhou", "Shanghai"]
    assert visit.texts("#sparql-count") == ["3 rows"]
    assert visit.page.locator("#sparql-error").is_hidden()

    broken = "SELECT ?x WHERE { ?x"
    expected = httpx.post(
        visit.base + "/sparql",
        content=broken,
        headers={"Content-Type": "application/sparql-query"},
    ).json()["detail"]
    box.fill(broken)
    box.press("Control+Enter")  # the keyboard runs it too
    error = visit.page.locator("#sparql-error")
    error.wait_for(state="visible", timeout=WAIT)
    assert error.locator("pre").inner_text() == expected
    assert visit.page.locator("#sparql-results table").count() == 0
    # the refused query is the only request that failed (Chromium logs its 400 too)
    visit.assert_clean(allowed=(f"POST {visit.base}/sparql 400",), console="status of 400")


def test_print_hides_the_controls(visit: Visit) -> None:
    visit.open("/")
    visit.page.emulate_media(media="print")
    assert visit.page.locator("header.masthead").is_hidden()
    assert visit.page.locator("#flywheel svg.wheel").is_visible()
    visit.assert_clean()


def test_page_and_static_files_over_http(api: str) -> None:
    page = httpx.get(api + "/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert '<section id="sparql"' in page.text
    script = httpx.get(api + "/static/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    for missing in ("/static/nothing.js", "/static/../page.py", "/static/%2e%2e/page.py"):
        answer = httpx.get(api + missing)
        assert answer.status_code == 404, missing
        assert answer.headers["content-type"] == "application/problem+json"
    assert "/" not in httpx.get(api + "/openapi.json").json()["paths"]
