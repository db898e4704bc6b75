"""Issue 22: one transport. Every HTTP request the CLI makes goes through
``HttpClient`` (TLS verified, no token over plain HTTP except to loopback unless
``--insecure-http``). Completion used its own ``urllib`` request and sent the bearer
token to any ``http://`` server; here a listener on this machine's non-loopback
address stands for such a server and counts what reaches it."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import guance_billing_cli

pytestmark = [pytest.mark.slow, pytest.mark.local_only]  # the slow tier: attack simulations

TOKEN = "gbt_attacker-should-never-see-this-token"


def _outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.123", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


class Trap:
    """A TCP listener that records every connection and the bytes sent on it."""

    def __init__(self, host: str) -> None:
        self.sock = socket.create_server((host, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(65536))
                except OSError:
                    self.received.append(b"")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def _complete(home: Path, server: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(
        GUANCE_BILLING_HOME=str(home),
        GUANCE_BILLING_SERVER=server,
        GUANCE_BILLING_TOKEN=TOKEN,
        GUANCE_BILLING_COMPLETION_BUDGET="3",
        NO_COLOR="1",
    )
    line = " ".join(["guance-billing", *extra, "cloud", "bind", ""])
    return subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", "__complete", "--shell", "bash",
         "--line", line],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_completion_sends_no_token_over_plain_http_to_another_host(tmp_path: Path) -> None:
    host = _outward_address()
    if host is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    trap = Trap(host)
    try:
        refused = _complete(tmp_path, f"http://{host}:{trap.port}")
        assert refused.returncode == 0, refused.stderr  # completion never fails loudly
        assert refused.stderr == "" and TOKEN not in refused.stdout
        assert trap.received == []  # refused before connecting: nothing reached the host
        # told so, the same completion does go there (the trap can see it)
        allowed = _complete(tmp_path, f"http://{host}:{trap.port}", "--insecure-http")
        assert allowed.returncode == 0
    finally:
        trap.close()
    assert len(trap.received) >= 1
    assert f"Bearer {TOKEN}".encode() in trap.received[0]
    assert b"GET /v1/suggest?" in trap.received[0]


def test_only_the_http_client_opens_connections() -> None:
    """No other module of the CLI speaks HTTP by itself: no urllib.request, http.client
    or bare httpx calls outside ``client/http.py`` (the server's SMS webhook, which
    is the server's own outbound delivery, is the one exception)."""
    root = Path(guance_billing_cli.__file__).parent
    allowed = {"client/http.py", "delivery/sms_webhook.py"}
    offenders = []
    for path in root.rglob("*.py"):
        name = path.relative_to(root).as_posix()
        if name in allowed:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names]
                module = getattr(node, "module", None) or ""
                if {"urllib.request", "http.client", "requests"} & {module, *names}:
                    offenders.append(f"{name}:{node.lineno}")
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "httpx"
                and node.attr in ("get", "post", "put", "patch", "delete", "request", "stream",
                                  "Client", "AsyncClient")
            ):  # fmt: skip
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []
