"""Several coders' codings of one case made into one (``flywheel merge``): the consensus value
beside every coder's own, none overwritten.

For each unit (a record and a variable, as :mod:`kg.views.agreement` aligns them) every coder's
value is kept as an ``fw:Claim`` with its coder and evidence (a value coded on the record itself
becomes one; a claim stays as it was). The record's own value, the one simple queries read, is
the consensus: the value every coder gave, or, where they differ, the value of the coder named as
arbiter (``prefer``). A difference with no arbiter is left open: the record then has no value for
that variable, only the coders' claims, and the result lists it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg.errors import BadInput
from kg.views.agreement import VARIABLES, Coding, Disagreement, Value, Variable, collect
from kg.vocab import FW
from kg.workbook.values import claim_iri


@dataclass(frozen=True)
class Merged:
    """The merged case graph, how many units came to a consensus, and those left open."""

    graph: Graph
    agreed: int
    arbitrated: int
    open: tuple[Disagreement, ...]


def _as_claim(
    graph: Graph, record: URIRef, coder: str, variable: Variable, value: Value, accepted: bool
) -> None:
    """A value coded on the record, restated as the coder's claim with the record's evidence: a
    date as its day (the direct triple's value) and, when less precise and not the accepted
    value (whose precision the record keeps), as the coder wrote it (fw:claimEDTF)."""
    assert value.value is not None
    node = claim_iri(record, coder, variable.prop, value.value)
    graph.add((node, RDF.type, FW.Claim))
    graph.add((node, FW.claimAbout, record))
    graph.add((node, FW.claimProperty, variable.prop))
    graph.add((node, FW.claimValue, value.value))
    if variable.level == "interval" and not accepted and value.shown != str(value.value):
        graph.add((node, FW.claimEDTF, Literal(value.shown)))
    graph.add((node, FW.codedBy, Literal(coder)))
    for evidence in value.evidence_nodes:
        graph.add((node, FW.hasEvidence, evidence))


def merge(
    codings: Sequence[Coding], prefer: str | None = None, consensus_by: str = "consensus"
) -> Merged:
    """One graph from ``codings`` of one case (none of them changed): every statement of each,
    every coder's value as a claim, and the consensus as the record's own value, coded by
    ``consensus_by``. Raises BadInput when ``prefer`` names no coder of the codings."""
    units, labels = collect(codings)
    coders = sorted({c for by_coder in units.values() for c in by_coder})
    if prefer is not None and prefer not in coders:
        raise BadInput(f"no coder '{prefer}' in these codings (coders: {', '.join(coders)})")
    variables = {v.key: v for v in VARIABLES}
    merged = Graph()
    for coding in codings:
        merged += coding.graph
        for prefix, namespace in coding.graph.namespaces():
            merged.bind(prefix, namespace, override=False)
    agreed = arbitrated = 0
    left_open: list[Disagreement] = []
    for (record_iri, key), by_coder in sorted(units.items()):
        record = URIRef(record_iri)
        variable = variables[key]
        for prop in variable.properties():
            merged.remove((record, prop, None))
        shown = {text for values in by_coder.values() for text in values}
        chosen: Value | None = None
        if len(shown) == 1:
            chosen = _fullest(v for values in by_coder.values() for v in values.values())
            agreed += 1
        elif prefer is not None and len(by_coder.get(prefer, {})) == 1:
            chosen = next(iter(by_coder[prefer].values()))
            arbitrated += 1
        else:
            values = {
                f"{c}" if n == 0 else f"{c} (also)": v
                for c, coded in sorted(by_coder.items())
                for n, v in enumerate(coded[t] for t in sorted(coded))
            }
            left_open.append(Disagreement(record_iri, labels.get(record_iri, ""), key, values))
        for coder, coded in by_coder.items():
            for value in coded.values():
                if value.statements:  # coded on the record: kept as the coder's claim
                    accepted = chosen is not None and value.shown == chosen.shown
                    _as_claim(merged, record, coder, variable, value, accepted)
        if chosen is None:
            continue
        statements = chosen.statements or ((variable.prop, chosen.value),)
        for prop, obj in statements:
            if obj is not None:
                merged.add((record, prop, obj))
        merged.set((record, FW.codedBy, Literal(consensus_by)))
    return Merged(merged, agreed, arbitrated, tuple(left_open))


def _fullest(values: Iterable[Value]) -> Value:
    """Of equal values, the one stated most fully (a record's date with its bounds over a claim's
    bare value)."""
    return max(values, key=lambda v: len(v.statements))
