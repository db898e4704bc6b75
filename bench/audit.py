"""Audit verification benchmark (issue 13): `.venv/bin/python bench/audit.py`.

`audit verify` over 100,000 events on a local SQLite store, end to end (a fresh CLI
process), with and without checking against signed checkpoints. Target: under 3 s.

Baseline, measured in the same run: a plain Python process that opens the same file
with `sqlite3`, reads every event and recomputes the same digests and HMAC links —
the work itself with no ORM, no CLI and no checkpoint comparison. The ratio says
what the tool adds on top of that floor.

Set-up (not measured): one account created through the CLI (so the store, its key
and its schema are real), then N-1 events appended with `sqlite3`, linked with the
store's own key through ``audit_proof``, and a checkpoint signed by the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import like_an_install

PY = sys.executable
BIN = Path(PY).parent / "guance-billing"
TARGET_S = 3.0

BASELINE = r"""
import hashlib, hmac, json, sqlite3, sys
from datetime import UTC, datetime
key = bytes.fromhex(sys.argv[2])
compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
conn = sqlite3.connect(sys.argv[1])
previous, n = "0" * 64, 0
for row in conn.execute(
    "SELECT id, at, account_id, actor, actor_role, action, target, before, after, "
    "request_id, ci_run, hash FROM audit_events ORDER BY id"
):
    at = datetime.fromisoformat(row[1]).replace(tzinfo=UTC).isoformat(timespec="microseconds")
    body = hashlib.sha256(compact(list(row[3:11])).encode()).hexdigest()
    entry = hashlib.sha256(compact([row[0], at, row[2], body]).encode()).digest()
    link = hmac.digest(key, previous.encode() + entry, "sha256").hex()
    assert link == row[11], row[0]
    previous, n = link, n + 1
print(n)
"""


def cli_cmd(*args: str) -> list[str]:
    return [str(BIN), *args] if BIN.exists() else [PY, "-m", "guance_billing_cli", *args]


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    return {**env, "GUANCE_BILLING_HOME": str(home), "NO_COLOR": "1"}


def make_store(home: Path, events: int) -> None:
    """A store of ``events`` keyed events, created as the tool would have written them."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ["GUANCE_BILLING_HOME"] = str(home)
    from guance_billing_cli.audit import proof as audit_proof
    from guance_billing_cli.keys import derive as keys

    subprocess.run(
        cli_cmd(
            *("account", "create", "--username", "bench", "--company-name", "Bench Ltd"),
            *("--email", "bench@example.com", "--phone", "+8613800138000", "--json"),
        ),
        env=env_for(home),
        check=True,
        capture_output=True,
    )
    key = keys.purpose_key("audit-chain", create=False)
    conn = sqlite3.connect(home / "billing.db")
    (previous,) = conn.execute("SELECT hash FROM audit_events WHERE id = 1").fetchone()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(2, events + 1):
        at = start + timedelta(seconds=n)
        before, after = '{"region": ""}', json.dumps({"region": f"Region {n}"}, sort_keys=True)
        body = ("local:bench", "support", "profile.update", "acc_bench", before, after, None, None)
        canonical_at = audit_proof.canonical_time(at)
        entry = audit_proof.entry_digest(
            n, canonical_at, "acc_bench", audit_proof.body_digest(body)
        )
        link = audit_proof.link(key, previous, entry)
        stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f")
        rows.append((n, stamp, *body[:4], "acc_bench", *body[4:], previous, link))
        previous = link
    conn.executemany(
        "INSERT INTO audit_events (id, at, actor, actor_role, action, target, account_id, "
        "before, after, request_id, ci_run, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()


@dataclass
class Timing:
    wall: float  # seconds, best of the runs
    cpu: float  # user + system seconds of that run: what contention does not inflate


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str], runs: int) -> tuple[Timing, str]:
    best, out = Timing(float("inf"), 0.0), ""
    for _ in range(runs):
        cpu, start = _cpu(), time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        elapsed, used = time.perf_counter() - start, _cpu() - cpu
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[-4:])} failed: {proc.stderr.strip()}")
        if elapsed < best.wall:
            best, out = Timing(elapsed, used), proc.stdout
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="best of N runs each")
    args = parser.parse_args()
    like_an_install()
    home = Path(tempfile.mkdtemp(prefix="gb-bench-audit-"))
    try:
        t0 = time.perf_counter()
        make_store(home, args.events)
        env = env_for(home)
        checkpoints = home / "checkpoints"
        subprocess.run(
            cli_cmd("audit", "checkpoint", "--dir", str(checkpoints)),
            env=env,
            check=True,
            capture_output=True,
        )
        print(f"set-up: {args.events:,} events + 1 checkpoint in {time.perf_counter() - t0:.1f} s")
        from guance_billing_cli.keys import derive as keys

        key = keys.purpose_key("audit-chain", create=False).hex()
        db = str(home / "billing.db")
        base, out = timed([PY, "-c", BASELINE, db, key], env, args.runs)
        assert int(out) == args.events
        plain, out = timed(cli_cmd("audit", "verify", "--json"), env, args.runs)
        assert json.loads(out)["checked"] == args.events
        with_cps, out = timed(
            cli_cmd("audit", "verify", "--checkpoints", str(checkpoints), "--json"),
            env,
            args.runs,
        )
        assert json.loads(out)["checkpoints"] == 1
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        rows = [("baseline: sqlite3 + the same digests/HMAC", base)]
        rows += [("audit verify", plain), ("audit verify --checkpoints DIR", with_cps)]
        for name, value in rows:
            verdict = "OK" if value.wall < TARGET_S else "OVER"
            print(
                f"{name:<42} {args.events:,} events: wall {value.wall:5.2f} s "
                f"({value.wall / base.wall:.2f}x), cpu {value.cpu:5.2f} s "
                f"({value.cpu / base.cpu:.2f}x); target < {TARGET_S:.0f} s: {verdict}"
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
