"""Limits before work (issue 12): what a stranger's big body costs the server.

    python bench/limits.py

Starts `guance-billing server run` (SQLite, one worker) on loopback and sends, without
a token, a 50 MB login body and a 100,000-row unbind batch; prints the status and the
server's resident memory before and after (before issue 12: 138 -> 431 MB).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def rss_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("VmRSS")).split()[1]) // 1024


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="gb-bench-limits-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env["GUANCE_BILLING_HOME"] = str(home)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "guance_billing_cli", "server", "run", "--no-access-log",
           "--store", f"sqlite:///{home / 'billing.db'}", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        before = rss_mb(proc.pid)
        big = b'{"email": "' + b"a" * (50 * 1024 * 1024) + b'"}'
        headers = {"Content-Type": "application/json"}
        login = httpx.post(url + "/v1/auth/login", content=big, headers=headers, timeout=120)
        after_login = rss_mb(proc.pid)
        rows = json.dumps({"items": [{"workspace_id": f"w{i}"} for i in range(100_000)]})
        batch = httpx.post(url + "/v1/workspaces/unbind", content=rows, headers=headers)
        after_batch = rss_mb(proc.pid)
        print(f"50 MB login body, no token: HTTP {login.status_code}; "
              f"server RSS {before} MB -> {after_login} MB")  # fmt: skip
        print(f"100,000-row unbind ({len(rows) // 1024} KiB), no token: HTTP {batch.status_code}; "
              f"server RSS -> {after_batch} MB")  # fmt: skip
        ok = login.status_code == 413 and batch.status_code == 401 and after_batch - before < 20
        return 0 if ok else 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
