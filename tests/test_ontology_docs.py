"""The ontology's HTML reference (``flywheel docs``, kg/docs.py) and its page at ``/ontology``.

Expected labels, definitions and relations are read from ontology/flywheel.ttl with rdflib (not
through kg.render.docs) or by hand from it:

- fw:StartupStage "startup stage" / "启动阶段", in fw:StageScheme "flywheel stages" / "飞轮阶段",
  fw:nextStage fw:RotationStage "rotation stage" / "转动阶段";
- fw:performedBy "performed by" / "实施主体": domain fw:GovernanceAction "governance action" /
  "治理行动", range fw:Actor "actor" / "行动主体", subproperty of prov:wasAssociatedWith;
- fw:DataBureau "data bureau" / "数据管理机构", subclass of fw:TechnicalDepartment "technical
  department" / "技术部门";
- fw:Aggregation "aggregation" / "归集" in fw:LoopStepScheme "loop steps" / "回路环节".
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS
from typer.testing import CliRunner

from kg.cli import app
from kg.ontology import declared_terms
from kg.render import docs
from tests.test_page import CHROMIUM, CHROMIUM_ARGS, WAIT, browser  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "flywheel.ttl"
COMMITTED = ROOT / "docs" / "ontology"
# FLYWHEEL_SCREENSHOTS=1 retakes the committed picture; otherwise it goes to a temporary folder
SCREENSHOT = ROOT / "docs" / "screenshot-ontology-zh.png"
FW = "https://w3id.org/dataflywheel/ontology#"
CJK = re.compile(r"[\u3400-\u9fff]")
HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ENTRY = re.compile(
    r'<section class="term" id="([^"]+)">\s*<h3><span class="label">([^<]*)</span>'
    r"(.*?)</section>",
    re.S,
)


def _source() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def _literal(graph: Graph, term: str, prop: URIRef, lang: str) -> str | None:
    for value in graph.objects(URIRef(term), prop):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return None


def _entries(page: str) -> dict[str, tuple[str, str]]:
    """Each term's entry: anchor → (label shown, the rest of the entry's HTML)."""
    return {m.group(1): (m.group(2), m.group(3)) for m in ENTRY.finditer(page)}


def _unescape(text: str) -> str:
    return html.unescape(text)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    """The pages as `flywheel docs -o DIR` writes them."""
    folder = tmp_path_factory.mktemp("ontology-docs")
    result = CliRunner().invoke(app, ["docs", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return {lang: (folder / f"{lang}.html").read_text(encoding="utf-8") for lang in ("en", "zh")}


def test_every_declared_term_with_its_label_and_definition_in_both_pages(pages) -> None:
    source = _source()
    terms = declared_terms()
    assert len(terms) == 251  # 58 classes, 61 + 30 + 12 properties, 15 schemes, 75 individuals
    for lang in ("en", "zh"):
        entries = _entries(pages[lang])
        assert set(entries) == {t[len(FW) :] for t in terms}, lang
        for term in terms:
            shown, rest = entries[term[len(FW) :]]
            expected = _literal(source, term, RDFS.label, lang) or _literal(
                source, term, SKOS.prefLabel, lang
            )
            assert expected and _unescape(shown) == expected, (lang, term)
            definition = _literal(source, term, SKOS.definition, lang)
            assert definition and definition in _unescape(rest), (lang, term)
            assert f"<code>{term}</code>" in rest


def test_english_page_has_no_chinese_and_chinese_page_no_english_labels(pages) -> None:
    source = _source()
    # the only Chinese in the English page: the theory's bibliographic source, quoted as
    # written (the paper's Chinese title and journal), and the link to the Chinese page
    verbatim = re.compile(r'<span class="verbatim">.*?</span>|<a class="switch"[^>]*>中文</a>')
    english = verbatim.sub("", pages["en"])
    assert CJK.findall(english) == []
    assert "中国行政管理" in pages["en"]  # the quoted source is still there
    for term in declared_terms():
        shown, _rest = _entries(pages["zh"])[term[len(FW) :]]
        assert CJK.search(shown) and not re.search("[A-Za-z]", shown), term
        english_definition = _literal(source, term, SKOS.definition, "en")
        assert english_definition not in pages["zh"]
        chinese_definition = _literal(source, term, SKOS.definition, "zh")
        assert chinese_definition not in pages["en"]
    # the page's own words are Chinese too
    for heading in ("目录", "类 (58)", "对象属性 (61)", "数据属性 (30)", "注释属性 (12)"):
        assert heading in pages["zh"]
    assert "概念方案 (15)" in pages["zh"] and "命名个体 (75)" in pages["zh"]
    for heading in ("Classes (58)", "Object properties (61)", "Named individuals (75)"):
        assert heading in pages["en"]


def test_relations_worked_out_by_hand(pages) -> None:
    en, zh = _entries(pages["en"]), _entries(pages["zh"])
    startup = en["StartupStage"][1]
    assert '<a href="#StageScheme">flywheel stages</a>' in startup
    assert '<a href="#RotationStage">rotation stage</a>' in startup
    assert '<a href="#StageScheme">飞轮阶段</a>' in zh["StartupStage"][1]
    performed = en["performedBy"][1]
    assert re.search(r"Domain</dt><dd>[^\n]*governance action", performed)
    assert re.search(r"Range</dt><dd>[^\n]*>actor</a>", performed)
    assert "prov:wasAssociatedWith" in performed
    assert re.search(r"定义域</dt><dd>[^\n]*治理行动", zh["performedBy"][1])
    assert re.search(r"值域</dt><dd>[^\n]*行动主体", zh["performedBy"][1])
    assert re.search(r"Superclasses</dt><dd>[^\n]*technical department", en["DataBureau"][1])
    assert re.search(r"上位类</dt><dd>[^\n]*技术部门", zh["DataBureau"][1])
    assert re.search(r"In scheme</dt><dd>[^\n]*loop steps", en["Aggregation"][1])
    assert re.search(r"所属概念方案</dt><dd>[^\n]*数据闭环环节", zh["Aggregation"][1])


def test_concepts_listed_in_their_lists_order(pages) -> None:
    """fw:order, worked out by hand from ontology/flywheel.ttl (not alphabetical)."""
    en, zh = _entries(pages["en"]), _entries(pages["zh"])
    for entries, words in (
        (en, ("confirmed", "suspected", "inferred", "unverified report")),
        (zh, ("已核实", "疑似", "推断", "未经核实的报道")),
    ):
        concepts = re.search(
            r"(Concepts|概念)</dt><dd>([^\n]*?)</dd>", entries["ConfidenceScheme"][1]
        )
        assert concepts is not None
        assert re.findall(r">([^<]+)</a>", concepts.group(2)) == list(words)


def test_each_page_links_to_the_other(pages) -> None:
    assert 'href="zh.html"' in pages["en"] and ">中文</a>" in pages["en"]
    assert 'href="en.html"' in pages["zh"] and ">English</a>" in pages["zh"]
    assert '<html lang="zh-Hans">' in pages["zh"] and '<html lang="en">' in pages["en"]
    for page in pages.values():  # plain HTML that asks no other host for anything
        assert "<script" not in page and "<link" not in page and "@import" not in page


def test_committed_pages_are_in_sync_with_the_ontology(pages) -> None:
    for lang in ("en", "zh"):
        committed = (COMMITTED / f"{lang}.html").read_bytes()
        assert committed == pages[lang].encode("utf-8"), (
            f"docs/ontology/{lang}.html is out of date: run `flywheel docs`"
        )
        assert re.search(r"20\d\d-\d\d-\d\dT", pages[lang]) is None  # no generation timestamp


def test_preferred_language() -> None:
    assert docs.preferred_language(None) == "en"
    assert docs.preferred_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert docs.preferred_language("en-GB,en;q=0.9,zh;q=0.5") == "en"
    assert docs.preferred_language("fr, zh-Hans;q=0.3") == "zh"
    assert docs.preferred_language("fr, de;q=0.5") == "en"
    assert docs.preferred_language("zh;q=0, en;q=0.1") == "en"


# --- served by the API ------------------------------------------------------------------------


def _get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers={"Accept": HTML_ACCEPT, **headers}, timeout=60)


def test_api_serves_the_page_in_the_language_asked_for(api: str, pages) -> None:
    english = _get(f"{api}/ontology")
    assert english.status_code == 200
    assert english.headers["content-type"].startswith("text/html")
    assert english.headers["content-language"] == "en"
    assert "Accept-Language" in english.headers["vary"]
    assert _entries(english.text) == _entries(pages["en"])  # the page `flywheel docs` writes
    assert 'href="?lang=zh"' in english.text  # its link stays on the API

    chinese = _get(f"{api}/ontology?lang=zh")
    assert chinese.headers["content-language"] == "zh-Hans"
    assert _entries(chinese.text) == _entries(pages["zh"])
    assert 'href="?lang=en"' in chinese.text

    by_header = _get(f"{api}/ontology", **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert by_header.text == chinese.text
    explicit = _get(f"{api}/ontology?lang=en", **{"Accept-Language": "zh-CN"})
    assert explicit.text == english.text


def test_api_unknown_language_is_a_problem_and_rdf_ignores_lang(api: str) -> None:
    response = _get(f"{api}/ontology?lang=fr")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "lang=zh" in response.json()["detail"] and "Traceback" not in response.text
    turtle = httpx.get(f"{api}/ontology?lang=zh", timeout=60)
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert turtle.content == ONTOLOGY.read_bytes()


def test_chinese_page_in_chromium(api: str, browser, tmp_path: Path) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    elsewhere: list[str] = []

    def route(r) -> None:  # nothing leaves for another host
        if not r.request.url.startswith(api):
            elsewhere.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    context.route("**/*", route)
    try:
        page.goto(f"{api}/ontology?lang=zh", timeout=WAIT)
        title = page.locator("h1").inner_text(timeout=WAIT)
        assert title == "数字政府数据飞轮本体"
        startup = page.locator("#StartupStage .label").inner_text()
        assert startup == "启动阶段"
        assert page.locator("#performedBy .label").inner_text() == "实施主体"
        assert page.locator("#DataBureau .label").inner_text() == "数据管理机构"
        assert page.locator("#classes h2").inner_text() == "类 (58)"
        page.goto(f"{api}/ontology?lang=zh#StartupStage", timeout=WAIT)
        shot = SCREENSHOT if os.environ.get("FLYWHEEL_SCREENSHOTS") else tmp_path / "zh.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        page.locator("a.switch").click()
        page.wait_for_url(f"{api}/ontology?lang=en*", timeout=WAIT)
        assert page.locator("#StartupStage .label").inner_text(timeout=WAIT) == "startup stage"
        assert elsewhere == []
    finally:
        context.close()
