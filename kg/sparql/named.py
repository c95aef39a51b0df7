"""The named queries: one SPARQL file per competency question, with typed, safely bound parameters.

Each file in ``queries/`` is called ``NN-short-name.rq`` and starts with a comment header::

    # question: 1
    # title: Which stage was a city in on a given date?
    # title@zh: 某城市在某一日期处于哪个阶段?
    # param: case | iri | https://w3id.org/dataflywheel/case/hangzhou | the case graph to ask
    # param: date | date | 2018-06-01 | the date asked about
    # column: stage | the flywheel stage (fw:FlywheelStage)

A parameter's default may be ``-``: the parameter is then required. Parameters are bound by
substituting the SPARQL variable of the same name with an RDF term (never by pasting text into
the query), so a value can never change what the query does. Oxigraph substitutes only variables
the query returns, so every parameter is also one of the columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pyoxigraph as ox

from kg import paths, vocab
from kg.errors import BadInput, NotFound
from kg.rdf.lexical import DAY, DECIMAL, INTEGER, is_absolute_iri

if TYPE_CHECKING:
    from kg.store import CaseStore

XSD = str(vocab.XSD)
REQUIRED = "-"

_FILE_NAME = re.compile(r"^(?P<number>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
_HEADER_LINE = re.compile(r"^#\s*(?P<key>[a-z@]+)\s*:\s*(?P<value>.*?)\s*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# An absolute IRI: a scheme, then no character that may not appear in a SPARQL IRIREF.


class ParamType(StrEnum):
    """The types a query parameter may have, and the RDF term each becomes."""

    IRI = "iri"  # a NamedNode
    DATE = "date"  # an xsd:date literal
    INTEGER = "integer"  # an xsd:integer literal
    DECIMAL = "decimal"  # an xsd:decimal literal
    STRING = "string"  # a plain (xsd:string) literal
    BOOLEAN = "boolean"  # an xsd:boolean literal: true or false


class QueryDefinitionError(ValueError):
    """A query file whose header is missing, malformed or inconsistent with its SPARQL."""


class QueryParameterError(BadInput):
    """A value given for a query parameter that is unknown, missing or of the wrong type."""


class UnknownQueryError(NotFound):
    """No named query has the name or number asked for."""


@dataclass(frozen=True)
class Param:
    """A query parameter: its SPARQL variable name, type, default (None = required) and meaning."""

    name: str
    type: ParamType
    default: str | None
    description: str

    @property
    def required(self) -> bool:
        """Whether the caller must give a value (the header's default is ``-``)."""
        return self.default is None


class Column(NamedTuple):
    """A result column: the SPARQL variable the query returns, and what it means."""

    name: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """One competency question as a query: its header and its SPARQL text."""

    name: str  # the file stem, e.g. "01-stage-on-date"
    number: int
    title: dict[str, str] = field(hash=False)  # {"en": ..., "zh": ...}
    params: tuple[Param, ...]
    columns: tuple[Column, ...]
    text: str
    path: Path | None = field(default=None, compare=False)

    @property
    def slug(self) -> str:
        """The name without its number, e.g. "stage-on-date"."""
        return self.name.split("-", 1)[1]

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.params]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def param(self, name: str) -> Param:
        """The parameter called ``name``; raises QueryParameterError if there is none."""
        for param in self.params:
            if param.name == name:
                return param
        raise QueryParameterError(
            f"query {self.name} has no parameter '{name}'" + _known(self.param_names)
        )


def _known(names: list[str]) -> str:
    return f" (its parameters: {', '.join(names)})" if names else " (it takes no parameters)"


def _body_without_comments(text: str) -> str:
    """The SPARQL with its comments removed (a rough cut, enough to look for variables)."""
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("#"):
            continue
        lines.append(line)
    return "\n".join(lines)


