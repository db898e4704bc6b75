"""audit export + audit verify --file: an auditor checks an export with the public key alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from guance_billing_cli.audit import proof as audit_proof
from tests.support.cli import CliFn


@pytest.fixture
def exported(cli: CliFn, make_account, tmp_path: Path) -> tuple[Path, Path]:
    """An export of acme's events (2 of 7) and the public key, in files."""
    for name in ("acme", "globex", "initech"):
        make_account(name)
    assert cli("audit", "checkpoint", "--dir", str(tmp_path / "cps")).exit_code == 0
    for name in ("acme", "globex"):
        assert cli("profile", "update", "--account", name, "--region", "Oregon").exit_code == 0
    assert cli("audit", "checkpoint", "--dir", str(tmp_path / "cps")).exit_code == 0
    assert cli("profile", "update", "--account", "acme", "--region", "Paris").exit_code == 0
    export, key = tmp_path / "acme.jsonl", tmp_path / "audit.pub"
    result = cli("audit", "export", "--account", "acme", "--output", str(export))
    assert result.exit_code == 0, result.stderr
    assert "Exported 2 events (3 withheld)" in result.stderr
    assert "1 matching events are newer than the newest checkpoint" in result.stderr
    assert cli("audit", "public-key", "--output", str(key)).exit_code == 0
    return export, key


