"""Issue 22: no secret on argv. The documented way to point a server at PostgreSQL put
the database password in ``--store postgresql+psycopg://user:PASSWORD@…``, visible to
every user of the machine in ``ps``. The URL now comes from a 0600 file
(``GUANCE_BILLING_STORE_FILE``), the environment, or libpq's own ``PGPASSFILE``; a
real server started that way shows no password in any process's command line."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.servers import env_for, start

pytestmark = [
    pytest.mark.slow,
    pytest.mark.local_only,
]  # the slow tier: attacks on a real server process

PASSWORD = "S3cret-Argv-Pw-7f3a"


def _with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user.split(':')[0]}:{PASSWORD}@{host}"


def _argv_holding(secret: str) -> list[str]:
    """Every process on this machine whose command line holds ``secret`` (``ps``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if secret in argv:
            found.append(f"{entry.name}: {argv[:200]}")
    return found


def test_the_scan_sees_a_password_on_argv() -> None:
    """The control: the old, documented way is caught by the same scan."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)", "--store", f"x:{PASSWORD}@db"]
    )
    try:
        deadline = time.monotonic() + 10
        while not _argv_holding(PASSWORD) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _argv_holding(PASSWORD)
    finally:
        proc.kill()
        proc.wait()


def test_a_server_on_postgresql_shows_no_password_in_ps(pg_store: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    secret_file = tmp_path / "store-url"
    secret_file.write_text(_with_password(pg_store) + "\n")
    secret_file.chmod(0o600)
    env = env_for(
        home, GUANCE_BILLING_STORE_FILE=str(secret_file), GUANCE_BILLING_SECRET_KEY="ab" * 32
    )
    migrated = subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", "server", "migrate", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    assert PASSWORD not in migrated.stdout + migrated.stderr
    server = start(home, "--workers", "2", env=env)
    try:
        assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
        answer = httpx.post(
            server.url + "/v1/auth/login",
            json={"email": "nobody@acme.com", "password": "Wr0ng-Passw0rd!"},
            timeout=30,
        )
        assert answer.status_code == 401  # the store answered: it was reached
        time.sleep(1)  # both workers are up by now
        assert _argv_holding(PASSWORD) == []
    finally:
        server.stop()
    assert PASSWORD not in server.log.read_text()
    # and it was PostgreSQL that served: the failed login is counted there
    import psycopg

    with psycopg.connect(pg_store.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        (failures,) = conn.execute("SELECT count(*) FROM throttle_failures").fetchone()  # type: ignore[misc]
    assert failures >= 1


def test_a_store_file_others_can_read_is_refused(tmp_path: Path) -> None:
    secret_file = tmp_path / "store-url"
    secret_file.write_text(f"postgresql+psycopg://billing:{PASSWORD}@db.invalid/billing\n")
    secret_file.chmod(0o644)
    env = env_for(tmp_path / "home", GUANCE_BILLING_STORE_FILE=str(secret_file))
    result = subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", "server", "migrate"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "chmod 600" in lines[0], result.stderr
    assert PASSWORD not in result.stderr + result.stdout
