"""Cost of the schema guard (issue 21): `python bench/schema_guard.py [--pg URL]`.

Every write transaction reads ``alembic_version`` once, after ``BEGIN IMMEDIATE``
(``store/engine.py``, ``install_schema_guard``). This measures, in the same run,
the same write (``profile update`` through ``LocalClient``, exactly what a server
request runs: one transaction, its audit event) with the guard and with it
switched off (the ``schema_guard=False`` execution option), alternating rounds
so a noisy machine shifts both, and reports the median time per write and the
difference: the guard's cost per request. PostgreSQL too with ``--pg URL`` (or
``GUANCE_BILLING_TEST_PG_URL``); the database must be empty or at head.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def measure(url: str, writes: int, rounds: int) -> tuple[float, float]:
    from guance_billing_cli.client.local import LocalClient
    from guance_billing_cli.config import resolve_settings
    from guance_billing_cli.schemas.accounts import AccountCreate, ProfileUpdate
    from guance_billing_cli.store import engine as store_engine

    store_engine.open_store(url, migrate=True).dispose()
    client = LocalClient(url, settings=resolve_settings(store=url))
    name = f"guard{os.getpid()}"
    client.create_account(
        AccountCreate(
            username=name,
            company_name="Guard",
            email=f"{name}@example.com",
            phone="+8613800138000",
        )
    )
    guarded = dict(store_engine.WRITE)
    unguarded = {**guarded, "schema_guard": False}
    samples: dict[bool, list[float]] = {True: [], False: []}
    n = 0
    for _ in range(rounds):
        for on in (True, False):
            store_engine.WRITE.clear()
            store_engine.WRITE.update(guarded if on else unguarded)
            started = time.perf_counter()
            for _ in range(writes):
                n += 1
                client.update_profile(name, ProfileUpdate(region=f"R{n}"))
            samples[on].append((time.perf_counter() - started) / writes * 1e6)
    store_engine.WRITE.clear()
    store_engine.WRITE.update(guarded)
    client.close()
    return statistics.median(samples[True]), statistics.median(samples[False])


def measure_query(url: str, n: int = 2000) -> tuple[float, float]:
    """The guard's own work: an empty write transaction with and without it (us each)."""
    from guance_billing_cli.store import engine as store_engine

    engine = store_engine.open_store(url, migrate=True)
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(5):
        for on in (True, False):
            options = {**store_engine.WRITE, "schema_guard": on}
            started = time.perf_counter()
            for _ in range(n // 5):
                with engine.connect() as conn:
                    conn = conn.execution_options(**options)
                    with conn.begin():
                        pass
            times[on].append((time.perf_counter() - started) / (n // 5) * 1e6)
    engine.dispose()
    return statistics.median(times[True]), statistics.median(times[False])


def report(label: str, on: float, off: float) -> None:
    print(
        f"{label:<11} write with guard {on:8.0f} us   without {off:8.0f} us   "
        f"guard costs {on - off:+6.0f} us per write ({(on / off - 1) * 100:+.1f}%)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=100, help="writes per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pg", default=os.environ.get("GUANCE_BILLING_TEST_PG_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GUANCE_BILLING_HOME"] = tmp
        os.environ.setdefault("GUANCE_BILLING_SECRET_KEY", "ab" * 32)
        on, off = measure(f"sqlite:///{Path(tmp) / 'billing.db'}", args.writes, args.rounds)
        report("SQLite", on, off)
        report("  empty txn", *measure_query(f"sqlite:///{Path(tmp) / 'billing.db'}"))
        if args.pg:
            on, off = measure(args.pg, args.writes, args.rounds)
            report("PostgreSQL", on, off)
            report("  empty txn", *measure_query(args.pg))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
