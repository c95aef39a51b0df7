"""Run flywheel's query check over the W3C SPARQL test suites' queries.

    python bench/w3c_syntax.py PATH/TO/rdf-tests

PATH is a checkout of https://github.com/w3c/rdf-tests (kept outside this repository). Every
query of the SPARQL 1.0 and 1.1 positive syntax tests and of the evaluation tests is given to
:func:`kg.sparql.check.check_query`; none may be refused unless it uses SERVICE, an update or FROM
with a non-web IRI, or calls a function the engine lacks. Prints the counts and every refusal
with its reason; exit code 1 when a query is refused for any other reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from kg.sparql.check import QueryRefused, check_query

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
POSITIVE = {MF.PositiveSyntaxTest, MF.PositiveSyntaxTest11}
NEGATIVE = {MF.NegativeSyntaxTest, MF.NegativeSyntaxTest11}
EVALUATION = {MF.QueryEvaluationTest}
# What a refusal may be for: the query really does one of these.
EXPECTED = ("SERVICE", "FROM", "calls the function")


def queries(root: Path) -> dict[str, list[Path]]:
    """The query files of the SPARQL 1.0 and 1.1 manifests, by kind of test."""
    found: dict[str, list[Path]] = {"positive": [], "negative": [], "evaluation": []}
    for manifest in sorted((root / "sparql").glob("sparql1[01]/**/manifest.ttl")):
        graph = Graph().parse(manifest, format="turtle")
        for test in graph.subjects(RDF.type, None):
            kinds = set(graph.objects(test, RDF.type))
            action = graph.value(test, MF.action)
            if kinds & EVALUATION and action is not None:
                action = graph.value(action, QT.query)
            if not isinstance(action, URIRef) or not str(action).endswith((".rq", ".rq2")):
                continue
            path = Path(str(action).removeprefix("file://"))
            if kinds & POSITIVE:
                found["positive"].append(path)
            elif kinds & NEGATIVE:
                found["negative"].append(path)
            elif kinds & EVALUATION:
                found["evaluation"].append(path)
    return found


def main(root: Path) -> int:
    unexpected = 0
    for kind, paths in queries(root).items():
        refused: list[tuple[Path, str]] = []
        for path in paths:
            try:
                check_query(path.read_text(encoding="utf-8"))
            except QueryRefused as error:
                refused.append((path, str(error)))
        print(f"{kind}: {len(paths)} queries, {len(refused)} refused")
        for path, reason in refused:
            expected = any(word in reason for word in EXPECTED)
            if kind != "negative" and not expected:
                unexpected += 1
            print(f"  {'  ' if expected or kind == 'negative' else '!!'} {path.relative_to(root)}")
            print(f"       {reason}")
    print(f"refused for another reason than SERVICE/FROM/function: {unexpected}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
