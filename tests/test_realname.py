"""realname show | submit | review — every rule through the CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guance_billing_cli.errors import InvalidInput
from guance_billing_cli.services import validation
from tests.support.cli import CliFn
from tests.support.cn_ids import corruptions, valid_ric, valid_uscc
from tests.support.store import active_store, store_dump

TAX_ID = "91110000600037341L"
OTHER_TAX_ID = "91330106MA27XK2C16"  # valid, a different company
ID_NUMBER = "360426199101010071"
PUBLIC_KEYS = {
    "account_id", "status", "type", "name", "tax_id", "id_number", "reason", "license",
    "submitted_at", "reviewed_at",
}  # fmt: skip

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"%" * 64


@pytest.fixture
def acme(make_account, monkeypatch: pytest.MonkeyPatch) -> dict:
    account = make_account("acme", company_name="Acme Ltd")
    monkeypatch.setenv("GUANCE_BILLING_ACCOUNT", "acme")
    return account


def submit_enterprise(cli: CliFn, *extra: str, name: str = "Acme Ltd", tax_id: str = TAX_ID):
    return cli(
        "realname", "submit", "--type", "enterprise", "--name", name, "--tax-id", tax_id,
        *extra, "--json",
    )  # fmt: skip


def audit_rows(home: Path, action_prefix: str) -> list[tuple[str, str, str]]:
    return active_store(home).rows(  # type: ignore[return-value]
        "SELECT action, before, after FROM audit_events WHERE action LIKE :p ORDER BY id",
        p=action_prefix + "%",
    )


def test_show_before_any_submission_is_unverified(cli: CliFn, acme: dict) -> None:
    result = cli("realname", "show", "--json")
    assert result.exit_code == 0, result.stderr
    assert set(result.json) == PUBLIC_KEYS
    assert result.json["status"] == "unverified"
    assert result.json["account_id"] == acme["id"]
    assert result.json["name"] is None


def test_submit_enterprise_goes_pending_and_syncs_the_account(
    cli: CliFn, acme: dict, home: Path
) -> None:
    result = submit_enterprise(cli, name="  Acme Ltd ", tax_id="9111 0000 6000 3734 1l")
    assert result.exit_code == 0, result.stderr
    body = result.json
    assert set(body) == PUBLIC_KEYS
    assert body["status"] == "pending"
    assert body["type"] == "enterprise"
    assert body["name"] == "Acme Ltd"
    assert body["tax_id"] == TAX_ID  # normalized: no spaces, upper case
    assert body["submitted_at"] is not None and body["reviewed_at"] is None
    assert cli("account", "show", "acme", "--json").json["realname_status"] == "pending"
    assert cli("realname", "show", "--json").json == body
    [(action, _before, after)] = audit_rows(home, "realname.")
    assert action == "realname.submit"
    assert json.loads(after)["tax_id"] == TAX_ID


def test_submit_human_output(cli: CliFn, acme: dict) -> None:
    result = cli("realname", "submit", "--type", "enterprise", "--name", "Acme Ltd",
                 "--tax-id", TAX_ID)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "pending" in result.stdout
    assert "Submitted for review" in result.stderr


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        (["--type", "enterprise", "--name", "Acme", "--tax-id", "91110000600037341M"],
         "tax_id", "not a valid Unified Social Credit Code"),
        (["--type", "enterprise", "--name", "Acme", "--tax-id", "9111000060003734"],
         "tax_id", "invalid length"),
        (["--type", "individual", "--name", "Zhang San", "--id-number", "360426199101010072"],
         "id_number", "not a valid resident ID number"),
        (["--type", "company", "--name", "Acme", "--tax-id", TAX_ID],
         "type", "enterprise, individual"),
        (["--type", "enterprise", "--name", "   ", "--tax-id", TAX_ID],
         "name", "must not be blank"),
        (["--type", "enterprise", "--name", "A" * 129, "--tax-id", TAX_ID], "name", "at most 128"),
        (["--type", "enterprise", "--name", "Acme", "--tax-id", TAX_ID, "--id-number", ID_NUMBER],
         "id_number", "--type individual"),
        (["--type", "individual", "--name", "Zhang", "--id-number", ID_NUMBER, "--tax-id", TAX_ID],
         "tax_id", "--type enterprise"),
    ],
)  # fmt: skip
def test_submit_refuses_malformed_input_with_exit_2(
    cli: CliFn, acme: dict, home: Path, args: list[str], field: str, words: str
) -> None:
    before = store_dump(home)
    result = cli("realname", "submit", *args, "--json")
    assert result.exit_code == 2, result.stderr
    assert result.error["field"] == field
    assert words in result.error["message"]
    assert store_dump(home) == before


def test_invalid_id_number_is_not_echoed(cli: CliFn, acme: dict) -> None:
    bad = "360426199101010072"
    result = cli("realname", "submit", "--type", "individual", "--name", "Zhang San",
                 "--id-number", bad)  # fmt: skip
    assert result.exit_code == 2
    assert bad not in result.stderr and bad not in result.stdout


@pytest.mark.parametrize(
    ("missing", "args"),
    [
        ("--type", ["--name", "Acme", "--tax-id", TAX_ID]),
        ("--name", ["--type", "enterprise", "--tax-id", TAX_ID]),
        ("--tax-id", ["--type", "enterprise", "--name", "Acme"]),
        ("--id-number", ["--type", "individual", "--name", "Zhang San"]),
    ],
)
def test_submit_without_terminal_names_the_missing_flag(
    cli: CliFn, acme: dict, missing: str, args: list[str]
) -> None:
    result = cli("realname", "submit", *args, "--json")
    assert result.exit_code == 2
    assert result.error["code"] == "input_required"
    assert missing in result.error["message"]


def test_submit_while_pending_is_refused(cli: CliFn, acme: dict, home: Path) -> None:
    assert submit_enterprise(cli).exit_code == 0
    before = store_dump(home)
    result = submit_enterprise(cli, name="Acme Group")
    assert result.exit_code == 6
    assert "already pending review" in result.error["message"]
    assert store_dump(home) == before


def test_reject_needs_a_reason_then_resubmission_returns_to_pending(cli: CliFn, acme: dict) -> None:
    assert submit_enterprise(cli).exit_code == 0
    no_reason = cli("realname", "review", "--reject", "--json")
    assert no_reason.exit_code == 2
    assert "--reason" in no_reason.error["message"]

    rejected = cli("realname", "review", "--reject", "--reason", "licence unreadable", "--json")
    assert rejected.exit_code == 0, rejected.stderr
    assert rejected.json["status"] == "rejected"
    assert rejected.json["reason"] == "licence unreadable"
    assert rejected.json["reviewed_at"] is not None
    assert cli("account", "show", "acme", "--json").json["realname_status"] == "rejected"

    again = submit_enterprise(cli)
    assert again.exit_code == 0, again.stderr
    assert again.json["status"] == "pending"
    assert again.json["reason"] is None
    assert cli("account", "show", "acme", "--json").json["realname_status"] == "pending"


def test_approve_then_replace_needs_the_flag(cli: CliFn, acme: dict, home: Path) -> None:
    assert submit_enterprise(cli).exit_code == 0
    approved = cli("realname", "review", "--approve", "--json")
    assert approved.exit_code == 0, approved.stderr
    assert approved.json["status"] == "approved"
    assert cli("account", "show", "acme", "--json").json["realname_status"] == "approved"

    before = store_dump(home)
    refused = submit_enterprise(cli, name="Acme Group", tax_id=OTHER_TAX_ID)
    assert refused.exit_code == 6
    assert "--replace" in refused.error["message"]
    assert store_dump(home) == before

    replaced = submit_enterprise(cli, "--replace", name="Acme Group", tax_id=OTHER_TAX_ID)
    assert replaced.exit_code == 0, replaced.stderr
    assert replaced.json["status"] == "pending"
    assert replaced.json["name"] == "Acme Group"
    assert cli("account", "show", "acme", "--json").json["realname_status"] == "pending"
    actions = [row[0] for row in audit_rows(home, "realname.")]
    assert actions == ["realname.submit", "realname.approve", "realname.submit"]


@pytest.mark.parametrize("status", ["unverified", "approved"])
def test_review_needs_a_pending_submission(cli: CliFn, acme: dict, status: str) -> None:
    if status == "approved":
        assert submit_enterprise(cli).exit_code == 0
        assert cli("realname", "review", "--approve").exit_code == 0
    result = cli("realname", "review", "--approve", "--json")
    assert result.exit_code == 6
    assert f"real-name status is {status}, not pending" in result.error["message"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--approve", "--reject", "--reason", "x"], "not both"),
        ([], "missing --approve or --reject"),
        (["--approve", "--reason", "fine"], "--reason goes with --reject"),
    ],
)
def test_review_flag_errors_exit_2(cli: CliFn, acme: dict, args: list[str], words: str) -> None:
    assert submit_enterprise(cli).exit_code == 0
    result = cli("realname", "review", *args, "--json")
    assert result.exit_code == 2
    assert words in result.error["message"]


def test_review_is_a_support_action(acme: dict, home: Path) -> None:
    """An owner (a remote token's role) cannot review, not even its own account."""
    from guance_billing_cli.client.local import LocalClient
    from guance_billing_cli.config import resolve_settings
    from guance_billing_cli.errors import PermissionDenied
    from guance_billing_cli.schemas.realname import RealnameReview
    from guance_billing_cli.services.context import Actor

    settings = resolve_settings()
    owner = LocalClient(
        settings.store_url, settings=settings,
        actor=Actor(name="owner:acme", role="owner", account_id=acme["id"]),
    )  # fmt: skip
    try:
        with pytest.raises(PermissionDenied) as caught:
            owner.review_realname("acme", RealnameReview(decision="approve"))
    finally:
        owner.close()
    assert caught.value.exit_code == 5
    assert "support action" in caught.value.message


def test_individual_id_number_is_masked_everywhere(cli: CliFn, acme: dict, home: Path) -> None:
    masked = "3604**********0071"
    result = cli("realname", "submit", "--type", "individual", "--name", "Zhang San",
                 "--id-number", ID_NUMBER, "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.json["id_number"] == masked
    assert result.json["tax_id"] is None
    table = cli("realname", "show")
    assert masked in table.stdout
    shown = cli("realname", "show", "--json")
    reviewed = cli("realname", "review", "--approve", "--json")
    for out in (result.stdout, table.stdout, shown.stdout, reviewed.stdout):
        assert ID_NUMBER not in out
    db = active_store(home)
    audit_text = "".join(b + a for b, a in db.rows("SELECT before, after FROM audit_events"))
    stored = db.scalar("SELECT id_number FROM realname_submissions")
    assert ID_NUMBER not in audit_text and masked in audit_text
    assert stored == ID_NUMBER  # kept in full for the review itself


@pytest.mark.parametrize(("content", "ext"), [(PNG, ".png"), (JPEG, ".jpg"), (PDF, ".pdf")])
def test_license_is_copied_private_with_name_size_sha256(
    cli: CliFn, acme: dict, home: Path, tmp_path: Path, content: bytes, ext: str
) -> None:
    import hashlib

    source = tmp_path / "scan.bin"  # the name's extension does not matter, the content does
    source.write_bytes(content)
    result = submit_enterprise(cli, "--license", str(source))
    assert result.exit_code == 0, result.stderr
    digest = hashlib.sha256(content).hexdigest()
    assert result.json["license"] == {"name": "scan.bin", "size": len(content), "sha256": digest}
    copy = home / "licenses" / acme["id"] / f"{digest}{ext}"
    assert copy.read_bytes() == content
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"GIF89a" + b"\x00" * 32, "PNG, JPEG or PDF"),
        (b"PNG but not really", "PNG, JPEG or PDF"),
        (b"", "empty"),
    ],
)
def test_license_refused_by_content(
    cli: CliFn, acme: dict, home: Path, tmp_path: Path, content: bytes, words: str
) -> None:
    source = tmp_path / "licence.png"
    source.write_bytes(content)
    before = store_dump(home)
    result = submit_enterprise(cli, "--license", str(source))
    assert result.exit_code == 2
    assert result.error["field"] == "license"
    assert words in result.error["message"]
    assert store_dump(home) == before
    assert not (home / "licenses").exists()


