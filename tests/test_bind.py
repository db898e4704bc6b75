"""cloud bind | unbind: settlement rules 1-3, batch input, results, exit codes, atomicity."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cli import CliFn
from tests.support.settlement import (
    ALIYUN_ID,
    AWS_ID,
    AWS_ID_2,
    HUAWEI_ID,
    add_cloud,
    add_ws,
    audit_actions,
    ok,
    outcome,
    show_ws,
)
from tests.support.store import store_dump

# reason: English words; reason_code and params: what a face needs to write its own
RESULT_KEYS = {"workspace_id", "result", "reason", "reason_code", "params", "from", "to", "line"}


@pytest.fixture
def acme(cli: CliFn, make_account) -> dict:
    account = make_account("acme")
    ok(cli("account", "use", "acme"))
    return account


@pytest.fixture
def aws(cli: CliFn, acme: dict, clock) -> dict:
    """An AWS account and workspaces on an AWS site (us1, eu1), Alibaba (cn1) and id1."""
    cloud = add_cloud(cli, "aws", AWS_ID)
    for ws, site in (("u1", "us1"), ("u2", "us1"), ("e1", "eu1"), ("h1", "cn1"), ("j1", "id1")):
        add_ws(cli, ws, site)
    return cloud


def bind(cli: CliFn, cloud: dict, *args: str, input: str | None = None):
    return cli("cloud", "bind", cloud["id"], *args, "--json", input=input)


# -- results and exit codes --------------------------------------------------------------
def test_bind_then_rerun_is_unchanged(cli: CliFn, aws: dict, home: Path) -> None:
    first = ok(bind(cli, aws, "u1", "e1"))
    assert set(first.json) >= {"results", "summary"}
    assert all(set(r) == RESULT_KEYS for r in first.json["results"])
    assert first.json["results"][0] == {
        "workspace_id": "u1", "result": "bound", "reason": None, "reason_code": None,
        "params": None, "from": "billing_center", "to": f"aws:{aws['id']}", "line": None,
    }  # fmt: skip
    assert first.json["summary"] == {"bound": 2, "unbound": 0, "unchanged": 0, "refused": 0}
    shown = show_ws(cli, "u1")
    assert shown["settlement"] == "aws" and shown["cloud_account_id"] == aws["id"]
    assert shown["settlement_changed_at"] == "2026-03-02T09:00:00Z"
    before = store_dump(home)
    again = ok(bind(cli, aws, "u1", "e1"))
    assert outcome(again) == {"u1": "unchanged", "e1": "unchanged"}
    assert again.json["results"][0]["reason"] == "already bound to this cloud account"
    assert store_dump(home) == before  # a rerun writes nothing, not even an audit event
    [(target, after)] = audit_actions(home, "cloud.bind")
    assert target == aws["id"] and json.loads(after)["count"] == 2


def test_exit_codes_none_some_all_refused(cli: CliFn, aws: dict) -> None:
    assert bind(cli, aws, "u1").exit_code == 0
    some = bind(cli, aws, "u2", "h1")
    assert some.exit_code == 9 and some.error["code"] == "batch_partly_failed"
    assert outcome(some) == {"u2": "bound", "h1": "refused"}
    assert some.error["summary"]["refused"] == 1
    every = bind(cli, aws, "h1", "nope")
    assert every.exit_code == 6 and every.error["code"] == "rule_violation"
    assert "all 2 row(s) refused" in every.error["message"]


def test_human_output_and_no_progress_when_piped(cli: CliFn, aws: dict) -> None:
    result = cli("cloud", "bind", aws["id"], "u1", "h1")
    assert result.exit_code == 9
    assert "u1" in result.stdout and "bound" in result.stdout and "refused" in result.stdout
    assert result.stderr.splitlines() == ["error: 1 of 2 row(s) refused: bound 1, refused 1"]
    csv_out = cli("cloud", "bind", aws["id"], "u1", "--output", "csv")
    assert csv_out.stdout.splitlines()[0] == "line,workspace_id,result,from,to,reason"


def test_unknown_and_other_accounts_workspaces_are_refused(
    cli: CliFn, aws: dict, make_account
) -> None:
    make_account("globex")
    ok(cli("workspace", "add", "--account", "globex", "--id", "g1", "--name", "G", "--site", "us1"))
    result = bind(cli, aws, "g1", "missing")
    assert result.exit_code == 6
    assert [r["reason"] for r in result.json["results"]] == [
        "no workspace g1 in this billing account",
        "no workspace missing in this billing account",
    ]
    assert show_ws(cli, "g1")["settlement"] == "billing_center"


def test_unknown_cloud_account_and_mismatched_account(cli: CliFn, aws: dict, make_account) -> None:
    missing = cli("cloud", "bind", "cld_000000000000", "u1", "--json")
    assert missing.exit_code == 3
    make_account("globex")
    mismatch = cli("cloud", "bind", aws["id"], "u1", "--account", "globex", "--json")
    assert mismatch.exit_code == 3


def test_nothing_to_bind_is_a_usage_error(cli: CliFn, aws: dict) -> None:
    result = cli("cloud", "bind", aws["id"], "--json")
    assert result.exit_code == 2 and "--from-file" in result.error["message"]
    assert cli("cloud", "unbind", "--json").exit_code == 2


def test_dry_run_reports_the_same_and_writes_nothing(cli: CliFn, aws: dict, home: Path) -> None:
    before = store_dump(home)
    dry = bind(cli, aws, "u1", "h1", "--dry-run")
    assert dry.exit_code == 9 and dry.json["dry_run"] is True
    assert store_dump(home) == before
    real = bind(cli, aws, "u1", "h1")
    assert real.json["results"] == dry.json["results"]
    before = store_dump(home)
    unbind_dry = cli("cloud", "unbind", "u1", "--dry-run", "--json")
    assert unbind_dry.exit_code == 6 and store_dump(home) == before


# -- rule 2: the site's provider ----------------------------------------------------------
def test_site_provider_rule_and_arbitrary_settlement(cli: CliFn, aws: dict) -> None:
    refused = bind(cli, aws, "h1", "j1")
    assert outcome(refused) == {"h1": "refused", "j1": "refused"}
    [h1, j1] = refused.json["results"]
    assert (
        "site cn1 (Hangzhou, Alibaba Cloud) settles through billing_center or aliyun"
        in h1["reason"]
    )
    assert "site id1 (Jakarta, Tencent Cloud) settles through billing_center only" in j1["reason"]
    assert "--arbitrary-settlement" in h1["reason"]
    ok(cli("account", "update", "acme", "--arbitrary-settlement", "on"))
    assert outcome(ok(bind(cli, aws, "h1", "j1"))) == {"h1": "bound", "j1": "bound"}


@pytest.mark.parametrize(("provider", "account_id", "instance", "good", "bad"), [
    ("aliyun", ALIYUN_ID, "i-1", ("cn1", "cn6"), ("us1", "cn4", "id1")),
    ("huawei", HUAWEI_ID, "i-1", ("cn4", "za1"), ("cn1", "ap1", "id1")),
    ("aws", AWS_ID_2, None, ("cn2", "us1", "eu1", "ap1"), ("cn6", "za1", "id1")),
])  # fmt: skip
def test_each_site_maps_to_its_provider(
    cli: CliFn, acme: dict, provider: str, account_id: str, instance: str | None,
    good: tuple[str, ...], bad: tuple[str, ...],
) -> None:  # fmt: skip
    cloud = add_cloud(cli, provider, account_id, instance)
    for site in good + bad:
        add_ws(cli, f"ws-{site}", site)
    result = bind(cli, cloud, *(f"ws-{site}" for site in good + bad))
    assert outcome(result) == {
        **{f"ws-{s}": "bound" for s in good}, **{f"ws-{s}": "refused" for s in bad}
    }  # fmt: skip


# -- rule 3: a subscribed cloud account holds its workspaces --------------------------------
def test_subscribed_account_holds_its_workspaces(cli: CliFn, aws: dict, clock) -> None:
    ok(bind(cli, aws, "u1"))
    clock.advance(days=40)  # next month: rule 1 is not what refuses here
    other = add_cloud(cli, "aws", AWS_ID_2)
    moved = bind(cli, other, "u1")
    assert moved.exit_code == 6
    reason = moved.json["results"][0]["reason"]
    assert f"settles through cloud account {aws['id']} (aws), which is still subscribed" in reason
    unbind = cli("cloud", "unbind", "u1", "--json")
    assert unbind.exit_code == 6 and "still subscribed" in unbind.json["results"][0]["reason"]
    assert show_ws(cli, "u1")["cloud_account_id"] == aws["id"]


def test_after_unsubscribe_rebind_to_same_provider_in_the_same_month(
    cli: CliFn, aws: dict, clock
) -> None:
    ok(bind(cli, aws, "u1"))
    ok(cli("cloud", "unsubscribe", aws["id"], "--yes"))
    other = add_cloud(cli, "aws", AWS_ID_2)
    # same method (aws): not a change of settlement method, so rule 1 does not apply
    result = ok(bind(cli, other, "u1"))
    assert result.json["results"][0]["from"] == f"aws:{aws['id']}"
    shown = show_ws(cli, "u1")
    assert shown["cloud_account_id"] == other["id"] and shown["state"] == "active"


# -- rule 1: once a calendar month --------------------------------------------------------
def test_once_a_month(cli: CliFn, aws: dict, clock) -> None:
    ok(bind(cli, aws, "u1"))  # 2026-03-02: billing center -> aws, the month's change
    ok(cli("cloud", "unsubscribe", aws["id"], "--yes"))
    # lifting the countdown is an unlock remedy: the month rule does not hold it (issue 15)
    assert outcome(ok(cli("cloud", "unbind", "u1", "--json"))) == {"u1": "unbound"}
    new = add_cloud(cli, "aws", AWS_ID_2)
    refused = bind(cli, new, "u1")  # a voluntary switch: the second change in March
    assert refused.exit_code == 6
    assert refused.json["results"][0]["reason"] == (
        "settlement method already changed this month (on 2026-03-02); "
        "the next change is possible from 2026-04-01"
    )
    clock.advance(days=29, hours=14)  # 2026-03-31 23:00: still March
    assert bind(cli, new, "u1").exit_code == 6
    clock.advance(hours=1)  # 2026-04-01 00:00
    bound = ok(bind(cli, new, "u1"))
    assert outcome(bound) == {"u1": "bound"}
    shown = show_ws(cli, "u1")
    assert shown["settlement"] == "aws" and shown["state"] == "active"
    assert shown["settlement_changed_at"] == "2026-04-01T00:00:00Z"


def test_unchanged_does_not_use_the_months_change(cli: CliFn, aws: dict, clock) -> None:
    ok(bind(cli, aws, "u1"))
    clock.advance(days=31)  # April
    ok(bind(cli, aws, "u1"))  # unchanged
    assert show_ws(cli, "u1")["settlement_changed_at"] == "2026-03-02T09:00:00Z"


def test_cloud_account_of_another_billing_account(cli: CliFn, aws: dict, make_account) -> None:
    make_account("globex")
    theirs = add_cloud(cli, "aws", AWS_ID_2, None, "--account", "globex")
    result = bind(cli, theirs, "u1")
    assert (
        result.exit_code == 6 and "in this billing account" in result.json["results"][0]["reason"]
    )


# -- batch files --------------------------------------------------------------------------
def test_from_file_formats(cli: CliFn, aws: dict, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_bytes(b"\xef\xbb\xbf# CI batch\r\nu1\r\n\r\n  u2  \r\n# done\r\n")
    result = ok(cli("cloud", "bind", aws["id"], "--from-file", str(ids), "--json"))
    assert [(r["line"], r["workspace_id"]) for r in result.json["results"]] == [
        (2, "u1"),
        (4, "u2"),
    ]
    csv_file = tmp_path / "ws.csv"
    csv_file.write_text('name,workspace_id\n"Prod, EU",e1\nUS,u1\nshort\n', encoding="utf-8")
    result = cli("cloud", "bind", aws["id"], "--from-file", str(csv_file), "--json")
    assert [(r["line"], r["workspace_id"], r["result"]) for r in result.json["results"]] == [
        (2, "e1", "bound"), (3, "u1", "unchanged"), (4, None, "refused"),
    ]  # fmt: skip
    ndjson = '{"workspace_id": "u1"}\n{"workspace_id": 5}\n[1]\n{not json\n'
    result = cli("cloud", "bind", aws["id"], "--from-file", "-", "--json", input=ndjson)
    assert result.exit_code == 9
    assert [(r["line"], r["result"], r["reason"]) for r in result.json["results"]] == [
        (1, "unchanged", "already bound to this cloud account"),
        (2, "refused", "missing or non-string 'workspace_id'"),
        (3, "refused", "line is not a JSON object"),
        (4, "refused", "line is not a valid JSON object"),
    ]
    utf16 = tmp_path / "utf16.txt"
    utf16.write_text("u1\nu2\n", encoding="utf-16")
    assert (
        ok(cli("cloud", "bind", aws["id"], "--from-file", str(utf16), "--json")).json["summary"][
            "unchanged"
        ]
        == 2
    )


def test_from_file_bad_lines_are_refused_rows(cli: CliFn, aws: dict, tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_bytes(b"u1\n\xff\xfe\xfdbroken\n" + b"x" * 100_000 + b"\nwith space\nu1\n")
    result = cli("cloud", "bind", aws["id"], "--from-file", str(path), "--json")
    assert result.exit_code == 9
    rows = [(r["line"], r["result"]) for r in result.json["results"]]
    assert rows == [(1, "bound"), (2, "refused"), (3, "refused"), (4, "refused"), (5, "unchanged")]
    reasons = [r["reason"] for r in result.json["results"]]
    assert reasons[1] == "line is not valid UTF-8"
    assert reasons[2] == "line is longer than 4096 characters"
    assert reasons[3].startswith("not a workspace id: 'with space'")
    assert reasons[4] == "listed again (first on line 1)"


def test_from_file_errors_of_the_whole_file(cli: CliFn, aws: dict, tmp_path: Path) -> None:
    missing = cli("cloud", "bind", aws["id"], "--from-file", str(tmp_path / "nope.txt"), "--json")
    assert missing.exit_code == 2 and missing.error["field"] == "from_file"
    header = tmp_path / "ws.csv"
    header.write_text("id,name\nu1,One\n", encoding="utf-8")
    bad = cli("cloud", "bind", aws["id"], "--from-file", str(header), "--json")
    assert bad.exit_code == 2 and "workspace_id" in bad.error["message"]
    directory = cli("cloud", "bind", aws["id"], "--from-file", str(tmp_path), "--json")
    assert directory.exit_code == 2


def test_args_and_file_together(cli: CliFn, aws: dict) -> None:
    result = ok(cli("cloud", "bind", aws["id"], "u1", "--from-file", "-", "--json", input="u2\n"))
    assert [(r["line"], r["workspace_id"]) for r in result.json["results"]] == [
        (None, "u1"), (1, "u2"),
    ]  # fmt: skip


def test_unbind_from_file_with_account_filter(cli: CliFn, aws: dict, make_account, clock) -> None:
    ok(bind(cli, aws, "u1", "u2"))
    ok(cli("cloud", "unsubscribe", aws["id"], "--yes"))
    clock.advance(days=31)
    make_account("globex")
    ok(cli("workspace", "add", "--account", "globex", "--id", "g1", "--name", "G", "--site", "us1"))
    result = cli("cloud", "unbind", "--account", "acme", "--from-file", "-", "--json",
                 input="u1\ng1\nu2\n")  # fmt: skip
    assert result.exit_code == 9
    assert outcome(result) == {"u1": "unbound", "g1": "refused", "u2": "unbound"}
    assert result.json["summary"] == {"bound": 0, "unbound": 2, "unchanged": 0, "refused": 1}


# -- one transaction per batch ---------------------------------------------------------------
def test_a_crash_mid_batch_leaves_nothing(
    cli: CliFn, aws: dict, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guance_billing_cli.services import audit

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")  # after the UPDATEs ran, before commit

    before = store_dump(home)
    monkeypatch.setattr(audit, "record", crash)
    result = cli("cloud", "bind", aws["id"], "u1", "u2", "e1", "--json")
    assert result.exit_code == 1 and result.error["code"] == "internal_error"
    assert "disk on fire" not in result.stderr
    assert store_dump(home) == before


def test_progress_bar_only_on_a_terminal(
    cli: CliFn, aws: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guance_billing_cli.cli.toolkit import batchview

    path = tmp_path / "ws.csv"
    path.write_text("id,name,site\n" + "".join(f"p{n:04d},P,us1\n" for n in range(600)))
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(f"p{n:04d}\n" for n in range(600)))
    piped = ok(cli("workspace", "add", "--from-file", str(path)))
    assert piped.stderr.splitlines() == ["600 row(s): added 600, refused 0."]  # no bar piped
    assert "p0599" in {w["id"] for w in ok(cli("workspace", "list", "--json")).json}
    seen: list[tuple[int, int]] = []
    real_progress = batchview.progress

    def spy(total: int, label: str):  # type: ignore[no-untyped-def]
        with real_progress(total, label) as update:
            assert update is not None  # the bar is on
            yield lambda done, all_: (seen.append((done, all_)), update(done, all_))

    monkeypatch.setattr(batchview, "on_terminal", lambda: True)
    monkeypatch.setattr(batchview, "progress", contextmanager(spy))
    result = ok(cli("cloud", "bind", aws["id"], "--from-file", str(ids), "--json"))
    assert result.json["summary"]["bound"] == 600  # stdout stays pure JSON
    assert seen[-1] == (600, 600) and len(seen) >= 2


def test_large_batch_is_one_audit_event(cli: CliFn, aws: dict, home: Path, tmp_path: Path) -> None:
    path = tmp_path / "ws.csv"
    path.write_text("id,name,site\n" + "".join(f"b{n:04d},B,us1\n" for n in range(1200)))
    ok(cli("workspace", "add", "--from-file", str(path)))
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(f"b{n:04d}\n" for n in range(1200)))
    result = ok(cli("cloud", "bind", aws["id"], "--from-file", str(ids), "--json"))
    assert result.json["summary"]["bound"] == 1200
    [(_, after)] = audit_actions(home, "cloud.bind")
    assert json.loads(after)["count"] == 1200
    assert len(ok(cli("workspace", "list", "--cloud-account", aws["id"], "--json")).json) == 1200


# -- hypothesis: any batch file, never a traceback -----------------------------------------
LINE = st.one_of(
    st.sampled_from(["u1", "u2", "h1", "nope", "# c", "", "workspace_id", "{}", "a,b"]),
    st.text(max_size=30),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
    st.just("y" * 5000),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(LINE, max_size=8), encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_any_batch_file_gives_results_not_a_traceback(
    cli: CliFn, aws: dict, tmp_path: Path, lines: list[str], encoding: str
) -> None:
    path = tmp_path / "batch.txt"
    path.write_bytes("\n".join(lines).encode(encoding, errors="replace"))
    result = cli("cloud", "bind", aws["id"], "--from-file", str(path), "--dry-run", "--json")
    assert result.exit_code in (0, 2, 6, 9), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        assert result.error["field"] == "from_file"  # only a bad CSV header or UTF-16
        return
    for row in result.json["results"]:
        assert row["result"] in ("bound", "unchanged", "refused")
        assert isinstance(row["line"], int) and row["line"] >= 1
        if row["result"] == "refused":
            assert row["reason"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ids=st.lists(st.sampled_from(["u1", "u2", "e1", "h1", "j1", "zz"]), max_size=6))
def test_rerunning_any_batch_is_idempotent(
    cli: CliFn, aws: dict, home: Path, ids: list[str]
) -> None:
    first = bind(cli, aws, "--from-file", "-", input="\n".join(ids) + "\n")
    assert first.exit_code in (0, 2, 6, 9)
    if not ids:
        return
    before = store_dump(home)
    again = bind(cli, aws, "--from-file", "-", input="\n".join(ids) + "\n")
    assert again.json["summary"]["bound"] == 0
    assert store_dump(home) == before
