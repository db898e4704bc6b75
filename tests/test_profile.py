"""profile show | update."""

from __future__ import annotations

from tests.support.cli import CliFn
from tests.support.store import store_dump


def test_profile_update_changes_only_given_fields(cli: CliFn, make_account) -> None:
    acct = make_account("acme", industry="internet", contact_name="Li Lei")
    result = cli(
        "profile",
        "update",
        "--account",
        "acme",
        "--region",
        "Hangzhou",
        "--description",
        "Group billing",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    updated = result.json
    assert updated["region"] == "Hangzhou"
    assert updated["description"] == "Group billing"
    assert updated["industry"] == "internet"
    assert updated["contact_name"] == "Li Lei"
    assert updated["updated_at"] > acct["updated_at"]
    shown = cli("profile", "show", "--account", acct["id"], "--json").json
    assert shown == updated


def test_profile_account_from_environment(cli: CliFn, make_account) -> None:
    make_account("acme")
    result = cli("profile", "show", "--json", env={"GUANCE_BILLING_ACCOUNT": "acme"})
    assert result.exit_code == 0
    assert result.json["username"] == "acme"


def test_profile_without_account_explains_how_to_pick_one(cli: CliFn, make_account) -> None:
    make_account("acme")
    result = cli("profile", "show", "--json")
    assert result.exit_code == 2
    assert "account use" in result.error["message"]


def test_profile_update_refusals_change_nothing(cli: CliFn, make_account, home) -> None:
    make_account("acme")
    before = store_dump(home)
    nothing = cli("profile", "update", "--account", "acme")
    assert nothing.exit_code == 2
    assert "nothing to update" in nothing.stderr
    blank = cli("profile", "update", "--account", "acme", "--company-name", " ", "--json")
    assert blank.exit_code == 2
    assert blank.error["field"] == "company_name"
    industry = cli("profile", "update", "--account", "acme", "--industry", "x", "--json")
    assert industry.exit_code == 2
    assert industry.error["field"] == "industry"
    # longer than the wire's 16: the service's words, not a ValidationError (exit 1)
    language = cli("profile", "update", "--account", "acme", "--language", "\U0001f984" * 50)
    assert language.exit_code == 2, language.stderr
    assert language.stderr.startswith("error: ") and "internal error" not in language.stderr
    unknown = cli("profile", "update", "--account", "nobody", "--region", "x", "--json")
    assert unknown.exit_code == 3
    assert store_dump(home) == before


def test_profile_human_output(cli: CliFn, make_account) -> None:
    make_account("acme")
    result = cli("profile", "update", "--account", "acme", "--contact-name", "Han Meimei")
    assert result.exit_code == 0
    assert "Profile updated." in result.stderr
    assert "Han Meimei" in result.stdout