def parse_query(text: str, name: str, path: Path | None = None) -> NamedQuery:
    """Read a query file's header and check it against the file name and the SPARQL.

    Raises QueryDefinitionError saying what is wrong.
    """
    where = str(path) if path else name
    match = _FILE_NAME.match(name)
    if not match:
        raise QueryDefinitionError(f"{where}: the file name must look like NN-short-name.rq")
    header: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            break
        if not line.startswith("#"):
            break
        parsed = _HEADER_LINE.match(line)
        if not parsed:
            raise QueryDefinitionError(f"{where}: cannot read header line {line!r}")
        header.append((parsed["key"], parsed["value"]))
    number: int | None = None
    titles: dict[str, str] = {}
    params: list[Param] = []
    columns: list[Column] = []
    for key, value in header:
        if key == "question":
            if not value.isdigit():
                raise QueryDefinitionError(f"{where}: question number {value!r} is not a number")
            number = int(value)
        elif key == "title":
            titles["en"] = value
        elif key.startswith("title@"):
            titles[key.split("@", 1)[1]] = value
        elif key == "param":
            params.append(_parse_param(value, where))
        elif key == "column":
            parts = [p.strip() for p in value.split("|", 1)]
            if len(parts) != 2 or not _VARIABLE_NAME.match(parts[0]) or not parts[1]:
                raise QueryDefinitionError(
                    f"{where}: a column is written 'name | description', not {value!r}"
                )
            columns.append(Column(parts[0], parts[1]))
        else:
            raise QueryDefinitionError(f"{where}: unknown header key '{key}'")
    if number is None:
        raise QueryDefinitionError(f"{where}: the header has no '# question: N' line")
    if number != int(match["number"]):
        raise QueryDefinitionError(
            f"{where}: the header says question {number} but the file name says {match['number']}"
        )
    for lang in ("en", "zh"):
        if not titles.get(lang):
            raise QueryDefinitionError(f"{where}: the header has no title in '{lang}'")
    if not columns:
        raise QueryDefinitionError(f"{where}: the header lists no columns")
    for names, what in (
        ([p.name for p in params], "parameter"),
        ([c.name for c in columns], "column"),
    ):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise QueryDefinitionError(f"{where}: {what} listed twice: {', '.join(duplicates)}")
    body = _body_without_comments(text)
    column_names = {c.name for c in columns}
    for param in params:
        if not re.search(rf"[?$]{re.escape(param.name)}\b", body):
            raise QueryDefinitionError(
                f"{where}: parameter '{param.name}' is not used as ?{param.name} in the query"
            )
        if param.name not in column_names:
            raise QueryDefinitionError(
                f"{where}: parameter '{param.name}' must also be a column: the query has to "
                "return it for its value to be substituted"
            )
    return NamedQuery(
        name=name,
        number=number,
        title=titles,
        params=tuple(params),
        columns=tuple(columns),
        text=text,
        path=path,
    )


# The value of a query's ``case`` parameter that asks every case at once: the parameter is then
# left unbound, and the rows of all cases come back together, told apart by their ``case`` column.
EVERY_CASE = "*"


def _parse_param(value: str, where: str) -> Param:
    parts = [p.strip() for p in value.split("|", 3)]
    if len(parts) != 4:
        raise QueryDefinitionError(
            f"{where}: a parameter is written 'name | type | default | description', not {value!r}"
        )
    name, type_name, default, description = parts
    if not _VARIABLE_NAME.match(name):
        raise QueryDefinitionError(f"{where}: '{name}' cannot be a SPARQL variable name")
    try:
        param_type = ParamType(type_name)
    except ValueError:
        known = ", ".join(t.value for t in ParamType)
        raise QueryDefinitionError(
            f"{where}: parameter '{name}' has unknown type '{type_name}' (known: {known})"
        ) from None
    param = Param(name, param_type, None if default in ("", REQUIRED) else default, description)
    if param.default is not None and not (name == "case" and param.default == EVERY_CASE):
        try:
            to_term(param, param.default)
        except QueryParameterError as error:
            raise QueryDefinitionError(f"{where}: bad default: {error}") from None
    return param


def load_queries(folder: Path | str | None = None) -> dict[str, NamedQuery]:
    """Every named query in ``folder`` (by default the package's queries), by name, in order."""
    folder = Path(folder) if folder is not None else paths.QUERIES_DIR
    queries: dict[str, NamedQuery] = {}
    numbers: dict[int, str] = {}
    for path in sorted(folder.glob("*.rq")):
        query = parse_query(path.read_text(encoding="utf-8"), path.stem, path)
        if query.number in numbers:
            raise QueryDefinitionError(
                f"{path}: question {query.number} is also answered by {numbers[query.number]}"
            )
        numbers[query.number] = query.name
        queries[query.name] = query
    return dict(sorted(queries.items(), key=lambda item: item[1].number))


@cache
def _bundled_queries() -> dict[str, NamedQuery]:
    return load_queries()


def get_query(
    name_or_number: str | int, queries: Mapping[str, NamedQuery] | None = None
) -> NamedQuery:
    """A named query by number (1, "1", "01"), file stem ("01-stage-on-date") or name without
    its number ("stage-on-date"). Raises UnknownQueryError listing what exists."""
    queries = _bundled_queries() if queries is None else queries
    key = str(name_or_number).strip()
    if key.endswith(".rq"):
        key = key[: -len(".rq")]
    for query in queries.values():
        if key in (query.name, query.slug) or (key.isdigit() and int(key) == query.number):
            return query
    known = ", ".join(queries)
    shown = str(name_or_number)
    shown = shown if len(shown) <= 80 else shown[:77] + "…"
    raise UnknownQueryError(f"no query called '{shown}' (known: {known})")


MAX_PARAM_CHARS = 2000  # longer than any IRI, date, number or search text a query needs


