"""Which shell lines carry a secret (kept out of history, masked in --echo)."""

from __future__ import annotations

import pytest

from guance_billing_cli.cli.shell.secrets import TOKEN_PREFIX, carries_secret, masked_line


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("email verify chg_1 --code 123456", "email verify chg_1 --code '***'"),
        ("email verify chg_1 --code=123456 --json", "email verify chg_1 '--code=***' --json"),
        ("realname submit --type individual --name 'Li Lei' --id-number 11010519491231002X",
         "realname submit --type individual --name 'Li Lei' --id-number '***'"),
        ("auth login --password hunter2", "auth login --password '***'"),
        ("auth login --password-file=p.txt", "auth login '--password-file=***'"),
        ("--server https://b.example --token gbt_abc profile show",
         "--server https://b.example --token '***' profile show"),
        ("profile show # gbt_pasted_by_mistake", "profile show"),
        ("config set store postgresql+psycopg://app:s3cret@db/billing",
         "config set store '***'"),
        ("cloud bind cld_1 gbt_abc", "cloud bind cld_1 '***'"),
    ],
)  # fmt: skip
def test_secrets_are_found_and_masked(line: str, masked: str) -> None:
    assert carries_secret(line)
    assert masked_line(line) == masked


@pytest.mark.parametrize(
    "line",
    [
        "email verify chg_1 --code-stdin",
        "account create --username acme --password-stdin",
        "workspace show ws_alpha1",
        "config set store postgresql+psycopg://app@db/billing",
        "profile update --description 'the code is in the safe'",
    ],
)
def test_lines_without_a_secret(line: str) -> None:
    assert not carries_secret(line)
    assert masked_line(line) == line


def test_an_unreadable_line_with_a_secret_is_hidden_whole() -> None:
    line = "email verify chg_1 --code 123456 --name 'unclosed"
    assert carries_secret(line)
    assert masked_line(line) == "***"
    assert not carries_secret("profile update --region 'unclosed")


def test_token_prefix_matches_the_token_service() -> None:
    from guance_billing_cli.services.tokens import TOKEN_PREFIX as issued

    assert issued == TOKEN_PREFIX
