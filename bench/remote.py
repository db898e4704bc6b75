"""Remote benchmark (issue 6): run with `python bench/remote.py [--pg URL]`.

1. Client start-up: remote `profile show --json` against a running server, median
   wall time, beside `python -c "import httpx, pydantic"` (target <= 1.3x).
2. Server: requests/s and p50/p99 latency at 16 concurrent keep-alive clients over
   loopback, uvicorn with 2 workers, for an authenticated `profile show` (GET) and a
   single-workspace `bind` (POST), beside a FastAPI hello-world endpoint (also 2
   workers) measured in the same run. Targets (issue 12): reads >= 60% of
   hello-world's requests/s; one-workspace bind p99 <= 300 ms, on every store.
   On SQLite always; on PostgreSQL too with --pg URL or GUANCE_BILLING_TEST_PG_URL
   (a fresh database is created there and dropped afterwards).

Loopback only; request counts are bounded (--requests, --binds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from common import BENCH_ACCOUNT, like_an_install

PY = sys.executable
BIN = Path(PY).parent / "guance-billing"
CONCURRENCY = 16
READ_SHARE_TARGET = 0.6
BIND_P99_TARGET_MS = 300
HELLO_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}
"""


def cli_cmd(*args: str) -> list[str]:
    return [str(BIN), *args] if BIN.exists() else [PY, "-m", "guance_billing_cli", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


@contextmanager
def serve(cmd: list[str], env: dict[str, str], port: int, ready: str) -> Iterator[None]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, ready, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def run(env: dict[str, str], *args: str, input: str | None = None) -> str:
    out = subprocess.run(
        cli_cmd(*args), env=env, input=input, capture_output=True, text=True, check=False
    )
    if out.returncode not in (0,):
        raise SystemExit(f"{' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out.stdout


# -- a minimal keep-alive HTTP/1.1 load generator (the client must not be the bottleneck) --


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    await reader.readexactly(length)
    return int(status_line.split()[1])


def build(method: str, path: str, token: str | None, body: bytes = b"") -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    if body or method != "GET":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _load(ports: list[int], requests: list[bytes]) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for raw in requests:
        queue.put_nowait(raw)

    async def worker(port: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                raw = queue.get_nowait()
                start = time.perf_counter()
                status = await _request(reader, writer, raw)
                latencies.append((time.perf_counter() - start) * 1000)
                errors += status != 200
        finally:
            writer.close()

    start = time.perf_counter()
    # clients spread over the servers (several servers behind a balancer: issue 19)
    await asyncio.gather(*(worker(ports[i % len(ports)]) for i in range(CONCURRENCY)))
    return time.perf_counter() - start, latencies, errors


def load(port: int | list[int], requests: list[bytes]) -> dict[str, float]:
    ports = port if isinstance(port, list) else [port]
    asyncio.run(_load(ports, requests[: CONCURRENCY * 2]))  # warm-up: connections, caches
    wall, latencies, errors = asyncio.run(_load(ports, requests))
    latencies.sort()
    return {
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": errors,
        "n": len(latencies),
    }


def row(name: str, m: dict[str, float], hello: dict[str, float] | None = None) -> str:
    share = f"{m['rps'] / hello['rps'] * 100:5.0f}%" if hello else "     -"
    return (
        f"{name:<34}{m['rps']:>9.0f}{m['p50']:>9.1f}{m['p99']:>9.1f}{share:>9}"
        f"{int(m['errors']):>7}{int(m['n']):>7}"
    )


def measure_store(
    label: str, store: str, home: Path, args: argparse.Namespace, servers: int = 1
) -> list[str]:
    """One store behind one server (2 workers), or behind ``servers`` servers of one
    worker each on the same database (issue 19: the several-servers set-up)."""
    env = {**os.environ, "GUANCE_BILLING_HOME": str(home), "NO_COLOR": "1"}
    for key in ("GUANCE_BILLING_SERVER", "GUANCE_BILLING_TOKEN", "GUANCE_BILLING_STORE", "CI"):
        env.pop(key, None)
    run(env, "--store", store, "server", "migrate")
    created = json.loads(
        run(
            env,
            "--store",
            store,
            "server",
            "token",
            "create",
            "--name",
            "bench",
            "--role",
            "support",
            "--json",
        )
    )
    token = created["token"]
    ports = [free_port() for _ in range(servers)]
    port = ports[0]
    url = f"http://127.0.0.1:{port}"
    workers = "2" if servers == 1 else "1"
    lines = []
    with ExitStack() as running:
        for p in ports:
            cmd = cli_cmd("server", "run", "--store", store, "--port", str(p), "--workers",
                          workers, "--no-access-log", "--remind-every", "0")  # fmt: skip
            running.enter_context(serve(cmd, env, p, "/healthz"))
        renv = {**env, "GUANCE_BILLING_SERVER": url, "GUANCE_BILLING_TOKEN": token}
        acct = json.loads(
            run(
                renv,
                *BENCH_ACCOUNT,
                "--json",
            )
        )
        renv["GUANCE_BILLING_ACCOUNT"] = acct["id"]
        rows_csv = "id,name,site\n" + "".join(
            f"wksp_b{i:05d},WS {i},cn1\n" for i in range(args.binds)
        )
        run(renv, "workspace", "add", "--from-file", "-", "--json", input=rows_csv)
        cloud = json.loads(
            run(
                renv,
                "cloud",
                "add",
                "--provider",
                "aliyun",
                "--account-id",
                "1234567890123456",
                "--instance-id",
                "cmgj0012345",
                "--json",
            )
        )
        reads = [build("GET", f"/v1/accounts/{acct['id']}", token)] * args.requests
        binds = [
            build(
                "POST",
                f"/v1/cloud-accounts/{cloud['id']}/bind",
                token,
                json.dumps({"items": [{"workspace_id": f"wksp_b{i:05d}"}]}).encode(),
            )
            for i in range(args.binds)
        ]
        # client start-up: one remote read in a fresh process vs its import floor
        if label == "SQLite":
            startup = median_ms(cli_cmd("profile", "show", "--json"), renv, args.runs)
            floor = median_ms([PY, "-c", "import httpx, pydantic"], renv, args.runs)
            lines.append(
                f"remote `profile show --json`: {startup:.1f} ms; "
                f'`python -c "import httpx, pydantic"`: {floor:.1f} ms; '
                f"ratio {startup / floor:.2f} (target <= 1.3) "
                f"{'ok' if startup / floor <= 1.3 else 'MISSED'}"
            )
        read_m = load(ports, reads)
        bind_m = load(ports, binds)
    return [*lines, f"__{label}", json.dumps({"read": read_m, "bind": bind_m})]


def median_ms(cmd: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples[1:])


@contextmanager
def pg_database(base_url: str) -> Iterator[str]:
    import psycopg

    dsn = base_url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"gb_bench_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    like_an_install()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="reads per measurement")
    parser.add_argument("--binds", type=int, default=800, help="single-workspace binds")
    parser.add_argument("--runs", type=int, default=10, help="start-up samples")
    parser.add_argument("--pg", default=os.environ.get("GUANCE_BILLING_TEST_PG_URL"))
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="gb-bench-remote-"))
    try:
        (tmp / "hello_app.py").write_text(HELLO_APP)
        hport = free_port()
        hello_cmd = [
            PY,
            "-m",
            "uvicorn",
            "hello_app:app",
            "--app-dir",
            str(tmp),
            "--port",
            str(hport),
            "--workers",
            "2",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with serve(hello_cmd, dict(os.environ), hport, "/hello"):
            hello = load(hport, [build("GET", "/hello", None)] * args.requests)

        results: dict[str, dict[str, dict[str, float]]] = {}
        notes: list[str] = []
        stores = [("SQLite", f"sqlite:///{tmp / 'sqlite-home' / 'billing.db'}", "sqlite-home")]
        for label, store, home in stores:
            out = measure_store(label, store, tmp / home, args)
            notes += [line for line in out if not line.startswith(("__", "{"))]
            results[label] = json.loads(out[-1])
        if args.pg:
            with pg_database(args.pg) as pg_url:
                out = measure_store("PostgreSQL", pg_url, tmp / "pg-home", args)
                results["PostgreSQL"] = json.loads(out[-1])
            with pg_database(args.pg) as pg_url:  # two servers, one database (issue 19)
                out = measure_store("PG, 2 servers", pg_url, tmp / "pg2-home", args, servers=2)
                results["PG, 2 servers"] = json.loads(out[-1])

        for note in notes:
            print(note)
        print(
            f"\n{CONCURRENCY} concurrent keep-alive clients, loopback, uvicorn --workers 2 "
            "(2 servers: --workers 1 each, clients spread over both)"
        )
        print(
            f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs hello':>9}"
            f"{'errors':>7}{'n':>7}"
        )
        print(row("FastAPI hello-world", hello))
        failed = False
        for label, m in results.items():
            print(row(f"profile show (GET, auth) {label}", m["read"], hello))
            print(row(f"bind 1 workspace (POST) {label}", m["bind"], hello))
        print()
        for label, m in results.items():
            share = m["read"]["rps"] / hello["rps"]
            read_ok = share >= READ_SHARE_TARGET
            bind_ok = m["bind"]["p99"] <= BIND_P99_TARGET_MS and not m["bind"]["errors"]
            failed |= not (read_ok and bind_ok)
            print(
                f"{label}: reads {share * 100:.0f}% of hello-world "
                f"(target >= {READ_SHARE_TARGET * 100:.0f}%) {'ok' if read_ok else 'MISSED'}; "
                f"bind p50 {m['bind']['p50']:.1f} ms, p99 {m['bind']['p99']:.1f} ms "
                f"(target <= {BIND_P99_TARGET_MS} ms) {'ok' if bind_ok else 'MISSED'}"
            )
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
