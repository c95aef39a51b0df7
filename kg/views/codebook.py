"""Exports for the tools scholars use: the comparison (:func:`kg.views.comparison.compare`) and the
city × condition table (question 21) as CSV files, each with a codebook beside it.

The codebook (``FILE.codebook.md``) says what every column means, its type and unit, how an
unknown is coded, the thresholds used, the flywheel-kg and ontology versions, the cases included
with their content hashes, and the date it was written. Booleans are written ``true``/``false``;
an unknown or absent value is an empty cell, never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg import paths
from kg.ontology import label
from kg.sparql.named import get_query
from kg.store import CaseInfo, CaseStore
from kg.text import delimited, visible
from kg.version import ONTOLOGY_VERSION_IRI, __version__
from kg.views.agreement import Coding, VariableAlpha, agreement
from kg.views.calibration import Anchors, membership
from kg.views.comparison import COLUMNS, DESCRIPTIONS, compare, condition_table
from kg.views.sequences import SPELL_COLUMNS, spell_rows, sts_rows
from kg.vocab import CONFIDENCE_OF, CONFIDENCES, LOGIC_IRIS, PRECISION_IRIS, STAGE_IRIS, STAGES


@dataclass(frozen=True)
class Variable:
    """One column of an export: what it means, its type and unit, how unknowns are coded."""

    name: str
    meaning: str
    type: str
    unit: str = ""
    unknown: str = "never empty"


@dataclass(frozen=True)
class Export:
    """A table ready to write: its columns, rows (plain values) and codebook text."""

    columns: list[str]
    rows: list[dict[str, object]]
    codebook: str


_DATE = "date (ISO 8601, YYYY-MM-DD)"
_PRECISION = (
    "category: day, month, year, range, on or before, on or after, ongoing, unknown (docs/dates.md)"
)
_BOUND = "date (ISO 8601, YYYY-MM-DD), inclusive"
_LOGIC = "category: political, bureaucratic, technical, platform ('+' joins ties)"
_PRECISION_MEANING = {
    "start": "how precisely the start is known",
    "end": "how precisely the end is known",
}


def _comparison_variable(name: str) -> Variable:
    meaning = DESCRIPTIONS.get(name, "")
    for stage in STAGES:
        for part in ("start", "end"):
            if name == f"{stage}_{part}":
                return Variable(
                    name,
                    meaning,
                    _DATE,
                    "day: the earliest the date can be (with month or year precision, the "
                    "first day of that month or year), else its latest bound",
                    "empty; the precision column then says 'unknown' (or is empty when the "
                    "case codes no such stage)",
                )
            for side in ("earliest", "latest"):
                if name == f"{stage}_{part}_{side}":
                    return Variable(
                        name,
                        meaning,
                        _BOUND,
                        "day: as coded in the case, else from the precision (a month runs from "
                        "its first to its last day, a year from 1 January to 31 December)",
                        f"empty when no {side} bound is known (an unknown date, or a date known "
                        + (
                            "only as on or before a day"
                            if side == "earliest"
                            else "only as on or after a day, or an end still open"
                        )
                        + ")",
                    )
            if name == f"{stage}_{part}_precision":
                return Variable(
                    name,
                    meaning or f"{_PRECISION_MEANING[part]} ({stage} stage)",
                    _PRECISION,
                    unknown="'unknown' when the date is not known or the stage is still open; "
                    "empty when the case codes no such stage",
                )
        if name == f"{stage}_confidence":
            return Variable(
                name,
                meaning,
                "category: confirmed, suspected, inferred, reported (strongest to weakest, the "
                "ontology's fw:order; docs/claims-and-evidence.md)",
                unknown="empty when nothing behind it is graded, or the case codes no such stage",
            )
        if name == f"{stage}_dominant_logic":
            return Variable(
                name, meaning, _LOGIC, unknown="empty when no action of the stage has a logic"
            )
    fixed = {
        "case": Variable(name, meaning, "IRI (the case's named graph)"),
        "city": Variable(name, meaning, "text", unknown="empty when the case gives no label"),
        "years_startup_to_inertia": Variable(
            name,
            meaning,
            "decimal number",
            "years (days / 365.25, one decimal)",
            "empty when either date is unknown",
        ),
        "years_precision": Variable(name, meaning, _PRECISION, unknown="empty with the years"),
        "years_at_least": Variable(
            name,
            meaning,
            "decimal number",
            "years (days / 365.25, two decimals); negative when the bounds allow inertia first",
            "empty when the startup start has no latest or the inertia start no earliest bound",
        ),
        "years_at_most": Variable(
            name,
            meaning,
            "decimal number",
            "years (days / 365.25, two decimals)",
            "empty when the startup start has no earliest or the inertia start no latest bound",
        ),
        "loop_closed": Variable(name, meaning, "boolean: true, false"),
        "starts_left_out": Variable(name, meaning, "integer", "stage starts"),
        "loop_closed_since": Variable(
            name, meaning, _DATE, "day", "empty when the loop is not closed or no flow is dated"
        ),
        "loop_closed_by": Variable(
            name,
            meaning,
            _BOUND,
            "day",
            "empty when the loop is not closed or no closing flow's date has a latest bound",
        ),
        "loop_closed_since_precision": Variable(
            name,
            meaning or "how precisely the loop's closing date is known",
            _PRECISION,
            unknown="empty when the date is empty",
        ),
    }
    if name in fixed:
        return fixed[name]
    return Variable(name, meaning, "integer", "count of coded items", "0 when none is coded")


def _condition_variable(name: str, meaning: str) -> Variable:
    kinds = {
        "case": Variable(name, meaning, "IRI (the case's named graph)"),
        "city": Variable(name, meaning, "IRI (the city as the case codes it)"),
        "cityLabel": Variable(name, meaning, "text", unknown="empty when the case gives none"),
        "scenarios": Variable(name, meaning, "integer", "count of coded scenarios"),
        "k": Variable(name, meaning, "integer", "scenarios"),
    }
    if name.endswith("Confidence"):
        return Variable(
            name,
            meaning,
            "category: " + ", ".join(CONFIDENCES),
            unknown="empty when the condition does not hold or its evidence is not graded",
        )
    return kinds.get(name, Variable(name, meaning, "boolean (crisp set): true, false"))


def _plain(value: object) -> object:
    """A cell as text a statistics package reads: booleans as true/false, RDF terms by value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return getattr(value, "value", value)


