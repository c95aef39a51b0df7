"""pySHACL checks each SHACL-SPARQL constraint's text once per process, not once per focus node
(kg.check.constraint_texts): the same reports, the same refusal of a text SHACL forbids, and
the check made once per text however many nodes a shape targets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyshacl.errors import ValidationFailure
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import Graph

from kg import paths
from kg.check import constraint_texts
from kg.check.validation import CaseValidator
from kg.rdf.read import read_cases

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:NamedShape a sh:NodeShape ; sh:targetClass ex:Widget ;
  sh:sparql [ sh:message "a widget needs a name"@en, "部件须有名称"@zh ;
    sh:select \"\"\"SELECT $this WHERE { FILTER NOT EXISTS { $this <http://example.org/name> ?name } }\"\"\" ] .
"""
FORBIDDEN = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:NoMinusShape a sh:NodeShape ; sh:targetClass ex:Widget ;
  sh:sparql [ sh:message "not allowed"@en, "不允许"@zh ;
    sh:select \"\"\"SELECT $this WHERE { $this ?p ?o MINUS { $this a <http://example.org/Gadget> } }\"\"\" ] .
"""
WIDGETS = "@prefix ex: <http://example.org/> .\n" + "\n".join(
    f"ex:w{n} a ex:Widget ." + (f' ex:w{n} ex:name "w{n}" .' if n % 2 else "") for n in range(10)
)
CASE = "https://example.org/case/widgets"


class _Counting:
    """A compiled expression that counts its searches."""

    def __init__(self, pattern) -> None:
        self.pattern, self.searches = pattern, 0

    def search(self, text: str):
        self.searches += 1
        return self.pattern.search(text)


@pytest.fixture
def every_time(monkeypatch) -> Iterator[None]:
    """pySHACL's own check, as it is without this module, for the rest of a test (a validator
    made afterwards would put the module's back: make it first)."""
    once = SPARQLQueryHelper.check_invalid_sparql
    monkeypatch.setattr(SPARQLQueryHelper, "check_invalid_sparql", once.__wrapped__)
    yield


def _reports(validator: CaseValidator) -> list[dict]:
    files = paths.bundled_case_files()
    return [validator.validate_case(case).as_dict() for f in files for case in read_cases(f)]


def test_the_bundled_cases_have_the_same_reports_either_way(request) -> None:
    validator = CaseValidator()
    assert SPARQLQueryHelper.check_invalid_sparql.checks_each_text_once
    once = _reports(validator)
    request.getfixturevalue("every_time")
    assert not getattr(SPARQLQueryHelper.check_invalid_sparql, "checks_each_text_once", False)
    assert _reports(validator) == once
    assert sum(len(r["findings"]) for r in once) > 0  # the comparison covers findings


def test_the_check_is_made_once_per_text(monkeypatch) -> None:
    validator = CaseValidator(Graph().parse(data=SHAPES, format="turtle"))
    counting = _Counting(SPARQLQueryHelper.has_minus_regex)
    monkeypatch.setattr(SPARQLQueryHelper, "has_minus_regex", counting)
    report = validator.validate(Graph().parse(data=WIDGETS, format="turtle"), CASE)
    assert sorted(f.focus for f in report.findings) == [
        f"http://example.org/w{n}" for n in (0, 2, 4, 6, 8)
    ]
    assert counting.searches == 1  # ten focus nodes, one text (checked by no other test)
    validator.validate(Graph().parse(data=WIDGETS, format="turtle"), CASE)
    assert counting.searches == 1


def test_without_this_module_the_check_is_made_for_each_node(request, monkeypatch) -> None:
    """The measure of the test above, without the change: one check per focus node."""
    validator = CaseValidator(Graph().parse(data=SHAPES, format="turtle"))
    request.getfixturevalue("every_time")
    counting = _Counting(SPARQLQueryHelper.has_minus_regex)
    monkeypatch.setattr(SPARQLQueryHelper, "has_minus_regex", counting)
    validator.validate(Graph().parse(data=WIDGETS, format="turtle"), CASE)
    assert counting.searches == 10


def test_a_forbidden_text_is_refused_every_time() -> None:
    validator = CaseValidator(Graph().parse(data=FORBIDDEN, format="turtle"))
    for _ in range(2):
        with pytest.raises(ValidationFailure, match="MINUS"):
            validator.validate(Graph().parse(data=WIDGETS, format="turtle"), CASE)


def test_another_version_of_the_check_is_left_alone(monkeypatch) -> None:
    def check_invalid_sparql(self, sparql_text, valuenode=None, extravars=None, strict=True):
        return True

    monkeypatch.setattr(SPARQLQueryHelper, "check_invalid_sparql", check_invalid_sparql)
    assert constraint_texts.check_each_text_once() is False
    assert SPARQLQueryHelper.check_invalid_sparql is check_invalid_sparql
