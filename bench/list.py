"""List benchmark (DESIGN §6): `.venv/bin/python bench/list.py` (also part of `make bench`).

`workspace list --json` over 10,000 and 100,000 workspaces of one billing account
on a local SQLite store: wall time and peak RSS of the CLI process (read with
`getrusage(RUSAGE_CHILDREN)` in a small wrapper process, so each measurement is of
one run only). Targets: peak RSS <= 150 MB at 100k and time linear in rows; the
two sizes give the line (start-up seconds + microseconds per row).

The workspaces are inserted with plain sqlite3 after the account is created
through the CLI: the set-up is not what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import BENCH_ACCOUNT, like_an_install

PY = sys.executable
BIN = Path(PY).parent / "guance-billing"
RSS_LIMIT_MB = 150

WRAPPER = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
with open(sys.argv[1], "wb") as out:
    subprocess.run(sys.argv[2:], stdout=out, check=True)
wall = time.perf_counter() - start
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def cli_cmd(*args: str) -> list[str]:
    return [str(BIN), *args] if BIN.exists() else [PY, "-m", "guance_billing_cli", *args]


def make_store(home: Path, rows: int) -> None:
    env = {**os.environ, "GUANCE_BILLING_HOME": str(home), "NO_COLOR": "1"}
    out = subprocess.run(
        cli_cmd(
            *BENCH_ACCOUNT,
            "--json",
        ),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    account_id = json.loads(out.stdout)["id"]
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    sites = ("cn1", "cn2", "cn4", "cn6", "us1", "eu1", "ap1", "za1", "id1")
    with sqlite3.connect(home / "billing.db") as conn:
        conn.executemany(
            "INSERT INTO workspaces (id, account_id, name, site, settlement, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, 'billing_center', ?, ?)",
            (
                (f"wksp_{n:07d}", account_id, f"Workspace {n}", sites[n % len(sites)], now, now)
                for n in range(rows)
            ),
        )


def measure(home: Path, out_file: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `workspace list --json`."""
    env = {**os.environ, "GUANCE_BILLING_HOME": str(home), "NO_COLOR": "1"}
    for name in ("GUANCE_BILLING_SERVER", "GUANCE_BILLING_STORE"):
        env.pop(name, None)
    cmd = [
        PY,
        "-c",
        WRAPPER,
        str(out_file),
        *cli_cmd("workspace", "list", "--account", "bench", "--json"),
    ]
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    wall, rss_kb = done.stdout.split()
    return float(wall), int(rss_kb) / 1024


def main() -> int:
    like_an_install()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    work = Path(tempfile.mkdtemp(prefix="gb-bench-list-"))
    results: dict[int, tuple[float, float]] = {}
    try:
        for size in sizes:
            home = work / f"home{size}"
            start = time.perf_counter()
            make_store(home, size)
            setup = time.perf_counter() - start
            out_file = work / f"list{size}.json"
            runs = [measure(home, out_file) for _ in range(args.runs)]
            wall = min(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            with open(out_file, encoding="utf-8") as fh:
                count = len(json.load(fh))
            assert count == size, (count, size)
            results[size] = (wall, rss)
            print(
                f"{size:>8} workspaces: {wall:7.3f} s  peak RSS {rss:6.1f} MB  "
                f"({size / wall:,.0f} rows/s; set-up {setup:.1f} s)"
            )
        failed = any(rss > RSS_LIMIT_MB for _, rss in results.values())
        if len(sizes) >= 2:
            small, large = sizes[0], sizes[-1]
            ratio = results[large][0] / results[small][0]
            per_row = (results[large][0] - results[small][0]) / (large - small)
            fixed = results[small][0] - per_row * small
            print(
                f"time ratio {large}/{small}: {ratio:.2f}; linear fit: {fixed:.2f} s start-up "
                f"+ {per_row * 1e6:.1f} us/row"
            )
        print(f"peak RSS target <= {RSS_LIMIT_MB} MB: {'MISSED' if failed else 'ok'}")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
