"""Property-based tests of the whole API from its own OpenAPI description (schemathesis): every
operation, with generated parameters and bodies, never answers 5xx and answers what it documents
(status codes, content types, JSON schemas).

Reads run against the shared read-only server; writes run with the token against a throwaway
server over a copy of the store (they may remove or replace cases there).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import API_TOKEN
from tests.servers import api_server, marks_its_users

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schemathesis.serializer("application/n-quads", "application/trig")
def _rdf_text(ctx, value) -> bytes:
    """A dataset body (POST /cases) is described as a string: sent as it is, in UTF-8."""
    return value.encode("utf-8") if isinstance(value, str) else bytes(str(value), "utf-8")


@pytest.fixture(scope="module")
def read_schema(api):
    return schemathesis.openapi.from_url(f"{api}/openapi.json").include(method=["GET", "POST"])


@pytest.fixture(scope="module")
@marks_its_users("server")
def write_server(bundled_store, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fuzz-writes")
    shutil.copytree(bundled_store, folder / "store")
    env = {"FLYWHEEL_API_TOKEN": API_TOKEN, "FLYWHEEL_WORKERS": "2", "FLYWHEEL_DEADLINE": "10"}
    with api_server(folder / "store", folder / "server.log", env) as url:
        yield url


@pytest.fixture(scope="module")
def write_schema(write_server):
    return schemathesis.openapi.from_url(f"{write_server}/openapi.json").include(
        method=["PUT", "DELETE"]
    )


def fuzz(schema, headers: dict[str, str] | None = None) -> None:
    """Run every operation of ``schema`` with generated cases; fail listing every operation
    that answered 5xx or not as documented. (A loop rather than ``schema.parametrize()``,
    whose lazy fixture loader does not work with this pytest.)"""
    failures = []
    calls: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:

        @EXAMPLES
        @given(case=operation.as_strategy())
        def check(case) -> None:
            response = case.call_and_validate(checks=CHECKS, headers=headers, timeout=60)
            calls.append(f"{case.operation.label} {response.status_code}")

        try:
            check()
        except Exception as error:  # collect them all, then fail once
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
    assert {c.rsplit(" ", 1)[0] for c in calls} == {o.label for o in operations}


def test_reads_conform(read_schema):
    fuzz(read_schema)


def test_writes_conform(write_schema):
    fuzz(write_schema, {"Authorization": f"Bearer {API_TOKEN}"})


def test_writes_stateful(write_server):
    """Stateful: sequences of calls following the OpenAPI links of ``PUT /cases/{id}`` (to the
    case, its graph, its timeline and its removal), with the token; no call answers 5xx or
    outside what it documents."""
    schema = schemathesis.openapi.from_url(f"{write_server}/openapi.json").include(
        path_regex=r"^/cases/\{case_id\}(/graph|/timeline)?$"
    )
    machine = schema.as_state_machine()

    class Writes(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {API_TOKEN}"}, "timeout": 60}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Writes.TestCase.settings = settings(
        max_examples=8,
        stateful_step_count=4,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    Writes.TestCase().runTest()
