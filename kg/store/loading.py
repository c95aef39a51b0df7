"""Loading case files into a store: read, validate, then write each case whole.

Every file is read and every case validated before anything is written, so a file that cannot
be read, or a case with violations (unless forced), never touches the store. Each case is then
written in one transaction, replacing an earlier version of the same case (same IRI).

A case whose short name another case holds is refused, forced or not (see :mod:`kg.rdf.names`):
the store refuses a name held by a case already in it, and two cases of one load with the same
short name but different IRIs are both refused (which would win should not depend on the order
of the files).
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.check.validation import CaseReport, CaseValidator
from kg.rdf.names import case_id, name_key, shown
from kg.rdf.read import FORMATS, CaseGraph, RdfInputError, read_cases
from kg.store import CaseInfo, CaseNameError, CaseNameTaken, CaseStore


@dataclass
class LoadResult:
    """What happened to each file and case."""

    loaded: list[CaseInfo] = field(default_factory=list)
    refused: list[CaseReport] = field(default_factory=list)
    unreadable: list[RdfInputError] = field(default_factory=list)
    reports: list[CaseReport] = field(default_factory=list)
    refused_names: list[CaseNameError] = field(default_factory=list)  # refused for their IRI

    @property
    def ok(self) -> bool:
        return not self.refused and not self.unreadable and not self.refused_names


def expand_paths(arguments: Iterable[str | Path]) -> list[Path]:
    """Files, folders (every RDF file inside, recursively) and glob patterns, in order."""
    paths: list[Path] = []
    for argument in arguments:
        text = str(argument)
        matches = (
            sorted(glob.glob(text, recursive=True)) if any(c in text for c in "*?[") else [text]
        )
        for match in matches:
            path = Path(match)
            if path.is_dir():
                paths.extend(
                    sorted(
                        p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS
                    )
                )
            else:
                paths.append(path)
    return paths


def load_files(
    store: CaseStore,
    files: Iterable[Path],
    validator: CaseValidator | None = None,
    force: bool = False,
    fmt: str | None = None,
    progress: Callable[[Path], None] | None = None,
) -> LoadResult:
    """Load case files into a store; see the module docstring for the guarantees."""
    validator = validator or CaseValidator()
    result = LoadResult()
    accepted: list[CaseGraph] = []
    for path in files:
        try:
            cases = read_cases(path, fmt)
        except RdfInputError as error:
            result.unreadable.append(error)
            cases = []
        for case in cases:
            report = validator.validate_case(case)
            result.reports.append(report)
            if report.conforms or force:
                accepted.append(case)
            else:
                result.refused.append(report)
        if progress:
            progress(path)
    seen: dict[str, CaseGraph] = {}
    for case in accepted:  # the same case twice: the last file wins
        seen[case.iri] = case
    for case in _one_per_name(list(seen.values()), result):
        try:
            result.loaded.extend(store.put_cases([case]))
        except CaseNameError as error:
            result.refused_names.append(error)
    return result


def _one_per_name(cases: list[CaseGraph], result: LoadResult) -> list[CaseGraph]:
    """The cases whose short name no other case of this load has; the others are refused."""
    by_name: dict[str, list[CaseGraph]] = {}
    for case in cases:
        by_name.setdefault(name_key(case_id(case.iri)), []).append(case)
    kept = []
    for group in by_name.values():
        if len(group) == 1:
            kept.extend(group)
            continue
        listed = ", ".join(f"<{shown(c.iri)}> from {c.source}" for c in group)
        for case in group:
            holder = next(c for c in group if c is not case)
            reason = (
                f"the case <{shown(case.iri)}> is refused: {len(group)} cases of this load go "
                f"by the same short name '{shown(case_id(case.iri))}' ({listed}). A short name "
                "belongs to one case: give each an IRI with its own last segment; none of them "
                "was loaded"
            )
            result.refused_names.append(CaseNameTaken(case.iri, reason, holder.iri, case.source))
    return kept
