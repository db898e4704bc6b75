"""Real processes: the console entry point, lazy imports, never waiting for input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("sqlmodel", "sqlalchemy", "httpx", "questionary", "fastapi", "alembic")


def run(
    *args: str,
    env_extra: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def test_python_dash_m_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("guance-billing ")


def test_help_and_version_do_not_import_the_heavy_stack() -> None:
    probe = (
        "import sys, json\n"
        "from guance_billing_cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "for args in (['--help'], ['--version'], ['account', '--help'],\n"
        "             ['profile', 'update', '--help']):\n"
        "    r = CliRunner().invoke(app, args)\n"
        "    assert r.exit_code == 0, r.output\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_missing_input_without_a_terminal_fails_at_once() -> None:
    result = run("account", "create", "--username", "acme", timeout=30)
    assert result.returncode == 2
    assert "missing --company-name" in result.stderr


def test_ci_variable_disables_prompts_even_with_flags_missing() -> None:
    result = run("account", "create", env_extra={"CI": "true"}, timeout=30)
    assert result.returncode == 2
    assert "missing --username" in result.stderr


def test_full_round_trip_in_processes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    created = run(
        "account",
        "create",
        "--username",
        "acme",
        "--company-name",
        "Acme",
        "--email",
        "ops@acme.com",
        "--phone",
        "+8613800138000",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    shown = run("account", "show", "ops@acme.com", "--json")
    assert json.loads(shown.stdout)["id"] == json.loads(created.stdout)["id"]
    missing = run("account", "show", "nobody", "--json")
    assert missing.returncode == 3
    assert json.loads(missing.stderr)["error"]["code"] == "not_found"
