"""Loading case files into a store: read, validate, then write each case whole.

Every file is read and every case validated before anything is written, so a file that cannot
be read, or a case with violations (unless forced), never touches the store. Each case is then
written in one transaction, replacing an earlier version of the same case.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.rdfio import FORMATS, CaseGraph, RdfInputError, read_cases
from kg.store import CaseInfo, CaseStore
from kg.validation import CaseReport, CaseValidator


@dataclass
class LoadResult:
    """What happened to each file and case."""

    loaded: list[CaseInfo] = field(default_factory=list)
    refused: list[CaseReport] = field(default_factory=list)
    unreadable: list[RdfInputError] = field(default_factory=list)
    reports: list[CaseReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.unreadable


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
    for case in seen.values():
        result.loaded.extend(store.put_cases([case]))
    return result