def test_license_over_10_mb_or_missing_is_refused(cli: CliFn, acme: dict, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    with open(big, "wb") as fh:
        fh.write(PNG)
        fh.truncate(10 * 1024 * 1024 + 1)
    result = submit_enterprise(cli, "--license", str(big))
    assert result.exit_code == 2
    assert "larger than 10 MB" in result.error["message"]
    missing = submit_enterprise(cli, "--license", str(tmp_path / "nope.pdf"))
    assert missing.exit_code == 2
    assert "not a readable file" in missing.error["message"]


def test_license_with_individual_is_refused(cli: CliFn, acme: dict, tmp_path: Path) -> None:
    source = tmp_path / "licence.png"
    source.write_bytes(PNG)
    result = cli("realname", "submit", "--type", "individual", "--name", "Zhang San",
                 "--id-number", ID_NUMBER, "--license", str(source), "--json")  # fmt: skip
    assert result.exit_code == 2
    assert "--license goes with --type enterprise" in result.error["message"]


# -- property tests: check characters ------------------------------------------------
@settings(max_examples=60)
@given(valid_uscc())
def test_every_valid_uscc_is_accepted_and_every_corruption_refused(number: str) -> None:
    assert validation.tax_id(number) == number
    assert validation.tax_id(number.lower()) == number
    for bad in corruptions(number):
        with pytest.raises(InvalidInput):
            validation.tax_id(bad)


@settings(max_examples=60)
@given(valid_ric())
def test_every_valid_resident_id_is_accepted_and_every_corruption_refused(number: str) -> None:
    assert validation.resident_id(number) == number
    for bad in corruptions(number):
        with pytest.raises(InvalidInput) as caught:
            validation.resident_id(bad)
        assert bad not in caught.value.message


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(number=valid_uscc(), position=st.integers(min_value=0))
def test_cli_accepts_generated_uscc_and_refuses_a_corruption(
    cli: CliFn, acme: dict, number: str, position: int
) -> None:
    bad = corruptions(number)[position % len(corruptions(number))]
    refused = submit_enterprise(cli, tax_id=bad)
    assert refused.exit_code == 2, (bad, refused.stderr)
    assert refused.error["field"] == "tax_id"
    accepted = submit_enterprise(cli, "--replace", tax_id=number)
    assert accepted.exit_code == 0, accepted.stderr
    assert accepted.json["tax_id"] == number
    assert cli("realname", "review", "--approve").exit_code == 0  # ready for the next example


@settings(max_examples=300)
@given(st.text(max_size=24))
def test_any_text_is_accepted_or_refused_cleanly(value: str) -> None:
    """Never a traceback from the check-character validators, whatever the input."""
    for check, field in ((validation.tax_id, "tax_id"), (validation.resident_id, "id_number")):
        try:
            check(value)
        except InvalidInput as exc:
            assert exc.field == field


# -- interactive: prompts for what the flags did not give ------------------------------
@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch):
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from guance_billing_cli.cli.toolkit.state import AppState

    monkeypatch.setattr(AppState, "interactive", property(lambda self: True))
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def test_interactive_submit_and_reject(cli: CliFn, acme: dict, keys) -> None:
    keys.send_text("\r")  # type: enterprise (the first choice)
    keys.send_text("Acme Ltd\r")
    keys.send_text(f"{TAX_ID}\r")
    submitted = cli("realname", "submit")
    assert submitted.exit_code == 0, submitted.stderr
    assert "pending" in submitted.stdout and TAX_ID in submitted.stdout

    keys.send_text("\x1b[B\r")  # decision: reject (second choice)
    keys.send_text("licence unreadable\r")
    reviewed = cli("realname", "review", "--json")
    assert reviewed.exit_code == 0, reviewed.stderr
    assert reviewed.json["status"] == "rejected"
    assert reviewed.json["reason"] == "licence unreadable"
