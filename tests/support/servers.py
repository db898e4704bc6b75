"""Real servers for the tests that need one listening on 127.0.0.1:

- ``start_live_server(app)``: the backend's app under uvicorn in a thread (``LiveServer``);
- ``spawn_server(...)`` + ``wait_healthy(...)``: ``guance-billing server run`` as a real
  process (its own options, workers, logging, argv); ``stop(proc)`` ends it;
- ``start(home, *args)``: both at once, the log in ``home/server.log`` (``Server``);
- ``start_server(tmp_path)``: a server on a SQLite store plus the CLI as its client and
  as its operator (``RealServer``).
"""

from __future__ import annotations

import json
import mailbox
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from tests.support.mail import body as mail_body


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the app under uvicorn in a thread of the test process ----------------------------


@dataclass
class LiveServer:
    """The backend's FastAPI app under a real uvicorn on 127.0.0.1, for subprocesses."""

    url: str
    server: Any
    thread: Any

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_live_server(asgi_app: Any) -> LiveServer:
    import uvicorn

    port = free_port()
    config = uvicorn.Config(asgi_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)


# -- `guance-billing server run` as a process ---------------------------------------


def env_for(home: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without GUANCE_BILLING_* and CI, for ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(GUANCE_BILLING_HOME=str(home), NO_COLOR="1", **extra)
    env.pop("CI", None)
    return env


def spawn_server(
    *args: str,
    env: dict[str, str],
    stdout: int | IO[Any] | None = subprocess.DEVNULL,
    stderr: int | IO[Any] | None = subprocess.PIPE,
) -> tuple[subprocess.Popen[bytes], str]:
    """``server run --host 127.0.0.1 --port <free> ARGS``; returns the process and its URL
    (not waited for: see ``wait_healthy``)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guance_billing_cli", "server", "run",
         "--host", "127.0.0.1", "--port", str(port), *args],
        env=env, stdout=stdout, stderr=stderr,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(
    proc: subprocess.Popen[bytes], url: str, timeout: float = 60, log: Path | None = None
) -> None:
    """Until ``/healthz`` answers 200; a server that exits or never answers is killed
    and fails the test with its stderr (or ``log``)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            exited = proc.poll()
            stop(proc)
            if log is not None:
                err = log.read_text(errors="replace")
            else:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise AssertionError(f"server did not start (exit {exited}): {err[-2000:]}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes]) -> int:
    """SIGTERM, then SIGKILL after 15 s; returns the exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> int:
        return stop(self.proc)


def start(home: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """``server run ARGS`` on a free port; waits for /healthz. The log is stdout+stderr."""
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    with open(log, "wb") as out:
        proc, url = spawn_server(
            *args, env=env or env_for(home), stdout=out, stderr=subprocess.STDOUT
        )
    wait_healthy(proc, url, timeout=60, log=log)
    return Server(url, proc, log)


# -- a real server with the CLI as its client (end-to-end tests) ----------------------


@dataclass
class Proc:
    code: int
    out: str
    err: str

    @property
    def json(self):  # type: ignore[no-untyped-def]
        return json.loads(self.out)


@dataclass
class RealServer:
    """`server run` on a SQLite store in ``home``; ``run`` is the CLI as a client of it
    (its own home), ``admin`` the CLI on the server's store (the host's operator)."""

    url: str
    home: Path
    store: str
    client_home: Path

    def run(
        self, *args: str, input: str | None = None, token: str | None = None, server: bool = True
    ) -> Proc:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
        env.update(
            GUANCE_BILLING_HOME=str(self.client_home),
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            NO_COLOR="1",
        )
        env.pop("CI", None)
        if server:
            env["GUANCE_BILLING_SERVER"] = self.url
        if token:
            env["GUANCE_BILLING_TOKEN"] = token
        proc = subprocess.run(
            [sys.executable, "-m", "guance_billing_cli", *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        return Proc(proc.returncode, proc.stdout, proc.stderr)

    def admin(self, *args: str) -> Proc:
        """A command on the server's store (as the server host's operator)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
        env.update(GUANCE_BILLING_HOME=str(self.home), NO_COLOR="1")
        proc = subprocess.run(
            [sys.executable, "-m", "guance_billing_cli", "--store", self.store, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        return Proc(proc.returncode, proc.stdout, proc.stderr)

    def last_code(self, to: str) -> str:
        box = mailbox.Maildir(self.home / "outbox" / "mail", create=False)
        messages = [m for m in box if to in str(m["To"])]
        assert messages, f"no mail to {to}"
        latest = max(messages, key=lambda m: m.get_date())
        body = mail_body(latest)
        return re.findall(r"\b\d{6}\b", body)[-1]


def start_server(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], RealServer]:
    """``server run`` on ``tmp_path/server-home``'s SQLite store; waits for /healthz."""
    home = tmp_path / "server-home"
    store = f"sqlite:///{home / 'billing.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env["GUANCE_BILLING_HOME"] = str(home)
    proc, url = spawn_server("--store", store, "--no-access-log", *extra, env=env)
    wait_healthy(proc, url, timeout=30)
    return proc, RealServer(url, home, store, tmp_path / "client-home")
