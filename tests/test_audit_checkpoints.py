"""Attacks on the audit trail by someone with write access to the database (issue 13).

Each attack tampers with the table directly, through the database driver, on every
backend of the test matrix: a local store and a server, on SQLite and on PostgreSQL
(`GUANCE_BILLING_TEST_BACKENDS=all`). The keyed chain catches anyone without
the audit key; the signed checkpoints catch even an insider who has it, and name the
first bad event and the checkpoint that proves it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from guance_billing_cli.keys import derive as keys
from tests.support.audit_attacker import Database, rechain, renumber
from tests.support.backends import Backend
from tests.support.cli import CliFn, Run

NAMES = ("acme", "globex", "initech", "umbrella", "hooli")


@dataclass
class Trail:
    db: Database
    checkpoints: Path

    def checkpoint(self, sequence: int) -> str:
        (path,) = self.checkpoints.glob(f"checkpoint-*-{sequence:08d}.json")
        return path.name


@pytest.fixture
def trail(cli: CliFn, make_account, backend: Backend, tmp_path: Path) -> Trail:
    """Events 1-5 under checkpoint 1, events 6-8 under checkpoint 2."""
    directory = tmp_path / "checkpoints"
    for name in NAMES:
        make_account(name)
    assert cli("audit", "checkpoint", "--dir", str(directory)).exit_code == 0
    for name, region in (("acme", "Hangzhou"), ("globex", "Ningxia"), ("initech", "Oregon")):
        assert cli("profile", "update", "--account", name, "--region", region).exit_code == 0
    assert cli("audit", "checkpoint", "--dir", str(directory)).exit_code == 0
    return Trail(Database(backend.store_url), directory)


def verify(cli: CliFn, trail: Trail) -> Run:
    return cli("audit", "verify", "--checkpoints", str(trail.checkpoints), "--json")


def assert_caught(result: Run, *, event: int, checkpoint: str, words: str) -> None:
    assert result.exit_code == 6, result.stderr
    assert result.error["code"] == "rule_violation"
    assert result.error["first_bad_id"] == event
    assert result.error["checkpoint"] == checkpoint
    assert words in result.error["message"]


def insider_key() -> bytes:
    return keys.purpose_key("audit-chain", create=False)


def test_an_untouched_trail_verifies_against_its_checkpoints(cli: CliFn, trail: Trail) -> None:
    result = verify(cli, trail)
    assert result.exit_code == 0, result.stderr
    assert result.json["ok"] is True
    assert result.json["checked"] == 8
    assert result.json["checkpoints"] == 2
    assert result.json["unanchored"] == 0
    human = cli("audit", "verify", "--checkpoints", str(trail.checkpoints))
    assert "8 events verified against 2 signed checkpoints" in human.stderr


def test_tail_truncated(cli: CliFn, trail: Trail) -> None:
    trail.db.execute("DELETE FROM audit_events WHERE id > 6")
    assert cli("audit", "verify", "--json").exit_code == 0  # the chain alone cannot tell
    assert_caught(
        verify(cli, trail),
        event=7,
        checkpoint=trail.checkpoint(2),
        words="events are missing from the end: the trail stops after event 6",
    )


def test_middle_deleted_and_rechained_without_the_key(cli: CliFn, trail: Trail) -> None:
    rows = trail.db.events()
    del rows[2]
    trail.db.rewrite(rechain(renumber(rows), key=None, start=2))
    alone = cli("audit", "verify", "--json")
    assert alone.exit_code == 6
    assert alone.error["first_bad_id"] == 3
    assert "does not verify under the audit key" in alone.error["message"]
    assert_caught(
        verify(cli, trail),
        event=3,
        checkpoint=trail.checkpoint(1),
        words="does not verify under the audit key",
    )


def test_middle_deleted_and_rechained_with_the_key(cli: CliFn, trail: Trail) -> None:
    rows = trail.db.events()
    del rows[2]
    trail.db.rewrite(rechain(renumber(rows), key=insider_key()))
    assert cli("audit", "verify", "--json").exit_code == 0  # an insider fools the chain alone
    assert_caught(
        verify(cli, trail),
        event=3,
        checkpoint=trail.checkpoint(1),
        words="it is not the event checkpoint-",
    )


@pytest.mark.parametrize("with_key", [False, True], ids=["without-key", "with-key"])
def test_field_edited_and_recomputed(cli: CliFn, trail: Trail, with_key: bool) -> None:
    rows = trail.db.events()
    rows[3]["actor"] = "local:mallory"
    trail.db.rewrite(rechain(rows, key=insider_key() if with_key else None, start=3))
    assert (cli("audit", "verify", "--json").exit_code == 0) is with_key
    result = verify(cli, trail)
    if with_key:
        assert_caught(result, event=4, checkpoint=trail.checkpoint(1), words="it is not the event")
    else:
        assert_caught(result, event=4, checkpoint=trail.checkpoint(1), words="audit key")


def test_two_events_swapped(cli: CliFn, trail: Trail) -> None:
    rows = trail.db.events()
    rows[3], rows[4] = {**rows[4], "id": 4}, {**rows[3], "id": 5}
    trail.db.rewrite(rechain(rows, key=insider_key()))
    assert_caught(
        verify(cli, trail),
        event=4,
        checkpoint=trail.checkpoint(1),
        words="edited, removed, inserted or reordered",
    )
    human = cli("audit", "verify", "--checkpoints", str(trail.checkpoints))
    assert human.exit_code == 6
    assert "audit chain broken at event 4" in human.stderr
    assert f"proved by {trail.checkpoint(1)}" in human.stderr


def test_id_skipped(cli: CliFn, trail: Trail) -> None:
    rows = trail.db.events()
    rows = rows[:5] + [{**row, "id": row["id"] + 1} for row in rows[5:]]
    trail.db.rewrite(rechain(rows, key=insider_key()))
    alone = cli("audit", "verify", "--json")
    assert alone.exit_code == 6
    assert "event 6 is missing: event 7 follows event 5" in alone.error["message"]
    assert_caught(
        verify(cli, trail), event=6, checkpoint=trail.checkpoint(2), words="event 6 is missing"
    )


def test_events_after_the_newest_checkpoint_are_reported(cli: CliFn, trail: Trail) -> None:
    assert cli("profile", "update", "--account", "hooli", "--region", "Paris").exit_code == 0
    result = verify(cli, trail)
    assert result.exit_code == 0
    assert result.json["unanchored"] == 1


def test_a_forged_checkpoint_is_refused(cli: CliFn, trail: Trail) -> None:
    path = trail.checkpoints / trail.checkpoint(2)
    data = json.loads(path.read_text())
    data["statement"]["event_count"] = 7  # the attacker makes the checkpoint fit a cut trail
    path.write_text(json.dumps(data))
    result = verify(cli, trail)
    assert result.exit_code == 6
    assert "the signature does not verify with the public key" in result.error["message"]
    assert result.error["checkpoint"] == trail.checkpoint(2)


def test_a_rewound_checkpoint_record_cannot_overwrite_a_checkpoint(
    cli: CliFn, trail: Trail
) -> None:
    trail.db.execute("DELETE FROM audit_checkpoints WHERE sequence = 2")
    result = cli("audit", "checkpoint", "--dir", str(trail.checkpoints))
    assert result.exit_code == 10
    assert "already exists" in result.stderr
    assert "printed on stdout instead" in result.stderr
    assert json.loads(result.stdout)["statement"]["sequence"] == 2  # not lost
    assert len(list(trail.checkpoints.iterdir())) == 2


def test_an_export_from_the_store_verifies_offline(
    cli: CliFn, trail: Trail, tmp_path: Path
) -> None:
    export, key = tmp_path / "globex.jsonl", tmp_path / "audit.pub"
    assert cli("audit", "export", "--account", "globex", "-o", str(export)).exit_code == 0
    assert cli("audit", "public-key", "-o", str(key)).exit_code == 0
    assert key.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    result = cli("audit", "verify", "--file", str(export), "--public-key", str(key), "--json")
    assert result.exit_code == 0, result.stderr
    assert (result.json["events"], result.json["withheld"]) == (2, 6)
    # the same key verifies the store's checkpoints
    pinned = cli(
        "audit", "verify", "--checkpoints", str(trail.checkpoints), "--public-key", str(key)
    )
    assert pinned.exit_code == 0, pinned.stderr
