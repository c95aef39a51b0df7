"""The ontology's HTML reference: one page per language (English, Chinese), every class, property,
concept scheme and named individual with its label, definition and relations.

Written here rather than with pyLODE: pyLODE 3.3.4 installs beside rdflib 7, but its OntPub page
has no section for named individuals or concept schemes (63 of the ontology's 161 terms would be
missing), runs the labels of both languages together, has English-only headings, and caches
pickles inside its own installed package on first use. This renderer is plain string building
(no template engine), deterministic (no timestamps, everything sorted), and asks no other host
for anything: the page has no script and no external style sheet or font.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kg import paths, version
from kg.ontology import ontology_graph
from kg.vocab import FW, KNOWN_PREFIXES

LANGUAGES: tuple[str, ...] = ("en", "zh")
FILE_NAMES: dict[str, str] = {lang: f"{lang}.html" for lang in LANGUAGES}
ONTOLOGY_IRI = URIRef(version.ONTOLOGY_IRI)

# Words of the page itself, in each language.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "other": "中文",
        "contents": "Contents",
        "about": "About this ontology",
        "classes": "Classes",
        "object": "Object properties",
        "datatype": "Datatype properties",
        "annotation": "Annotation properties",
        "schemes": "Concept schemes",
        "individuals": "Named individuals",
        "no_scheme": "In no scheme",
        "iri": "IRI",
        "version": "Version",
        "description": "Description",
        "creator": "Creator",
        "contributor": "Contributor",
        "license": "Licence",
        "created": "Created",
        "modified": "Modified",
        "source": "Source of the theory",
        "citation": "How to cite",
        "prefix": "Preferred prefix",
        "type": "Type",
        "superclasses": "Superclasses",
        "subclasses": "Subclasses",
        "equivalent": "Equivalent to",
        "disjoint": "Disjoint with",
        "members": "Individuals",
        "domain_of": "Domain of",
        "range_of": "Range of",
        "domain": "Domain",
        "range": "Range",
        "superproperties": "Superproperties",
        "subproperties": "Subproperties",
        "inverse": "Inverse of",
        "characteristics": "Characteristics",
        "functional": "functional (at most one value)",
        "in_scheme": "In scheme",
        "notation": "Notation",
        "top_concepts": "Concepts",
        "or": " or ",
        "one_of": "one of: ",
        "anonymous": "(anonymous class)",
        "intro": "Every class, property, concept scheme and named individual of the ontology, "
        "with its English label and definition and its relations to other terms.",
    },
    "zh": {
        "other": "English",
        "contents": "目录",
        "about": "关于本体",
        "classes": "类",
        "object": "对象属性",
        "datatype": "数据属性",
        "annotation": "注释属性",
        "schemes": "概念方案",
        "individuals": "命名个体",
        "no_scheme": "不属于任何概念方案",
        "iri": "IRI",
        "version": "版本",
        "description": "说明",
        "creator": "创建者",
        "contributor": "贡献者",
        "license": "许可协议",
        "created": "创建日期",
        "modified": "修改日期",
        "source": "理论来源",
        "citation": "引用方式",
        "prefix": "推荐前缀",
        "type": "类型",
        "superclasses": "上位类",
        "subclasses": "下位类",
        "equivalent": "等价于",
        "disjoint": "互斥于",
        "members": "个体",
        "domain_of": "以此为定义域的属性",
        "range_of": "以此为值域的属性",
        "domain": "定义域",
        "range": "值域",
        "superproperties": "上位属性",
        "subproperties": "下位属性",
        "inverse": "互逆属性",
        "characteristics": "特性",
        "functional": "函数型(至多一个值)",
        "in_scheme": "所属概念方案",
        "notation": "编号",
        "top_concepts": "概念",
        "or": " 或 ",
        "one_of": "取值之一:",
        "anonymous": "(匿名类)",
        "intro": "本体中的全部类、属性、概念方案和命名个体,附中文标签、定义及其与其他术语的关系。",
    },
}

_STYLE = """
body{font-family:system-ui,"Noto Sans","Noto Sans CJK SC","Source Han Sans SC","PingFang SC",
"Microsoft YaHei",sans-serif;max-width:64rem;margin:0 auto;padding:1rem 1.5rem 4rem;
line-height:1.55;color:#1d2733;background:#fff}
:lang(zh){font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
system-ui,sans-serif}
header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;
border-bottom:2px solid #2f6f8f;margin-bottom:1rem}
h1{font-size:1.6rem;margin:.6rem 0}h2{margin-top:2.5rem;border-bottom:1px solid #c8d3dc}
h3{margin:0;font-size:1.1rem}.switch{font-weight:600;white-space:nowrap}
a{color:#1f5d7a}code{font-size:.88em;color:#4a5866}
.term{border-left:3px solid #2f6f8f;padding:.4rem .9rem;margin:1.1rem 0;background:#f7fafc}
.term .iri{margin:.1rem 0;font-size:.85em}.definition{margin:.4rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}
dt{font-weight:600;color:#3b4b5a}dd{margin:0}nav ul{columns:2}
"""

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _short(iri: str) -> str:
    """A prefixed name (``fw:CaseStudy``) for IRIs in a known namespace, else the IRI."""
    for prefix, ns in KNOWN_PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _anchor(iri: str) -> str:
    return iri[len(str(FW)) :]


class _Page:
    """The reference page in one language, built from a copy of the ontology graph."""

    def __init__(self, graph: Graph, lang: str) -> None:
        self.graph = graph
        self.lang = lang
        self.words = _WORDS[lang]
        self.terms = {
            s
            for s in graph.subjects(RDF.type, None)
            if isinstance(s, URIRef) and str(s).startswith(str(FW))
        }

    # --- values ------------------------------------------------------------------------------

    def text(self, node: URIRef | BNode, prop: URIRef) -> Literal | None:
        """The literal in this page's language, else one without a language tag, else None."""
        values = sorted(
            (v for v in self.graph.objects(node, prop) if isinstance(v, Literal)),
            key=lambda v: (v.language or "", str(v)),
        )
        for wanted in (self.lang, None):
            for value in values:
                if value.language == wanted:
                    return value
        return None

    def label(self, node: URIRef) -> str:
        value = self.text(node, RDFS.label) or self.text(node, SKOS.prefLabel)
        return str(value) if value is not None else _short(str(node))

    def ref(self, node: object) -> str:
        """A term as a link to its entry (label and short name), another IRI as its short name."""
        if isinstance(node, URIRef):
            if node in self.terms:
                return (
                    f'<a href="#{_e(_anchor(str(node)))}">{_e(self.label(node))}</a> '
                    f"<code>{_e(_short(str(node)))}</code>"
                )
            return f"<code>{_e(_short(str(node)))}</code>"
        if isinstance(node, BNode):
            return self.anonymous(node)
        if isinstance(node, Literal):
            return _e(str(node))
        return _e(str(node))

    def members(self, node: Node, prop: URIRef) -> list[object] | None:
        head = self.graph.value(node, prop)
        return list(Collection(self.graph, head)) if head is not None else None

    def anonymous(self, node: BNode) -> str:
        union = self.members(node, OWL.unionOf)
        if union is not None:
            return self.words["or"].join(self.ref(m) for m in union)
        one_of = self.members(node, OWL.oneOf)
        if one_of is not None:
            return self.words["one_of"] + ", ".join(self.ref(m) for m in one_of)
        return _e(self.words["anonymous"])

    def refs(self, nodes: Iterable[object]) -> str:
        return ", ".join(sorted((self.ref(n) for n in set(nodes)), key=self._rendered_key))

    def sort_key(self, node: object) -> tuple[float, str]:
        """Concepts in their list's order (fw:order), everything else by short name."""
        order = self.graph.value(node, FW.order) if isinstance(node, URIRef) else None
        number = float(order) if isinstance(order, Literal) else 0.0
        return (number, _short(str(node)) if isinstance(node, URIRef) else str(node))

    def _rendered_key(self, rendered: str) -> tuple[float, str]:
        """Sort rendered references as :meth:`sort_key` sorts their terms (blank nodes, which
        have no stable name, by their rendering)."""
        found = re.search(r'href="#([^"]+)"', rendered)
        if found:
            return self.sort_key(URIRef(str(FW) + found.group(1)))
        return (0.0, re.sub(r"<[^>]+>", "", rendered))

    # --- relations ---------------------------------------------------------------------------

    def disjoint(self, cls: URIRef) -> set[object]:
        found: set[object] = set()
        for group in self.graph.subjects(RDF.type, OWL.AllDisjointClasses):
            members = self.members(group, OWL.members) or []
            if cls in members:
                found.update(m for m in members if m != cls)
        found.update(self.graph.objects(cls, OWL.disjointWith))
        return found

    def properties_with(self, prop: URIRef, cls: URIRef) -> set[object]:
        """Properties whose domain (or range) is the class, alone or in a union."""
        found: set[object] = set()
        for term in self.terms:
            for value in self.graph.objects(term, prop):
                if value == cls or (
                    isinstance(value, BNode) and cls in (self.members(value, OWL.unionOf) or [])
                ):
                    found.add(term)
        return found

    def class_rows(self, cls: URIRef) -> list[tuple[str, Iterable[object]]]:
        g = self.graph
        return [
            ("superclasses", g.objects(cls, RDFS.subClassOf)),
            ("subclasses", (s for s in g.subjects(RDFS.subClassOf, cls) if s in self.terms)),
            ("equivalent", g.objects(cls, OWL.equivalentClass)),
            ("disjoint", self.disjoint(cls)),
            ("members", g.subjects(RDF.type, cls)),
            ("domain_of", self.properties_with(RDFS.domain, cls)),
            ("range_of", self.properties_with(RDFS.range, cls)),
        ]

    def property_rows(self, prop: URIRef) -> list[tuple[str, Iterable[object]]]:
        g = self.graph
        inverse = set(g.objects(prop, OWL.inverseOf)) | set(g.subjects(OWL.inverseOf, prop))
        return [
            ("domain", g.objects(prop, RDFS.domain)),
            ("range", g.objects(prop, RDFS.range)),
            ("superproperties", g.objects(prop, RDFS.subPropertyOf)),
            ("subproperties", g.subjects(RDFS.subPropertyOf, prop)),
            ("inverse", inverse),
        ]

    # Predicates shown in a term's heading or its fixed rows, not again as "other" relations.
    _SHOWN = frozenset(
        {
            RDF.type,
            RDFS.label,
            SKOS.prefLabel,
            SKOS.definition,
            RDFS.subClassOf,
            OWL.equivalentClass,
            OWL.disjointWith,
            RDFS.domain,
            RDFS.range,
            RDFS.subPropertyOf,
            OWL.inverseOf,
            SKOS.inScheme,
            SKOS.notation,
            SKOS.hasTopConcept,
        }
    )

    def other_rows(self, term: URIRef) -> list[tuple[str, str]]:
        """Every other statement about the term, under the property's label."""
        rows = []
        props = {p for p in self.graph.predicates(term, None) if isinstance(p, URIRef)}
        for prop in sorted(props - self._SHOWN):
            name = self.ref(prop) if prop in self.terms else f"<code>{_e(_short(prop))}</code>"
            rows.append((name, self.refs(self.graph.objects(term, prop))))
        return rows

    # --- HTML --------------------------------------------------------------------------------

    def row(self, key: str, values: Iterable[object]) -> str:
        items = list(values)
        if not items:
            return ""
        return f"<dt>{_e(self.words[key])}</dt><dd>{self.refs(items)}</dd>"

    def entry(self, term: URIRef, rows: list[str]) -> str:
        definition = self.text(term, SKOS.definition)
        types = [t for t in self.graph.objects(term, RDF.type) if t != OWL.NamedIndividual]
        parts = [
            f'<section class="term" id="{_e(_anchor(str(term)))}">',
            f'<h3><span class="label">{_e(self.label(term))}</span> '
            f"<code>{_e(_short(str(term)))}</code></h3>",
            f'<p class="iri"><code>{_e(str(term))}</code></p>',
        ]
        if definition is not None:
            parts.append(f'<p class="definition">{_e(str(definition))}</p>')
        body = self.row("type", types) + "".join(rows)
        parts.append(f"<dl>{body}</dl></section>")
        return "\n".join(parts)

    def common_rows(self, term: URIRef) -> list[str]:
        return [f"<dt>{name}</dt><dd>{values}</dd>" for name, values in self.other_rows(term)]

    def of_type(self, kind: URIRef) -> list[URIRef]:
        return sorted((t for t in self.terms if (t, RDF.type, kind) in self.graph), key=_short)

    def section(self, key: str, entries: list[str], subsections: str = "") -> str:
        return (
            f'<section id="{key}"><h2>{_e(self.words[key])} ({len(entries)})</h2>\n'
            + "\n".join(entries)
            + subsections
            + "</section>"
        )

    def classes(self) -> str:
        entries = []
        for cls in self.of_type(OWL.Class):
            rows = [self.row(k, v) for k, v in self.class_rows(cls)]
            entries.append(self.entry(cls, rows + self.common_rows(cls)))
        return self.section("classes", entries)

    def properties(self, key: str, kind: URIRef) -> str:
        entries = []
        for prop in self.of_type(kind):
            rows = [self.row(k, v) for k, v in self.property_rows(prop)]
            if (prop, RDF.type, OWL.FunctionalProperty) in self.graph:
                rows.append(
                    f"<dt>{_e(self.words['characteristics'])}</dt>"
                    f"<dd>{_e(self.words['functional'])}</dd>"
                )
            entries.append(self.entry(prop, rows + self.common_rows(prop)))
        return self.section(key, entries)

    def schemes(self) -> str:
        entries = []
        for scheme in self.of_type(SKOS.ConceptScheme):
            rows = [self.row("top_concepts", self.graph.objects(scheme, SKOS.hasTopConcept))]
            entries.append(self.entry(scheme, rows + self.common_rows(scheme)))
        return self.section("schemes", entries)

    def individuals(self) -> str:
        """Named individuals, grouped by the concept scheme they belong to, in scheme order."""
        everyone = self.of_type(OWL.NamedIndividual)
        groups: list[tuple[str, str, list[URIRef]]] = []
        for scheme in self.of_type(SKOS.ConceptScheme):
            members = [i for i in everyone if (i, SKOS.inScheme, scheme) in self.graph]
            groups.append((_anchor(str(scheme)), self.label(scheme), members))
        loose = [i for i in everyone if self.graph.value(i, SKOS.inScheme) is None]
        if loose:
            groups.append(("no-scheme", self.words["no_scheme"], loose))
        entries: list[str] = []
        parts = []
        for anchor, heading, members in groups:
            rendered = []
            for individual in sorted(members, key=self.sort_key):
                rows = [
                    self.row("in_scheme", self.graph.objects(individual, SKOS.inScheme)),
                    self.row("notation", self.graph.objects(individual, SKOS.notation)),
                ]
                rendered.append(self.entry(individual, rows + self.common_rows(individual)))
            entries.extend(rendered)
            parts.append(
                f'<h3 class="group" id="individuals-{_e(anchor)}">{_e(heading)}</h3>\n'
                + "\n".join(rendered)
            )
        return (
            f'<section id="individuals"><h2>{_e(self.words["individuals"])} '
            f"({len(entries)})</h2>\n" + "\n".join(parts) + "</section>"
        )

    def metadata(self) -> str:
        fields = [
            ("version", OWL.versionInfo),
            ("description", DCTERMS.description),
            ("creator", DCTERMS.creator),
            ("contributor", DCTERMS.contributor),
            ("created", DCTERMS.created),
            ("modified", DCTERMS.modified),
            ("license", DCTERMS.license),
            ("source", DCTERMS.source),
            ("citation", DCTERMS.bibliographicCitation),
        ]
        rows = [f"<dt>{_e(self.words['iri'])}</dt><dd><code>{_e(str(ONTOLOGY_IRI))}</code></dd>"]
        for key, prop in fields:
            value: Node | None = self.text(ONTOLOGY_IRI, prop)
            if value is None:
                value = self.graph.value(ONTOLOGY_IRI, prop)
                if not isinstance(value, URIRef):
                    continue  # none, a literal only in the other language, or a blank node
            if isinstance(value, URIRef):
                shown = f'<a href="{_e(str(value))}">{_e(str(value))}</a>'
            elif isinstance(value, Literal) and value.language is None and _CJK.search(str(value)):
                # a bibliographic text quoted as written (both languages), in both pages
                shown = f'<span class="verbatim">{_e(str(value))}</span>'
            else:
                shown = _e(str(value))
            rows.append(f"<dt>{_e(self.words[key])}</dt><dd>{shown}</dd>")
        prefix = f"fw: <code>{_e(str(FW))}</code>"
        rows.append(f"<dt>{_e(self.words['prefix'])}</dt><dd>{prefix}</dd>")
        return (
            f'<section id="about"><h2>{_e(self.words["about"])}</h2>'
            f"<dl>{''.join(rows)}</dl></section>"
        )

    def contents(self) -> str:
        keys = ["about", "classes", "object", "datatype", "annotation", "schemes", "individuals"]
        items = "".join(f'<li><a href="#{k}">{_e(self.words[k])}</a></li>' for k in keys)
        return f"<nav><h2>{_e(self.words['contents'])}</h2><ul>{items}</ul></nav>"

    def render(self, other_href: str) -> str:
        title = str(self.text(ONTOLOGY_IRI, DCTERMS.title) or "")
        other = LANGUAGES[1 - LANGUAGES.index(self.lang)]
        html_lang = "zh-Hans" if self.lang == "zh" else self.lang
        other_lang = "zh-Hans" if other == "zh" else other
        body = [
            self.metadata(),
            self.classes(),
            self.properties("object", OWL.ObjectProperty),
            self.properties("datatype", OWL.DatatypeProperty),
            self.properties("annotation", OWL.AnnotationProperty),
            self.schemes(),
            self.individuals(),
        ]
        return "\n".join(
            [
                "<!doctype html>",
                f'<html lang="{html_lang}">',
                '<head><meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{_e(title)}</title>",
                f"<style>{_STYLE}</style></head>",
                "<body>",
                f"<header><h1>{_e(title)}</h1>"
                f'<a class="switch" href="{_e(other_href)}" hreflang="{other_lang}" '
                f'lang="{other_lang}">{_e(self.words["other"])}</a></header>',
                f'<p class="intro">{_e(self.words["intro"])}</p>',
                self.contents(),
                *body,
                "</body>",
                "</html>",
                "",
            ]
        )


def _graph_in(lang: str) -> Graph:
    """A copy of the ontology holding only this language's literals (and untagged ones)."""
    graph = ontology_graph()
    for s, p, o in list(graph):
        if isinstance(o, Literal) and o.language is not None and o.language != lang:
            graph.remove((s, p, o))
    return graph


@cache
def render_page(lang: str, other_href: str | None = None) -> str:
    """The reference page in ``en`` or ``zh``; ``other_href`` is where its link to the page in
    the other language points (by default the other file beside it, ``zh.html``/``en.html``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no ontology page in language {lang!r}: choose en or zh")
    other = LANGUAGES[1 - LANGUAGES.index(lang)]
    return _Page(_graph_in(lang), lang).render(other_href or FILE_NAMES[other])


def default_folder() -> Path:
    """``docs/ontology`` of the source checkout, or of the current folder for an installed
    package."""
    if Path(paths.__file__).resolve().parent.parent == paths.DATA_ROOT:
        return paths.DATA_ROOT / "docs" / "ontology"
    return Path.cwd() / "docs" / "ontology"


def write_pages(folder: Path | None = None) -> list[Path]:
    """Write ``en.html`` and ``zh.html`` into the folder (made if missing); returns the files."""
    folder = folder or default_folder()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in LANGUAGES:
        target = folder / FILE_NAMES[lang]
        target.write_bytes(render_page(lang).encode("utf-8"))
        written.append(target)
    return written


def preferred_language(accept_language: str | None) -> str:
    """``en`` or ``zh`` from an Accept-Language header (RFC 9110 q-values; default ``en``)."""
    best, best_q = "en", 0.0
    for item in (accept_language or "").split(","):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        # strictly greater: of equal weights the one the client listed first wins
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best