def test_offline_verification_needs_only_the_export_and_the_public_key(
    exported: tuple[Path, Path], tmp_path: Path
) -> None:
    export, key = exported
    auditor_home = tmp_path / "auditor"  # another machine: no store, no secret key, no server
    env = {"PATH": os.environ["PATH"], "GUANCE_BILLING_HOME": str(auditor_home), "NO_COLOR": "1"}
    args = ["audit", "verify", "--file", str(export), "--public-key", str(key), "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert (report["events"], report["withheld"], report["checkpoints"]) == (2, 3, 2)
    assert report["first_event_id"] == 1
    assert report["last_event_id"] == 4
    assert report["filter"]["account_id"].startswith("acc_")
    assert not auditor_home.exists()  # neither a store nor a key was created


def test_the_export_holds_no_secret(exported: tuple[Path, Path], home: Path) -> None:
    export, _key = exported
    text = export.read_text()
    # the master key: the environment's on PostgreSQL backends, else the 0600 key file
    secret = os.environ.get("GUANCE_BILLING_SECRET_KEY") or (
        next(home.rglob("secret.key")).read_text().strip()
    )
    assert secret not in text
    assert "PRIVATE KEY" not in text
    kinds = [json.loads(line)["kind"] for line in text.splitlines()]
    assert kinds[:3] == ["export", "checkpoint", "checkpoint"]
    assert set(kinds[3:-1]) == {"event", "withheld"}
    assert kinds[-1] == "end"


def _rewrite(export: Path, change: Callable[[list[dict[str, Any]]], None]) -> None:
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    change(lines)
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _hide_event(lines: list[dict[str, Any]]) -> None:
    """Turn acme's second event into a 'withheld' line, with a correct digest."""
    index = [i for i, line in enumerate(lines) if line["kind"] == "event"][1]
    event = lines[index]
    body = audit_proof.body_digest(audit_proof.event_body(event))
    lines[index] = {
        "kind": "withheld",
        "id": event["id"],
        "at": event["at"],
        "account_id": event["account_id"],
        "body_digest": body,
    }


def _edit_event(lines: list[dict[str, Any]]) -> None:
    next(line for line in lines if line["kind"] == "event")["actor"] = "local:mallory"


def _drop_withheld(lines: list[dict[str, Any]]) -> None:
    lines.remove(next(line for line in lines if line["kind"] == "withheld"))


def _forge_checkpoint(lines: list[dict[str, Any]]) -> None:
    lines[1]["statement"]["event_count"] += 1


def _swap_events(lines: list[dict[str, Any]]) -> None:
    lines[3], lines[4] = lines[4], lines[3]


@pytest.mark.parametrize(
    ("change", "event", "words"),
    [
        (_edit_event, 1, "is not what checkpoint 1 recorded"),
        (_drop_withheld, 3, "is not what checkpoint 1 recorded"),
        (_swap_events, 2, "is not what checkpoint 1 recorded"),
        (_hide_event, 4, "withheld although it matches the export's filter"),
        (_forge_checkpoint, None, "signature does not verify"),
    ],
    ids=["edited", "dropped", "swapped", "hidden", "forged-checkpoint"],
)
def test_a_tampered_export_fails_offline(
    cli: CliFn,
    exported: tuple[Path, Path],
    change: Callable[[list[dict[str, Any]]], None],
    event: int | None,
    words: str,
) -> None:
    export, key = exported
    _rewrite(export, change)
    result = cli("audit", "verify", "--file", str(export), "--public-key", str(key), "--json")
    assert result.exit_code == 6, result.stderr
    assert result.error.get("first_bad_id") == event
    assert words in result.error["message"]


def test_another_key_does_not_verify_the_export(
    cli: CliFn, exported: tuple[Path, Path], tmp_path: Path
) -> None:
    export, _key = exported
    other = tmp_path / "other.pub"
    other.write_text(audit_proof.public_pem(audit_proof.private_key(os.urandom(32)).public_key()))
    result = cli("audit", "verify", "--file", str(export), "--public-key", str(other))
    assert result.exit_code == 6
    assert "signature does not verify with the public key" in result.stderr


def test_bad_offline_input_is_a_usage_error(
    cli: CliFn, exported: tuple[Path, Path], tmp_path: Path
) -> None:
    export, key = exported
    no_key = cli("audit", "verify", "--file", str(export), "--json")
    assert no_key.exit_code == 2
    assert "--public-key" in no_key.error["message"]
    not_a_key = cli("audit", "verify", "--file", str(export), "--public-key", str(export))
    assert not_a_key.exit_code == 2
    assert "is not a PEM public key" in not_a_key.stderr
    missing = cli("audit", "verify", "--file", str(tmp_path / "nope"), "--public-key", str(key))
    assert missing.exit_code == 2
    assert "Traceback" not in missing.stderr


def test_an_export_without_checkpoints_proves_nothing(
    cli: CliFn, make_account, tmp_path: Path
) -> None:
    make_account("acme")
    export, key = tmp_path / "e.jsonl", tmp_path / "k.pub"
    assert cli("audit", "export", "-o", str(export)).exit_code == 0
    assert cli("audit", "public-key", "-o", str(key)).exit_code == 0
    result = cli("audit", "verify", "--file", str(export), "--public-key", str(key))
    assert result.exit_code == 6
    assert "holds no checkpoint" in result.stderr


def test_no_key_reaches_the_store_the_checkpoints_or_an_export(
    cli: CliFn, make_account, home: Path, tmp_path: Path
) -> None:
    from guance_billing_cli.keys import derive as keys
    from tests.support.store import store_dump

    make_account("acme")
    assert cli("audit", "checkpoint", "--dir", str(tmp_path / "cps")).exit_code == 0
    assert cli("audit", "export", "-o", str(tmp_path / "all.jsonl")).exit_code == 0
    master, _source = keys.master_key(create=False)
    secrets = [master.hex()] + [
        keys.derive(master, p).hex() for p in ("audit-chain", "audit-signing")
    ]
    evidence = [store_dump(home), (tmp_path / "all.jsonl").read_text()]
    evidence += [p.read_text() for p in (tmp_path / "cps").iterdir()]
    for text in evidence:
        assert not any(secret in text for secret in secrets)


def test_verify_without_the_key_says_so_and_creates_none(
    cli: CliFn, make_account, home: Path, transport: str
) -> None:
    from guance_billing_cli.keys import derive as keys

    if transport.endswith("-pg"):  # a PostgreSQL store's key comes from the environment
        pytest.skip("the default key file is a SQLite-store matter")
    make_account("acme")
    keys.default_key_file().unlink()
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 10
    assert "the audit chain key is not available: no secret key" in result.error["message"]
    assert not keys.default_key_file().exists()


def test_a_target_that_cannot_be_written_is_refused_before_signing(
    cli: CliFn, make_account, home: Path, tmp_path: Path
) -> None:
    from tests.support.store import store_dump

    make_account("acme")
    before = store_dump(home)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    result = cli("audit", "checkpoint", "--dir", str(a_file), "--json")
    assert result.exit_code == 2
    assert result.error["message"] == f"{a_file} is not a directory"
    nowhere = tmp_path / "missing" / "cp.json"
    result = cli("audit", "checkpoint", "--output", str(nowhere))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    export = cli("audit", "export", "--output", str(nowhere))
    assert export.exit_code == 2
    assert "Traceback" not in export.stderr
    assert store_dump(home) == before
