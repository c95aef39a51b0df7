"""Running the app under uvicorn, with a deadline for a request's headers.

uvicorn waits for a request's headers as long as the client likes (its keep-alive timeout is
cancelled by every byte that arrives), so a client sending one byte a second holds a connection
for ever, and a few hundred of them hold the server ("slowloris"). :class:`HeaderDeadline`
closes a connection whose request headers are not complete within ``header_timeout`` seconds of
the connection opening, or of the previous response ending.

``flywheel serve`` uses it; with ``uvicorn --factory api.app:create_app`` add
``--http api.server:HeaderDeadline``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.app import create_app
from api.settings import Settings

__all__ = ["HeaderDeadline", "Settings", "run"]

_log = logging.getLogger("flywheel.api")


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose headers come too slowly."""

    header_timeout: float = float(os.environ.get("FLYWHEEL_HEADER_TIMEOUT") or 10.0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._waiting_after: object = None  # the request cycle before the awaited headers

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not self._waiting_after:  # a new request's headers have all arrived
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # kept alive (and no pipelined request already begun): the next headers have a deadline
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._waiting_after = self.cycle
        self._header_timer = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is self._waiting_after and not self.transport.is_closing():
            client = self.client[0] if self.client else "?"
            _log.warning(
                "closed a connection from %s: no complete request headers within %g s",
                client,
                self.header_timeout,
            )
            self.transport.close()


def run(settings: Settings, host: str, port: int) -> None:
    """Serve the app on ``host:port`` until interrupted."""
    protocol = type(
        "HeaderDeadline", (HeaderDeadline,), {"header_timeout": settings.header_timeout}
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", http=protocol)
