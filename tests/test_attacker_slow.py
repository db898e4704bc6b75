"""Issue 22: slow clients are dropped. Against a real ``guance-billing server run``,
an attacker opens 200 connections that never finish: 100 send their headers one
byte at a time (slowloris), 100 send full headers for a login and then trickle the
body. Every one is closed within 30 s, while a normal client keeps getting answers.
(Before: all 200 stayed open for the whole test.) Bounded: about 20 s."""

from __future__ import annotations

import selectors
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.support.servers import start

pytestmark = [
    pytest.mark.slow,
    pytest.mark.local_only,
]  # the slow tier: an attack simulation (slow connections)

SLOW = 100  # of each kind
BOUND = 30.0  # seconds within which every slow connection must be closed
DRIP = 2.0  # seconds between two bytes from a slow client


def test_two_hundred_slow_connections_are_closed_while_others_are_served(
    tmp_path: Path,
) -> None:
    from guance_billing_cli.server import slow_clients

    server = start(tmp_path / "home", "--store", f"sqlite:///{tmp_path / 'b.db'}",
                   "--no-access-log")  # fmt: skip
    host, port = "127.0.0.1", int(server.url.rsplit(":", 1)[1])
    body = b'{"email": "nobody@acme.com", "password": "Wr0ng-Passw0rd!"}' + b" " * 140
    headers_only = f"POST /v1/auth/login HTTP/1.1\r\nHost: {host}\r\n".encode()
    with_body = headers_only + (
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    )
    selector = selectors.DefaultSelector()
    pending: dict[socket.socket, tuple[bytes, float]] = {}  # what is left to send, opened at
    closed: list[float] = []
    answers: list[tuple[int, float]] = []
    try:
        began = time.monotonic()
        for i in range(2 * SLOW):
            sock = socket.create_connection((host, port), timeout=5)
            sock.setblocking(False)
            if i % 2:  # slow headers: one byte at a time, never the blank line
                rest = headers_only + b"X-Pad: " + b"a" * 1000
            else:  # whole headers at once, then the body one byte at a time
                sock.sendall(with_body)
                rest = body
            selector.register(sock, selectors.EVENT_READ)
            pending[sock] = (rest, time.monotonic())
        opened = time.monotonic() - began
        deadline = time.monotonic() + BOUND + 5
        next_drip = next_check = time.monotonic()
        while pending and time.monotonic() < deadline:
            now = time.monotonic()
            if now >= next_drip:  # one more byte from every slow client
                for sock, (rest, at) in list(pending.items()):
                    try:
                        sock.send(rest[:1])
                        pending[sock] = (rest[1:] or rest, at)  # never quite finishing
                    except OSError:
                        _closed(selector, pending, sock, closed)
                next_drip = now + DRIP
            if now >= next_check:  # a normal client is still served meanwhile
                asked = time.monotonic()
                health = httpx.get(server.url + "/healthz", timeout=10)
                answers.append((health.status_code, time.monotonic() - asked))
                next_check = now + 1.0
            for key, _ in selector.select(timeout=0.2):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:  # the server closed it (after a 408)
                    _closed(selector, pending, sock, closed)
    finally:
        for sock in list(pending):
            sock.close()
        selector.close()
        server.stop()
    assert not pending, f"{len(pending)} slow connections still open after {BOUND + 5:.0f} s"
    slowest = max(closed)
    served = [status for status, _ in answers]
    worst = max(latency for _, latency in answers)
    print(
        f"\n{2 * SLOW} slow connections (opened in {opened:.1f} s): all closed, the last "
        f"after {slowest:.1f} s (header deadline {slow_clients.HEADER_TIMEOUT:.0f} s, "
        f"body {slow_clients.BODY_TIMEOUT:.0f} s); meanwhile {len(served)} health checks, "
        f"all {set(served)}, slowest {worst * 1000:.0f} ms"
    )
    assert slowest <= BOUND
    assert served and set(served) == {200}
    assert worst < 5.0


def _closed(
    selector: selectors.BaseSelector,
    pending: dict[socket.socket, tuple[bytes, float]],
    sock: socket.socket,
    closed: list[float],
) -> None:
    _, at = pending.pop(sock)
    closed.append(time.monotonic() - at)
    selector.unregister(sock)
    sock.close()
