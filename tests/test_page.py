"""The web page at ``/``, end to end: a real API process (the ``api`` fixture) and Debian's
headless Chromium driven by Playwright. Expected labels and dates are read by hand from
kg/cases/*.ttl and ontology/flywheel.ttl:

- the stages' labels (rdfs:label @en / @zh): startup stage 启动阶段, rotation stage 转动阶段,
  acceleration stage 加速阶段, inertia stage 惯性阶段;
- City A (city-a.ttl): four episodes in that sequence, every date fw:UnknownDate; one flow in
  each of the five loop steps, re-aggregation included (the loop is closed, date unknown);
- Hangzhou (hangzhou.ttl): starts 2016-04 (month), 2017-01 (month), 2018-04-13 (day), 2020-03
  (month), no end stated (each ends when the next starts; inertia has no end); one flow only,
  an aggregation (the loop is not closed);
- Shanghai (shanghai.ttl): starts 2018-03-30, 2018-04-12, 2018-10-17, 2020-05-08 (days);
- the cities' English labels: City A, Hangzhou, Shanghai.
"""

from __future__ import annotations

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
    assert visit.texts("#stage-list .dates") == [
        "2016-04 to 2017-01",
        "2017-01 to 2018-04-13",
        "2018-04-13 to 2020-03",
        "from 2020-03",
    ]
    # the badge speaks of both dates: each end is the next stage's start
    assert visit.texts("#stage-list .precision") == [
        "precision: start month, end month",
        "precision: start month, end day",
        "precision: start day, end month",
        "precision: start month, no end stated",
    ]
    # startup: one coded logic, the Yunqi trial's (technical); the exploration's is unknown
    assert visit.texts("#stage-list dd.logic") == [
        "technical logic",
        "bureaucratic logic",
        "technical logic",
        "political logic",
    ]
    assert visit.texts("svg.wheel .stage-date") == [
        "2016-04 to 2017-01",
        "2017-01 to 2018-04-13",
        "2018-04-13 to 2020-03",
        "from 2020-03",
    ]
    assert visit.texts("#loop-status")[0].startswith("The loop is not closed")
    assert visit.page.locator("#step-list li.evidenced").count() == 1  # aggregation only
    # the timeline: four bars in order, the last with no end stated, and no undated episode
    assert visit.texts("svg.timeline .row-label") == STAGES_EN
    assert visit.page.locator("svg.timeline .bar.open").count() == 1
    assert visit.page.locator("#timeline-undated ol.undated").count() == 0
    assert visit.texts("#timeline-undated .events .when")[0] == "2016-04"
    assert visit.page.url.endswith("?case=hangzhou&lang=en")
    visit.page.get_by_role("button", name="中文").click()
    assert visit.texts("#stage-list dd.logic")[0] == "技术逻辑"
    assert visit.texts("#stage-list .precision")[1] == "精度:起始月,结束日"
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
