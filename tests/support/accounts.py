"""The account set-up, written once: the arguments of ``account create`` for a test
account, and ``AccountMaker`` (the ``make_account`` fixture) that runs them."""

from __future__ import annotations

from itertools import count
from typing import Any

from tests.support.cli import CliFn


def account_args(username: str = "acme", n: int = 0, **fields: str) -> list[str]:
    """``account create`` for ``username``: company "<Username> Ltd", email
    ``<username>@example.com``, phone ``+86139<n:08d>`` unless given; other ``fields``
    become options (``real_name="x"`` -> ``--real-name x``). Ends with ``--json``."""
    args = [
        "account", "create", "--username", username,
        "--company-name", fields.pop("company_name", f"{username.title()} Ltd"),
        "--email", fields.pop("email", f"{username}@example.com"),
        "--phone", fields.pop("phone", f"+86139{n:08d}"),
    ]  # fmt: skip
    for key, value in fields.items():
        args += [f"--{key.replace('_', '-')}", value]
    return [*args, "--json"]


class AccountMaker:
    """``make_account("beta", email="ops@beta.com")``: creates the account through the
    CLI, asserts it worked and returns its JSON; each call gets a new phone number."""

    def __init__(self, cli: CliFn) -> None:
        self.cli = cli
        self.numbers = count(1000)

    def __call__(self, username: str = "acme", **fields: str) -> dict[str, Any]:
        result = self.cli(*account_args(username, next(self.numbers), **fields))
        assert result.exit_code == 0, result.stderr
        return result.json  # type: ignore[no-any-return]