def _labels(iri: str) -> str:
    en, zh = label(iri, "en"), label(iri, "zh")
    return " / ".join(x for x in (en, zh) if x)


def _codes() -> list[str]:
    """The category codes with the ontology's English and Chinese labels."""
    lines = ["## Codes", ""]
    lines.append("- stages: " + "; ".join(f"`{s}` = {_labels(i)}" for s, i in STAGE_IRIS.items()))
    lines.append("- logics: " + "; ".join(f"`{x}` = {_labels(i)}" for x, i in LOGIC_IRIS.items()))
    lines.append(
        "- precisions: " + "; ".join(f"`{p}` = {_labels(i)}" for p, i in PRECISION_IRIS.items())
    )
    return [*lines, ""]


def _markdown(
    title: str,
    intro: str,
    variables: Sequence[Variable],
    thresholds: Sequence[str],
    cases: Sequence[CaseInfo],
    data_file: str,
    today: dt.date,
    reliability: Sequence[tuple[str, VariableAlpha]] | None = None,
) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# Codebook: {title}",
        "",
        intro,
        "",
        f"- data file: `{data_file}` (CSV, UTF-8, comma-separated, one header row)",
        "- safe to open in a spreadsheet: every text cell is in double quotes, and a text that a "
        "spreadsheet would run as a formula (one that begins with =, +, -, @, a tab or a carriage "
        "return) is written with an apostrophe in front, so that it opens as text "
        "(`'=HYPERLINK(…)` stands for the coded text `=HYPERLINK(…)`; OWASP's advice against "
        "CSV injection); numbers (such as -0.5) are bare and never changed; a control character "
        "in a text, which no coding needs, is written out as `\\x1b` and the like",
        f"- written: {today.isoformat()} by flywheel-kg {__version__}",
        f"- ontology: <{ONTOLOGY_VERSION_IRI}>",
        "- an empty cell means unknown or absent (see each column); nothing is imputed",
        "",
        "## Columns",
        "",
        "| column | meaning | type | unit | unknown coded as |",
        "|---|---|---|---|---|",
    ]
    for v in variables:
        lines.append(
            f"| `{v.name}` | {esc(v.meaning)} | {esc(v.type)} | {esc(v.unit)} | {esc(v.unknown)} |"
        )
    lines += ["", "## Thresholds and rules", ""]
    lines += [f"- {t}" for t in thresholds]
    lines += ["", *_codes(), "## Cases included", ""]
    lines += [
        "| case | city | triples | sources | SHA-256 of the case graph |",
        "|---|---|---|---|---|",
    ]
    for info in cases:
        city = info.city_label or info.city or ""
        lines.append(
            f"| <{info.iri}> | {esc(_as_text(city))} | {info.triples} | {info.sources} "
            f"| `{info.sha256}` |"
        )
    if reliability is not None:
        lines += ["", *_reliability(reliability)]
    return "\n".join(lines).rstrip("\n") + "\n"