def to_term(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term a string stands for, as the parameter's type says; raises
    QueryParameterError when it does not fit. (An int, Decimal or date is taken as its text.)"""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | dt.date):
        raise QueryParameterError(
            f"parameter '{param.name}' must be given as text, not {type(value).__name__}"
        )
    if isinstance(value, dt.datetime):
        raise QueryParameterError(f"parameter '{param.name}' must be a date, not a date and time")
    value = value.isoformat() if isinstance(value, dt.date) else str(value)
    if len(value) > MAX_PARAM_CHARS:
        raise QueryParameterError(
            f"parameter '{param.name}' is {len(value):,} characters long; "
            f"the limit is {MAX_PARAM_CHARS:,}"
        )
    if param.type is ParamType.IRI:
        if not is_absolute_iri(value):
            raise QueryParameterError(
                f"parameter '{param.name}' must be an absolute IRI such as "
                f"https://w3id.org/dataflywheel/case/hangzhou, not {value!r}"
            )
        try:
            return ox.NamedNode(value)
        except ValueError as error:
            raise QueryParameterError(
                f"parameter '{param.name}' is not a valid IRI: {value!r} ({error})"
            ) from None
    if param.type is ParamType.DATE:
        try:
            if not DAY.match(value):
                raise ValueError
            dt.date.fromisoformat(value)
        except ValueError:
            raise QueryParameterError(
                f"parameter '{param.name}' must be a date written YYYY-MM-DD, not {value!r}"
            ) from None
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if param.type is ParamType.INTEGER:
        if not INTEGER.match(value):
            raise QueryParameterError(
                f"parameter '{param.name}' must be a whole number, not {value!r}"
            )
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if param.type is ParamType.DECIMAL:
        try:
            if not DECIMAL.match(value):
                raise InvalidOperation
            number = Decimal(value)
        except InvalidOperation:
            raise QueryParameterError(
                f"parameter '{param.name}' must be a decimal number such as 2.5, not {value!r}"
            ) from None
        return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
    if param.type is ParamType.BOOLEAN:
        if value not in ("true", "false"):
            raise QueryParameterError(
                f"parameter '{param.name}' must be true or false, not {value!r}"
            )
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "boolean"))
    return ox.Literal(value)


def bind(
    query: NamedQuery, values: Mapping[str, str] | None = None
) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """The substitutions for running ``query``: every parameter as a typed RDF term.

    Values not given (or given empty) take the header's default; ``case`` given as
    :data:`EVERY_CASE` (``*``) is left unbound, asking every case. Raises QueryParameterError for
    an unknown parameter, a missing required one, or a value that does not fit its type.
    """
    values = dict(values or {})
    unknown = sorted(set(values) - set(query.param_names))
    if unknown:
        raise QueryParameterError(
            f"query {query.name} has no parameter {', '.join(repr(u) for u in unknown)}"
            + _known(query.param_names)
        )
    bound: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        value = values.get(param.name)
        if value is None or value == "":
            if param.default is None:
                raise QueryParameterError(
                    f"query {query.name} needs a value for parameter '{param.name}' "
                    f"({param.type.value}: {param.description})"
                )
            value = param.default
        if param.name == "case" and value == EVERY_CASE:
            continue
        bound[ox.Variable(param.name)] = to_term(param, value)
    return bound


def _plain(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def bound(value: str | None) -> str:
    """A value (from :func:`run`) the query binds in every row, as its pattern matches the
    variable: never None."""
    if value is None:  # pragma: no cover - a query whose pattern changed, not its input
        raise RuntimeError("a query left a variable unbound that it always binds")
    return value


def run(
    store: CaseStore | ox.Store,
    query: NamedQuery | str | int,
    values: Mapping[str, str] | None = None,
) -> list[dict[str, str | None]]:
    """Run a named query on a case store (any backend) or a raw pyoxigraph Store, and return
    its rows as plain strings.

    IRIs come back as their IRI, literals as their lexical value, unbound cells as None; each row
    has every variable the query returns, in the query's order.
    """
    if not isinstance(query, NamedQuery):
        query = get_query(query)
    substitutions = bind(query, values)
    if not isinstance(store, ox.Store):
        result = store.query(query.text, {v.value: t for v, t in substitutions.items()})
        if result.boolean is not None or not result.variables:
            raise QueryDefinitionError(f"query {query.name} is not a SELECT query")
        return [{n: _plain(row.get(n)) for n in result.variables} for row in result.rows]
    # the stub asks for a dict of every term type (invariant); one of IRIs and literals is one
    results = store.query(query.text, substitutions=substitutions)  # type: ignore[arg-type]
    if not isinstance(results, ox.QuerySolutions):
        raise QueryDefinitionError(f"query {query.name} is not a SELECT query")
    variables = [variable.value for variable in results.variables]
    return [{name: _plain(solution[name]) for name in variables} for solution in results]
