"""References for ``flywheel cite``: plain text to paste, and BibTeX for a reference manager."""

from __future__ import annotations

from collections.abc import Sequence

from kg.views.citation import Work, licence_name

HEADINGS = {
    "paper": "The theory",
    "ontology": "The ontology",
    "software": "The software",
    "case": "The cases",
}


def _names(work: Work) -> str:
    names = [a.display() for a in work.authors]
    return ", ".join(names) if names else "coders not stated"


def reference(work: Work) -> str:
    """One reference in prose."""
    if work.kind == "paper":
        issue = f", ({work.issue})" if work.issue else ""
        pages = f": {work.pages}" if work.pages else ""
        return f"{_names(work)}. {work.title}. {work.journal}, {work.year}{issue}{pages}."
    if work.kind == "case":
        coded = f", coded on ontology {work.ontology}" if work.ontology else ""
        return (
            f"{_names(work)}. {work.title}. Case graph {work.url}{coded}; content SHA-256 "
            f"{work.sha256}. Licence: {licence_name(work.licence)}."
        )
    year = f" ({work.year})" if work.year else ""
    url = f" {work.url}" if work.url else ""
    return (
        f"{_names(work)}{year}. {work.title}, version {work.version}.{url} "
        f"Licence: {licence_name(work.licence)}."
    )


def text(works: Sequence[Work]) -> str:
    """Every work under its heading, the cases last."""
    lines = ["How to cite what you used:", ""]
    for kind, heading in HEADINGS.items():
        chosen = [w for w in works if w.kind == kind]
        if kind == "case":
            heading += f" ({len(chosen)})"
            if not chosen:
                lines += [heading + ": none in the store; name cases or use --bundled.", ""]
                continue
        lines.append(heading + ":")
        lines += [f"  {reference(w)}" for w in chosen]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _escape(value: str) -> str:
    """Text as BibTeX reads it literally: its braces and backslashes escaped."""
    escapes = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}"}
    return "".join(escapes.get(char, char) for char in value)


def _authors(work: Work) -> str:
    if work.kind == "paper":  # persons: "Family, Given"
        return " and ".join(_escape(f"{a.family}, {a.given}") for a in work.authors)
    # bodies and coders' names: braced, so BibTeX does not split them into first and last names
    return " and ".join("{" + _escape(a.display()) + "}" for a in work.authors)


def bibtex(works: Sequence[Work]) -> str:
    """One BibTeX entry per work (@article for the paper, @misc for the rest)."""
    entries = []
    for work in works:
        note = "; ".join(
            part
            for part in (
                f"Licence: {licence_name(work.licence)}" if work.kind != "paper" else "",
                f"coded on ontology {work.ontology}" if work.ontology else "",
                f"content SHA-256 {work.sha256}" if work.sha256 else "",
            )
            if part
        )
        fields = {
            "author": _authors(work),
            "title": _escape(work.title),
            "journal": _escape(work.journal),
            "year": work.year,
            "number": work.issue,
            "pages": work.pages.replace("-", "--"),
            "version": work.version,
            "url": work.url,
            "note": _escape(note),
        }
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
        kind = "article" if work.kind == "paper" else "misc"
        entries.append(f"@{kind}{{{work.key},\n{body}\n}}")
    return "\n\n".join(entries) + "\n"


def markdown(works: Sequence[Work]) -> str:
    """A release note's table: each part's version, licence and, for a case, its content hash."""
    rows = ["| part | version | licence |", "|---|---|---|"]
    for work in works:
        if work.kind == "paper":
            continue
        if work.kind == "case":
            version = f"coded on ontology {work.ontology}; SHA-256 `{work.sha256}`"
            name = f"case {work.title} (<{work.url}>)"
        else:
            version = work.version
            name = f"{work.kind} {work.title}" + (f" (<{work.url}>)" if work.url else "")
        rows.append(f"| {name} | {version} | {licence_name(work.licence)} |")
    return "\n".join(rows) + "\n"
