"""The errors flywheel reports, in one hierarchy: each kind carries what it means to a client of
the HTTP API (``status``, and ``problem``, the last part of the problem type's IRI) and to a user
of the command line (``exit_code``).

Exit codes, the same for the same mistake in every command:

* 0 — done;
* 1 — findings: violations in a case, an inconsistent ontology, a case the store refuses because
  another case holds its name;
* 2 — unreadable input or bad use: a file that cannot be read, an invalid or refused query, an
  unknown case or query, a wrong parameter, an input over a limit;
* 3 — the store or the query engine is unavailable (a server that does not answer, a store
  another program holds, a query worker that stopped).

An error crosses from a query worker to the server as itself (:meth:`FlywheelError.__reduce__`),
whatever its constructor takes.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_UNREADABLE",
    "BadInput",
    "Conflict",
    "FlywheelError",
    "LimitExceeded",
    "NotFound",
    "Refused",
    "Unavailable",
]

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def _rebuild(cls: type[FlywheelError], message: str, state: dict[str, Any]) -> FlywheelError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class FlywheelError(Exception):
    """Something flywheel could not do, said in words a scholar understands."""

    status: ClassVar[int] = 500
    problem: ClassVar[str] = "internal"
    exit_code: ClassVar[int] = EXIT_UNAVAILABLE

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), dict(self.__dict__)))


class BadInput(FlywheelError, ValueError):
    """The input cannot be read or used as it is: the user's to mend."""

    status, problem, exit_code = 400, "bad-request", EXIT_UNREADABLE


class LimitExceeded(BadInput):
    """The input is larger than a configured limit."""

    status, problem = 413, "too-large"


class NotFound(FlywheelError, LookupError):
    """No such case, query or resource."""

    status, problem, exit_code = 404, "not-found", EXIT_UNREADABLE


class Refused(FlywheelError):
    """Something flywheel never does, whoever asks (an update on the read-only endpoint)."""

    status, problem, exit_code = 403, "refused", EXIT_UNREADABLE


class Conflict(FlywheelError):
    """The store refuses the change because of what it already holds."""

    status, problem, exit_code = 409, "conflict", EXIT_FINDINGS


class Unavailable(FlywheelError):
    """The store or the query engine cannot answer now."""

    status, problem, exit_code = 503, "store-unavailable", EXIT_UNAVAILABLE


class DeadlineExceeded(FlywheelError):
    """Work that did not finish in the time allowed; it was stopped (the time is a limit the
    user can raise: ``--timeout`` on the command line, the server's deadline over HTTP)."""

    status, problem, exit_code = 504, "deadline-exceeded", EXIT_UNREADABLE

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query did not finish within {seconds:g} s and was stopped")
        self.seconds = seconds

    def __reduce__(self) -> tuple[type, tuple[float]]:
        return (type(self), (self.seconds,))
