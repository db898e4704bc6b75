"""Slow clients are dropped: read deadlines for what uvicorn does not bound itself.

uvicorn (0.54, h11) closes an idle keep-alive connection after ``timeout_keep_alive``
but has no deadline for a request's headers: a client that sends one header byte
every few seconds ("slowloris") holds a connection for ever, and a few thousand of
them hold the server. So:

- **headers**: from the moment a connection waits for a request (accepted, or a
  keep-alive connection whose next request has begun) the request line and headers
  must be complete within ``HEADER_TIMEOUT``; else 408 and the connection closes;
- **body**: the gate (``server/gate.py``) reads a body within
  ``body_deadline(declared, limit)`` — ``BODY_TIMEOUT`` plus the time the declared
  size (or the route's limit) takes at ``MIN_BODY_RATE`` — else 408, connection
  closed;
- **a body nobody reads** (a 401 or 413 answered before the body): the client gets
  ``BODY_TIMEOUT`` after the response to finish sending it, then the connection
  closes;
- header size: h11's limit for an incomplete event, ``MAX_HEADER_BYTES``.

``uvicorn_options()`` is what ``server run`` passes to uvicorn.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds for the request line and headers
BODY_TIMEOUT = 15.0  # seconds for a body, plus its size at MIN_BODY_RATE
MIN_BODY_RATE = 128 * 1024  # bytes per second
KEEP_ALIVE = 5  # seconds an idle keep-alive connection stays open (uvicorn's default)
MAX_HEADER_BYTES = 16 * 1024

_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 16\r\nconnection: close\r\n\r\nRequest Timeout\n"
)


def body_deadline(declared: int | None, limit: int) -> float:
    """Seconds a body of ``declared`` bytes (unknown: the route's ``limit``) may take."""
    size = declared if declared is not None else limit
    return BODY_TIMEOUT + min(size, limit) / MIN_BODY_RATE


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline whenever the server waits for the client
    to finish sending: a request's headers, or the rest of a body it did not read."""

    header_timeout = HEADER_TIMEOUT
    drain_timeout = BODY_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm(self.header_timeout)  # the next request on a kept-alive connection
        super().data_received(data)
        if self._deadline is None:
            return
        state = self.conn.their_state
        if self._waiting_for_headers and state is not h11.IDLE:
            self._disarm()  # headers complete: the body's deadline is the gate's
        elif not self._waiting_for_headers and state is h11.IDLE:
            self._arm(self.header_timeout)  # the unread body ended; a next request may begin

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.SEND_BODY:
            self._arm(self.drain_timeout, headers=False)  # an unread body still arriving

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    _waiting_for_headers = False

    def _arm(self, seconds: float, *, headers: bool = True) -> None:
        self._disarm()
        self._waiting_for_headers = headers
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._waiting_for_headers:
            if self.conn.their_state is not h11.IDLE:
                return  # the headers arrived meanwhile
            self.transport.write(_REQUEST_TIMEOUT)  # no response of this cycle began
        self.transport.close()


def uvicorn_options() -> dict[str, Any]:
    """The uvicorn settings that bound slow clients (see the module docstring)."""
    return {
        "http": DeadlineH11Protocol,
        "timeout_keep_alive": KEEP_ALIVE,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }
