"""Arbitrary text into every option of `account create` and `profile update`:
the exit code is documented, no traceback is printed, and a refusal changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cli import CliFn
from tests.support.store import store_dump

pytestmark = pytest.mark.slow  # the slow tier: hypothesis campaigns

DOCUMENTED = {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 130}

junk = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=600),
    st.sampled_from(
        [
            "",
            " ",
            "-",
            "--json",
            "'; DROP TABLE accounts; --",
            "$(reboot)",
            "+86",
            "@",
            "a@b",
            "+8613800138000",
            "ops@acme.com",
            "acme",
            "x" * 100_000,
        ]
    ),
)

CREATE_FLAGS = [
    "--username",
    "--company-name",
    "--email",
    "--phone",
    "--industry",
    "--region",
    "--description",
    "--contact-name",
]
VALID = {
    "--username": "fuzzed",
    "--company-name": "Fuzz Ltd",
    "--email": "fuzz@example.com",
    "--phone": "+8613900139999",
}


def _invoke(cli: CliFn, args: list[str]) -> tuple[int, str]:
    result = cli(*args)
    return result.exit_code, result.stdout + result.stderr


def _seed(cli: CliFn) -> None:
    if cli("account", "show", "acme", "--json").exit_code in (3, 10):  # 10: no store yet
        code, out = _invoke(
            cli,
            [
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
            ],
        )
        assert code == 0, out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flag=st.sampled_from(CREATE_FLAGS), value=junk, as_json=st.booleans())
def test_account_create_never_breaks(
    cli: CliFn, home, flag: str, value: str, as_json: bool
) -> None:
    _seed(cli)
    before = store_dump(home)
    options = dict(VALID, **{flag: value})
    args = ["account", "create"] + [x for pair in options.items() for x in pair]
    code, out = _invoke(cli, args + (["--json"] if as_json else []))
    assert code in DOCUMENTED
    assert "Traceback" not in out
    if code != 0:
        assert store_dump(home) == before
    else:
        _invoke(cli, ["--no-input", "account", "list"])  # still readable


PROFILE_FLAGS = [
    "--company-name",
    "--industry",
    "--region",
    "--description",
    "--contact-name",
    "--account",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flag=st.sampled_from(PROFILE_FLAGS), value=junk, as_json=st.booleans())
def test_profile_update_never_breaks(
    cli: CliFn, home, flag: str, value: str, as_json: bool
) -> None:
    _seed(cli)
    before = store_dump(home)
    args = ["profile", "update", "--account", "acme", flag, value]
    code, out = _invoke(cli, args + (["--json"] if as_json else []))
    assert code in DOCUMENTED
    assert "Traceback" not in out
    if code != 0:
        assert store_dump(home) == before