def _reliability(rows: Sequence[tuple[str, VariableAlpha]]) -> list[str]:
    lines = [
        "## Inter-coder reliability",
        "",
        "Krippendorff's alpha per variable, from the cases whose claims name more than one coder "
        "(as `flywheel agree` computes it: nominal for stage, logic, mechanism, role kind and "
        "loop step; interval for dates, each placed at the middle of its bounds). Units are "
        "records coded by at least two coders; alpha is empty where it is undefined.",
        "",
    ]
    if not rows:
        return [*lines, "No included case has claims by more than one coder.", ""]
    lines += [
        "| case | variable | level | alpha | units | coders | disagreements | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, v in rows:
        alpha = "" if v.alpha is None else f"{v.alpha:.3f}"
        lines.append(
            f"| <{case}> | {v.variable} | {v.level} | {alpha} | {v.units} | {v.coders} "
            f"| {v.disagreements} | {v.why} |"
        )
    return [*lines, ""]


def reliability(store: CaseStore, cases: Iterable[str]) -> list[tuple[str, VariableAlpha]]:
    """Alpha per variable of each case (among ``cases``) that more than one coder coded."""
    wanted = set(cases)
    found = store.query(paths.query_file_text("compare/coders"))
    rows: list[tuple[str, VariableAlpha]] = []
    for row in found.rows:
        case = row.get("case")
        iri = case.value if case is not None else ""
        if iri not in wanted:
            continue
        coding = Coding(iri.rstrip("/").rsplit("/", 1)[-1], store.case_graph(iri))
        rows += [(iri, v) for v in agreement([coding]).variables]
    return rows


def _as_text(label: str) -> str:
    """A coded label in Markdown as plain text: no link, emphasis or HTML, no control codes."""
    return re.sub(r"([\\`*_\[\]<>#!])", r"\\\1", visible(label, keep_cr=False))


def comparison_export(
    store: CaseStore,
    cases: Sequence[str] | None = None,
    data_file: str = "comparison.csv",
    today: dt.date | None = None,
    min_confidence: str | None = None,
    close_at_next: bool = False,
) -> Export:
    """The comparison of cities (one row per case) with its codebook; ``min_confidence`` and
    ``close_at_next`` as in :func:`kg.views.comparison.compare`."""
    rows = compare(store, cases, min_confidence, close_at_next)
    included = [i for i in store.cases() if i.iri in {r["case"] for r in rows}]
    thresholds = [
        "each stage's dates are those of the city's first episode of that stage; "
        + (
            "an episode with no stated end was closed at the next episode's start, as asked "
            "(--close-at-next; end_basis 'next episode')"
            if close_at_next
            else "an episode with no stated end has an unknown end (end_basis 'unknown'; "
            "--close-at-next closes it at the next episode's start)"
        ),
        "years from startup to inertia = days between the two starts / 365.25 (their "
        "comparable days), rounded to one decimal; its precision is the coarser of the two "
        "dates'",
        "years at least / at most = the fewest and most years the two starts' inclusive bounds "
        "allow (inertia's earliest minus startup's latest; inertia's latest minus startup's "
        "earliest), two decimals; bounds as coded in the case, else from the precision",
        "dominant logic = the institutional logic most coded actions in the stage followed; "
        "ties are all given, joined with '+' in alphabetical order",
        "loop closed = at least one re-aggregation flow (fw:Reaggregation) feeds a data "
        "foundation; no count threshold",
        "the city × condition table (question 21) is exported by "
        "'flywheel compare --conditions -o FILE', with its scenario threshold k",
        (
            f"minimum confidence: '{min_confidence}': a stage start graded weaker, or not "
            "graded, is left out (empty), with the end of the stage it closed; "
            "starts_left_out counts them per city"
            if min_confidence is not None
            else "minimum confidence: none asked; every coded start is given, with the weakest "
            "confidence behind it ({stage}_confidence)"
        ),
    ]
    codebook = _markdown(
        "cities compared",
        "One row per city case: each stage's start and end with their precision and "
        "earliest/latest bounds, years from startup to inertia (with the fewest and most the "
        "bounds allow), whether and since when the data loop is closed, the dominant "
        "logic of each stage, and counts of coded actions, flows and scenarios "
        "(kg.views.comparison.compare).",
        [_comparison_variable(c) for c in COLUMNS],
        thresholds,
        included,
        data_file,
        today or dt.datetime.now(dt.UTC).date(),
        reliability(store, [i.iri for i in included]),
    )
    return Export(list(COLUMNS), [{c: _plain(r.get(c)) for c in COLUMNS} for r in rows], codebook)


def conditions_export(
    store: CaseStore,
    cases: Sequence[str] | None = None,
    min_scenarios: int | None = None,
    data_file: str = "conditions.csv",
    today: dt.date | None = None,
) -> Export:
    """The city × condition table of question 21 (query 21) with its codebook."""
    named = get_query("condition-table")
    columns, found = condition_table(store, cases, min_scenarios)
    rows = [
        {c: CONFIDENCE_OF.get(str(v), v) if c.endswith("Confidence") else v for c, v in row.items()}
        for row in ({c: _plain(r.get(c)) for c in columns} for r in found)
    ]
    k = min_scenarios if min_scenarios is not None else int(named.param("k").default or 1)
    meanings = {c.name: c.description for c in named.columns}
    included_iris = {str(r["case"]) for r in rows}
    thresholds = [
        f"k = {k}: the 'enoughScenarios' condition holds when a case codes at least {k} "
        "application scenario(s) (set with --min-scenarios)",
        "crisp sets: every other condition and the outcome are true or false as coded, with no "
        "calibration threshold; a condition not coded is false (absence of evidence)",
        "a case that codes its scenarios as one collective node counts one scenario",
        "each *Confidence column: how sure a condition that holds is, as the weakest confidence "
        "of the evidence its best supported item cites (for scenarios, the weakest over every "
        "scenario counted); a word here, the ontology's level (fw:Confirmed …) in query 21",
    ]
    codebook = _markdown(
        "city × condition table (competency question 21)",
        named.title.get("en", "") + f" ({named.title.get('zh', '')})",
        [_condition_variable(c, meanings.get(c, "")) for c in columns],
        thresholds,
        [i for i in store.cases() if i.iri in included_iris],
        data_file,
        today or dt.datetime.now(dt.UTC).date(),
        reliability(store, sorted(included_iris)),
    )
    return Export(columns, rows, codebook)


_SEQUENCE_RULES = [
    "episodes and their dates are question 2's (the stage-timeline query): an end is the stated "
    "one (end_basis 'stated'); one not coded is empty (end_basis 'unknown', or 'open' for the "
    "last episode) unless --close-at-next was asked, which closes it at the next episode's start "
    "(end_basis 'next episode')",
    "begin = the comparable day: the earliest the start can be, else its latest bound; the bounds "
    "are as coded, else from the precision (a month runs from its first to its last day)",
    "month index = months since December 1999 (January 2000 = 1): the integer time TraMineR's "
    "SPELL format wants; an episode closed by the next one's start shares that month with it",
]
_SPELL_VARIABLES = {
    "id": ("the case's short name (its IRI's last segment): TraMineR's sequence id", "text"),
    "case": ("the case's named graph", "IRI"),
    "sequence": ("the episode's place in the city's own sequence (1 = first)", "integer"),
    "stage": ("the flywheel stage", "category: startup, rotation, acceleration, inertia"),
    "begin": ("the episode's start, as a comparable day", _DATE),
    "begin_earliest": ("the earliest the start can be", _BOUND),
    "begin_latest": ("the latest the start can be", _BOUND),
    "begin_precision": ("how precisely the start is known", _PRECISION),
    "begin_month": ("the start's month index", "integer (January 2000 = 1)"),
    "end": (
        "the episode's end: stated; else, when --close-at-next was asked, the next episode's start",
        _DATE,
    ),
    "end_earliest": ("the earliest the end can be", _BOUND),
    "end_latest": ("the latest the end can be", _BOUND),
    "end_precision": ("how precisely the end is known", _PRECISION),
    "end_month": ("the end's month index", "integer (January 2000 = 1)"),
    "end_basis": ("where the end comes from", "category: stated, next episode, open"),
}


def spell_export(
    store: CaseStore,
    cases: Sequence[str] | None = None,
    data_file: str = "sequences.csv",
    today: dt.date | None = None,
    close_at_next: bool = False,
) -> Export:
    """Each city's stages as spells (TraMineR's SPELL format), with the codebook; an end not
    coded is closed at the next episode's start only with ``close_at_next``."""
    rows = spell_rows(store, cases, close_at_next)
    included = {str(r["case"]) for r in rows}
    variables = [
        Variable(name, meaning, kind, unknown="empty when not known")
        for name, (meaning, kind) in _SPELL_VARIABLES.items()
    ]
    codebook = _markdown(
        "stage sequences, one row per episode (SPELL)",
        "Each city's stage episodes in order, with begin and end days, their bounds and "
        "precision, and month indices, for sequence analysis (R: TraMineR's seqformat(data, "
        'from = "SPELL", to = "STS", id = "id", begin = "begin_month", end = "end_month", '
        'status = "stage")).',
        variables,
        _SEQUENCE_RULES,
        [i for i in store.cases() if i.iri in included],
        data_file,
        today or dt.datetime.now(dt.UTC).date(),
    )
    return Export(list(SPELL_COLUMNS), rows, codebook)


def sts_export(
    store: CaseStore,
    cases: Sequence[str] | None = None,
    data_file: str = "sequences-sts.csv",
    today: dt.date | None = None,
) -> Export:
    """Each city's stages month by month (TraMineR's STS format), with the codebook."""
    spells = spell_rows(store, cases)
    columns, rows = sts_rows(spells)
    months = columns[2:]
    variables = [
        Variable("id", _SPELL_VARIABLES["id"][0], "text"),
        Variable("case", "the case's named graph", "IRI"),
        Variable(
            f"{months[0]} … {months[-1]}" if months else "(no month)",
            "one column per calendar month: the stage in force on the month's last day",
            "category: startup, rotation, acceleration, inertia",
            "month",
            "empty before the city's first episode, after a stated end with nothing coded after "
            "it, and for a city whose starts are unknown",
        ),
    ]
    rules = [
        *_SEQUENCE_RULES[:2],
        "a city's stage in a month is that of its latest episode whose comparable start is on or "
        "before the month's last day; an episode shorter than a month and over before the "
        "month's end does not show",
        "so a stage whose end is not coded is read as lasting until the next one begins: a state "
        "sequence has no place for an unknown end (the SPELL export leaves it empty unless "
        "--close-at-next is asked)",
        "the last episode, when open (no end coded), is carried to the table's last month, the "
        "last month any city's coded date reaches: a right-censored spell, not a coded end",
    ]
    unplaced = sorted(str(r["id"]) for r in rows if not any(r[m] for m in months))
    if unplaced:
        rules.append("cities with no known start (all their cells empty): " + ", ".join(unplaced))
    codebook = _markdown(
        "stage sequences, one row per city and one column per month (STS)",
        "For sequence analysis (R: TraMineR's seqdef(data, var = 3:ncol(data))).",
        variables,
        rules,
        [i for i in store.cases() if i.iri in {str(r["case"]) for r in rows}],
        data_file,
        today or dt.datetime.now(dt.UTC).date(),
    )
    return Export(columns, rows, codebook)


# Calibrated conditions: the number each is calibrated from, and the project's default anchors
# (a starting point, not a threshold the theory gives: state your own with --anchor)
FUZZY_DEFAULTS: dict[str, Anchors] = {"scenarios": Anchors(0, 1.5, 4)}
_CRISP = ("leaderPromotion", "dataBureau", "commandCenter")
_OUTCOME = "loopClosed"


def fuzzy_export(
    store: CaseStore,
    cases: Sequence[str] | None = None,
    anchors: dict[str, Anchors] | None = None,
    data_file: str = "fuzzy.csv",
    today: dt.date | None = None,
) -> Export:
    """Question 21's conditions as fuzzy sets for fsQCA and R's QCA: the crisp conditions and
    the outcome as 0/1, each counted condition with its raw number and its membership by direct
    calibration, with the anchors in the codebook."""
    chosen = FUZZY_DEFAULTS | (anchors or {})
    unknown = sorted(set(chosen) - set(FUZZY_DEFAULTS))
    if unknown:
        raise ValueError(
            f"no calibrated condition {', '.join(unknown)}: calibrated are "
            + ", ".join(sorted(FUZZY_DEFAULTS))
        )
    named = get_query("condition-table")
    meanings = {c.name: c.description for c in named.columns}
    _, found = condition_table(store, cases)
    columns = ["case", "cityLabel", *_CRISP]
    for name in chosen:
        columns += [name, f"{name}_fs"]
    columns.append(_OUTCOME)
    rows = []
    for r in found:
        row: dict[str, object] = {
            "case": _plain(r.get("case")),
            "cityLabel": _plain(r.get("cityLabel")),
        }
        for name in (*_CRISP, _OUTCOME):
            term = r.get(name)
            row[name] = None if term is None else int(term.value == "true")
        for name, anchor in chosen.items():
            term = r.get(name)
            raw = None if term is None else float(term.value)
            row[name] = None if raw is None else int(raw) if raw.is_integer() else raw
            row[f"{name}_fs"] = None if raw is None else round(membership(raw, anchor), 3)
        rows.append(row)
    variables = [
        Variable("case", "the case's named graph", "IRI"),
        Variable("cityLabel", "the city's English name", "text", unknown="empty when none"),
        *(Variable(n, meanings.get(n, "") + " (crisp: 1 true, 0 false)", "0 or 1") for n in _CRISP),
    ]
    for name, anchor in chosen.items():
        variables += [
            Variable(name, meanings.get(name, ""), "integer"),
            Variable(
                f"{name}_fs",
                f"membership in the set of cities with many {name}, by direct calibration of "
                f"`{name}` with anchors {anchor.text()}",
                "fuzzy membership, 0-1, three decimals",
            ),
        ]
    variables.append(
        Variable(_OUTCOME, "outcome: " + meanings.get(_OUTCOME, "") + " (crisp)", "0 or 1")
    )
    rules = [
        'direct calibration (Ragin 2008), as R\'s QCA::calibrate(x, type = "fuzzy", thresholds '
        "= c(exclusion, crossover, inclusion), logistic = TRUE, idm = 0.95) computes it: "
        "membership 0.05 at full non-membership, 0.5 at the crossover, 0.95 at full "
        "membership, the log-odds linear in between",
        *(
            f"{name}: anchors (full non-membership, crossover, full membership) = "
            f"{anchor.text()}"
            + (
                "; the project's default, a starting point rather than a threshold the theory "
                "gives: state your own with --anchor " + f"{name}=E,C,I"
                if anchor == FUZZY_DEFAULTS.get(name)
                else "; set with --anchor"
            )
            for name, anchor in chosen.items()
        ),
        "the other conditions and the outcome are crisp (0/1) as question 21 codes them; a "
        "condition not coded is 0 (absence of evidence)",
    ]
    included = {str(r["case"]) for r in rows}
    codebook = _markdown(
        "city × condition table as fuzzy sets (fsQCA)",
        named.title.get("en", "") + " Calibrated for fsQCA and R's QCA package.",
        variables,
        rules,
        [i for i in store.cases() if i.iri in included],
        data_file,
        today or dt.datetime.now(dt.UTC).date(),
    )
    return Export(columns, rows, codebook)


def codebook_path(data_file: Path) -> Path:
    """Where the codebook of a data file goes: ``cities.csv`` → ``cities.codebook.md``."""
    return data_file.with_name(f"{data_file.stem}.codebook.md")


def write_export(export: Export, data_file: Path) -> tuple[Path, Path]:
    """Write the CSV and its codebook beside it; returns both paths."""
    data_file.write_text(delimited(export.columns, export.rows), encoding="utf-8")
    book = codebook_path(data_file)
    book.write_text(export.codebook, encoding="utf-8")
    return data_file, book
