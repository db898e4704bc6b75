"""Every test gets its own GUANCE_BILLING_HOME and an in-memory keyring."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from typer.testing import CliRunner

from guance_billing_cli.app import app


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def env_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("GUANCE_BILLING_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("GUANCE_BILLING_") and name != "GUANCE_BILLING_HOME":
            monkeypatch.delenv(name)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield home
    keyring.set_keyring(previous)


@pytest.fixture
def home(env_setup: Path) -> Path:
    return env_setup


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error(self) -> dict[str, Any]:
        return json.loads(self.stderr.strip().splitlines()[-1])["error"]  # type: ignore[no-any-return]


CliFn = Callable[..., Run]


@pytest.fixture
def cli() -> CliFn:
    """Run the CLI in-process: ``cli("account", "list", "--json", input="...")``."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def make_account(cli: CliFn) -> Callable[..., dict[str, Any]]:
    """Create an account through the CLI; returns its JSON."""
    counter = iter(range(1000, 10000))

    def make(username: str = "acme", **fields: str) -> dict[str, Any]:
        n = next(counter)
        args = [
            "account", "create", "--username", username,
            "--company-name", fields.pop("company_name", f"{username.title()} Ltd"),
            "--email", fields.pop("email", f"{username}@example.com"),
            "--phone", fields.pop("phone", f"+86139{n:08d}"),
            "--json",
        ]
        for key, value in fields.items():
            args += [f"--{key.replace('_', '-')}", value]
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        return result.json  # type: ignore[no-any-return]

    return make


def store_dump(home: Path) -> str:
    """The store's content as SQL text, to prove a refusal changed nothing."""
    path = home / "billing.db"
    if not path.exists():
        return ""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())
