"""Keys that match the store (issue 19): on several hosts, one host with a wrong key must
not break the chain for everyone. The store records its key's fingerprint; a process with
another key refuses before writing (exit 10); ``doctor`` says so; ``keys rotate`` moves
the store to a new key without breaking the chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CliFn, StoreDB, store_dump
from guance_billing_cli import keys

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
