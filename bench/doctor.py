"""`doctor`'s store checks on one engine (issue 20): `python bench/doctor.py [--pg URL]`.

``run_checks`` opens one ``client/maintenance.StoreReads`` for the whole run: its
engine is opened by the first check that reads the store (schema revision, whether
it takes writes, the recorded key, the newest audit links) and shared by the rest.
The baseline, measured in the same run, gives every check a ``StoreReads`` of its own
(an engine, and a connection, per check: what `doctor` did before). Rounds alternate
so a noisy machine shifts both; the median time of one ``run_checks`` is reported with
the engines and database connections each run opened, and the ratio. A SQLite store
in a temporary home, and PostgreSQL too with ``--pg URL`` (or
``GUANCE_BILLING_TEST_PG_URL``; an empty database: the store's key is made in this run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def _store(url: str) -> None:
    """A store at head with a few accounts (so the audit trail has links to verify)."""
    from guance_billing_cli.client.connect import store_client
    from guance_billing_cli.config import resolve_settings
    from guance_billing_cli.schemas.accounts import AccountCreate

    client = store_client(url, settings=resolve_settings(store=url), migrate=True)
    try:
        for n in range(20):
            name = f"doc{os.getpid()}x{n}"
            client.create_account(
                AccountCreate(
                    username=name,
                    company_name="Doctor",
                    email=f"{name}@example.com",
                    phone=f"+8613{os.getpid() % 10000:04d}{n:05d}",
                )
            )
    finally:
        client.close()


def measure(url: str, rounds: int) -> dict[str, tuple[float, int, int]]:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from guance_billing_cli.cli.toolkit import doctor_checks
    from guance_billing_cli.client import maintenance
    from guance_billing_cli.config import resolve_settings
    from guance_billing_cli.store import engine as store_engine

    _store(url)
    settings = resolve_settings(store=url)
    counts = {"engines": 0, "connections": 0}
    create = store_engine.create_store_engine

    def counting(*args: Any, **kwargs: Any) -> Any:
        counts["engines"] += 1
        return create(*args, **kwargs)

    def connected(*_args: Any) -> None:
        counts["connections"] += 1

    store_engine.create_store_engine = counting  # type: ignore[assignment]
    event.listen(Engine, "connect", connected)
    shared = maintenance.StoreReads

    class PerCheck:
        """The baseline: each check gets a ``StoreReads`` (an engine) of its own."""

        def __init__(self, store_url: str) -> None:
            self.store_url = store_url
            self.opened: list[Any] = []

        def __enter__(self) -> PerCheck:
            return self

        def __exit__(self, *exc: object) -> None:
            for reads in self.opened:
                reads.close()

        def __getattr__(self, name: str) -> Any:
            reads = shared(self.store_url)
            self.opened.append(reads)
            return getattr(reads, name)

    variants = {"one engine per run": shared, "one engine per check": PerCheck}
    samples: dict[str, list[float]] = {label: [] for label in variants}
    seen: dict[str, tuple[int, int]] = {}
    try:
        for _ in range(rounds):
            for label, reads in variants.items():
                maintenance.StoreReads = reads  # type: ignore[misc]
                counts.update(engines=0, connections=0)
                started = time.perf_counter()
                findings = doctor_checks.run_checks(settings)
                samples[label].append(time.perf_counter() - started)
                bad = [f.to_dict() for f in findings if not f.ok and f.check != "keyring"]
                assert not bad, bad
                seen[label] = (counts["engines"], counts["connections"])
    finally:
        maintenance.StoreReads = shared  # type: ignore[misc]
        store_engine.create_store_engine = create
        event.remove(Engine, "connect", connected)
    return {k: (statistics.median(v) * 1000, *seen[k]) for k, v in samples.items()}


def _report(name: str, url: str, rounds: int) -> None:
    results = measure(url, rounds)
    for label, (ms, engines, connections) in results.items():
        print(
            f"{name:10} {label:22} {ms:7.1f} ms per doctor run  "
            f"{engines} engine(s), {connections} connection(s)"
        )
    ratio = results["one engine per check"][0] / results["one engine per run"][0]
    print(f"{name:10} per check / per run: {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--pg", default=os.environ.get("GUANCE_BILLING_TEST_PG_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GUANCE_BILLING_HOME"] = tmp
        _report("sqlite", f"sqlite:///{Path(tmp) / 'billing.db'}", args.rounds)
        if args.pg:
            _report("postgresql", args.pg, args.rounds)


if __name__ == "__main__":
    main()
