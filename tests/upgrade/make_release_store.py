"""Make the stores of the previous release (0.1.0, commit a443865) that
``tests/test_upgrade.py`` migrates: run ONCE, by hand, when the fixture changes.

    git archive a443865 | tar -x -C /tmp/gb-0.1.0
    eval "$(scripts/pg-test-server.sh start /tmp/pg-fixture)"
    .venv/bin/python tests/upgrade/make_release_store.py /tmp/gb-0.1.0

It runs that release's own CLI (its source on PYTHONPATH, this venv's libraries,
which it accepts) to write a SQLite store and a PostgreSQL database through every
kind of write it had: accounts (with and without a password), a profile update,
an email and a phone change left open (awaiting a code), real-name authentication
submitted and approved, invoice titles, addresses and a request, cloud accounts,
workspaces bound to one, an API token — each with its audit events. It writes
``release-0.1.0.db`` and ``release-0.1.0.pg.sql`` (``pg_dump --inserts``) here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
USCC = "91350100M000100Y43"  # a valid Unified Social Credit Code


def run(old: Path, home: Path, store: str, *args: str, stdin: str | None = None) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(old / "src"),
        "GUANCE_BILLING_HOME": str(home),
        "GUANCE_BILLING_STORE": store,
        "CI": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", *args, "--json"],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"{args}: exit {done.returncode}: {done.stderr}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


def fill(old: Path, home: Path, store: str) -> None:
    def cli(*args: str, stdin: str | None = None) -> dict:
        return run(old, home, store, *args, stdin=stdin)

    accounts = []
    for i, name in enumerate(("acme", "globex", "initech")):
        args = [
            "account", "create", "--username", name, "--company-name", f"{name.title()} Ltd",
            "--email", f"ops@{name}.com", "--phone", f"+86138001380{i:02d}",
            "--region", "Hangzhou",
        ]  # fmt: skip
        if name == "acme":
            accounts.append(cli(*args, "--password-stdin", stdin="Str0ng-Pass!word\n"))
        else:
            accounts.append(cli(*args))
    cli("profile", "update", "--account", "acme", "--description", "first customer")
    cli("email", "change", "--account", "acme", "--new-email", "billing@acme.com")
    cli("phone", "change", "--account", "globex", "--new-phone", "+8613900139000")
    cli("realname", "submit", "--account", "acme", "--type", "enterprise",
        "--name", "Acme Ltd", "--tax-id", USCC)  # fmt: skip
    cli("realname", "review", "--account", "acme", "--approve")
    title = cli("invoice", "title", "add", "--account", "acme", "--type", "vat_ordinary",
                "--title", "Acme Ltd", "--tax-id", USCC)  # fmt: skip
    address = cli("invoice", "address", "add", "--account", "acme", "--recipient", "Li Lei",
                  "--phone", "+8613800138000", "--email", "ap@acme.com",
                  "--address", "1 West Lake Road, Hangzhou")  # fmt: skip
    cli("invoice", "request", "--account", "acme", "--title-id", title["id"],
        "--address-id", address["id"], "--amount", "1234.50")  # fmt: skip
    cloud = cli("cloud", "add", "--account", "acme", "--provider", "aliyun",
                "--account-id", "1234567890123456", "--instance-id", "inst-001")  # fmt: skip
    cli("cloud", "add", "--account", "globex", "--provider", "aws", "--account-id", "123456789012")
    for n in range(6):
        cli("workspace", "add", "--account", "acme", "--id", f"ws_acme_{n}",
            "--name", f"Acme {n}", "--site", "cn1")  # fmt: skip
    cli("workspace", "add", "--account", "globex", "--id", "ws_globex_0",
        "--name", "Globex", "--site", "us1")  # fmt: skip
    cli("cloud", "bind", cloud["id"], "ws_acme_0", "ws_acme_1", "ws_acme_2")
    cli("server", "token", "create", "--name", "ci-bind", "--role", "owner",
        "--account", "acme", "--scope", "bindings")  # fmt: skip


def main() -> int:
    old = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = home / "billing.db"
        fill(old, home, f"sqlite:///{db}")
        target = HERE / "release-0.1.0.db"
        target.unlink(missing_ok=True)
        import sqlite3

        src = sqlite3.connect(db)
        dst = sqlite3.connect(target)
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.execute("VACUUM")
        src.close()
        dst.close()
        pg = os.environ.get("GUANCE_BILLING_TEST_PG_URL")
        if not pg:
            print("no GUANCE_BILLING_TEST_PG_URL: PostgreSQL fixture not made")
            return 0
        dsn = pg.replace("postgresql+psycopg://", "postgresql://")
        base, _, _ = dsn.rpartition("/")
        subprocess.run(
            ["psql", dsn, "-qc", "DROP DATABASE IF EXISTS gb_release_fixture"], check=True
        )
        subprocess.run(["psql", dsn, "-qc", "CREATE DATABASE gb_release_fixture"], check=True)
        url = f"{base}/gb_release_fixture".replace("postgresql://", "postgresql+psycopg://")
        os.environ["GUANCE_BILLING_SECRET_KEY"] = "00" * 32
        run(old, home, url, "server", "migrate")
        fill(old, home / "pg", url)
        dump = subprocess.run(
            ["pg_dump", "--inserts", "--no-owner", "--no-privileges", f"{base}/gb_release_fixture"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (HERE / "release-0.1.0.pg.sql").write_text(dump)
        subprocess.run(["psql", dsn, "-qc", "DROP DATABASE gb_release_fixture"], check=True)
        shutil.rmtree(home / "pg", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
