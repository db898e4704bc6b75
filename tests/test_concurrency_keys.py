"""Keys that match the store (issue 19): on several hosts, one host with a wrong key must
not break the chain for everyone. The store records its key's fingerprint; a process with
another key refuses before writing (exit 10); ``doctor`` says so; ``keys rotate`` moves
the store to a new key without breaking the chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from guance_billing_cli.keys import derive as keys
from tests.support.cli import CliFn
from tests.support.store import StoreDB, store_dump

pytestmark = pytest.mark.local_only  # the key is the local process's (a server: its host's)

OTHER = "9" * 64


def _fingerprint(value: str) -> str:
    return keys.fingerprint(bytes.fromhex(value))


def test_a_write_with_another_key_is_refused_and_changes_nothing(
    cli: CliFn, make_account, home: Path, store_db: StoreDB
) -> None:
    make_account("acme")
    stored = store_db.scalar("SELECT value FROM audit_meta WHERE name = 'key_fingerprint'")
    assert stored and stored.startswith("kfp_")
    assert keys.configured_fingerprint()[0] == stored  # type: ignore[index]
    assert OTHER not in store_db.dump() and stored != _fingerprint(OTHER)
    before = store_dump(home)
    result = cli(
        "profile", "update", "--account", "acme", "--region", "Oregon", "--json",
        env={"GUANCE_BILLING_SECRET_KEY": OTHER},
    )  # fmt: skip
    assert result.exit_code == 10, result.stderr
    message = result.error["message"]
    assert stored in message and _fingerprint(OTHER) in message
    assert "environment (GUANCE_BILLING_SECRET_KEY)" in message
    assert "keys rotate" in message
    assert OTHER not in result.stderr + result.stdout
    assert store_dump(home) == before
    # the rightful key still writes, and the chain is whole
    assert cli("profile", "update", "--account", "acme", "--region", "Oregon").exit_code == 0
    assert cli("audit", "verify").exit_code == 0


def test_doctor_checks_the_key_the_newest_links_and_disk_space(
    cli: CliFn, make_account, store_db: StoreDB
) -> None:
    make_account("acme")
    make_account("globex")
    ok = cli("doctor", "--json")
    findings = {f["check"]: f for f in ok.json["findings"]}
    assert (
        findings["store key"]["ok"] is True
        and "matches the store" in findings["store key"]["detail"]
    )
    assert findings["audit trail"]["ok"] is True
    assert "newest 2 links verify" in findings["audit trail"]["detail"]
    assert findings["disk space"]["ok"] is True and "GiB free" in findings["disk space"]["detail"]
    wrong = cli("doctor", "--json", env={"GUANCE_BILLING_SECRET_KEY": OTHER})
    assert wrong.exit_code == 10
    findings = {f["check"]: f for f in wrong.json["findings"]}
    assert findings["store key"]["ok"] is False
    assert _fingerprint(OTHER) in findings["store key"]["detail"]
    assert findings["audit trail"]["ok"] is False  # the links do not verify under it
    # an edited event among the newest is reported by doctor
    store_db.execute("UPDATE audit_events SET target = 'forged' WHERE id = 2")
    edited = cli("doctor", "--json")
    findings = {f["check"]: f for f in edited.json["findings"]}
    assert findings["audit trail"]["ok"] is False
    assert "event 2" in findings["audit trail"]["detail"]


def test_a_server_with_another_key_refuses_to_start(
    cli: CliFn, make_account, backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guance_billing_cli.errors import Unavailable
    from guance_billing_cli.server.app import Backend

    make_account("acme")
    monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", OTHER)
    with pytest.raises(Unavailable) as raised:
        Backend(backend.store_url)
    assert _fingerprint(OTHER) in raised.value.message
    assert raised.value.reason == "store_key_mismatch"


def test_the_first_write_records_the_key_once(cli: CliFn, make_account, store_db: StoreDB) -> None:
    make_account("acme")
    make_account("globex")
    rows = store_db.column("SELECT value FROM audit_meta WHERE name = 'key_fingerprint'")
    assert rows == [keys.configured_fingerprint()[0]]  # type: ignore[index]


def test_keys_rotate_moves_the_store_without_breaking_the_chain(
    cli: CliFn, make_account, home: Path, tmp_path: Path, store_db: StoreDB, monkeypatch
) -> None:
    make_account("acme")
    checkpoints = tmp_path / "checkpoints"
    assert cli("audit", "checkpoint", "--dir", str(checkpoints)).exit_code == 0
    started = cli("email", "change", "--account", "acme", "--new-email", "new@acme.com", "--json")
    assert started.exit_code == 0, started.stderr
    old = keys.configured_fingerprint()[0]  # type: ignore[index]
    new_file = tmp_path / "new.key"
    rotated = cli("keys", "rotate", "--new-key-file", str(new_file), "--generate", "--json")
    assert rotated.exit_code == 0, rotated.stderr
    done = rotated.json
    assert done["old_fingerprint"] == old and done["new_key_file_created"] is True
    assert done["codes_voided"] == 1  # the email change's open code, and it says so
    assert new_file.stat().st_mode & 0o777 == 0o600
    new_key = new_file.read_text().strip()
    assert done["new_fingerprint"] == _fingerprint(new_key)
    assert new_key not in store_db.dump()
    assert store_db.column("SELECT state FROM challenges") == ["voided"]
    # the old key now writes nothing
    stale = cli("profile", "update", "--account", "acme", "--region", "Oregon")
    assert stale.exit_code == 10 and done["new_fingerprint"] in stale.stderr
    # under the new key: writes continue the chain, which verifies whole, checkpoints too
    monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", new_key)
    assert cli("profile", "update", "--account", "acme", "--region", "Oregon").exit_code == 0
    assert cli("audit", "checkpoint", "--dir", str(checkpoints)).exit_code == 0
    verified = cli("audit", "verify", "--checkpoints", str(checkpoints), "--json")
    assert verified.exit_code == 0, verified.stderr
    assert verified.json["ok"] is True and verified.json["checkpoints"] == 2
    assert store_db.scalar("SELECT count(*) FROM audit_events WHERE action = 'keys.rotate'") == 1
    # a second rotation: both old segments still verify under the newest key alone
    newer = tmp_path / "newer.key"
    assert cli("keys", "rotate", "--new-key-file", str(newer), "--generate").exit_code == 0
    monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", newer.read_text().strip())
    assert cli("account", "create", "--username", "globex", "--company-name", "Globex",
               "--email", "ops@globex.com", "--phone", "+8613800138009").exit_code == 0  # fmt: skip
    assert cli("audit", "verify", "--checkpoints", str(checkpoints)).exit_code == 0
    # the same key again is refused, nothing changed
    again = cli("keys", "rotate", "--new-key-file", str(newer))
    assert again.exit_code == 6 and "already" in again.stderr
