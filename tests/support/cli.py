"""One CLI run and the ``cli`` function's type."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.remote import RemoteServer


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


def in_process_cli(remote: RemoteServer | None) -> CliFn:
    """The CLI run in-process (Typer's runner); through ``remote`` when given."""
    from typer.testing import CliRunner

    from guance_billing_cli.app import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        if remote is not None:
            remote.refresh()
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run
