"""bindings plan | apply | export (issue 25): every row kind, exit codes, a stale plan,
malformed files, one transaction, idempotence, and a `bindings` token over the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import CliFn
from tests.support.settlement import ALIYUN_ID, AWS_ID, AWS_ID_2, add_cloud, add_ws, ok, show_ws
from tests.support.store import store_dump
from tests.support.terminal import Terminal


@pytest.fixture
def acme(cli: CliFn, make_account) -> dict:
    account = make_account("acme")
    ok(cli("account", "use", "acme"))
    return account


@pytest.fixture
def world(cli: CliFn, acme: dict, clock) -> dict:
    """Two AWS accounts (the second unsubscribed, holding u3 in a countdown), one Alibaba
    account; u4 bound to the first; m1 changed its settlement this month."""
    c1 = add_cloud(cli, "aws", AWS_ID)["id"]
    c2 = add_cloud(cli, "aws", AWS_ID_2)["id"]
    ali = add_cloud(cli, "aliyun", ALIYUN_ID, "i-ali-1")["id"]
    for ws, site in (("u1", "us1"), ("u2", "us1"), ("u3", "us1"), ("u4", "us1"), ("e1", "eu1"),
                     ("h1", "cn1"), ("m1", "us1")):  # fmt: skip
        add_ws(cli, ws, site)
    ok(cli("cloud", "bind", c2, "u3", "m1"))
    ok(cli("cloud", "bind", c1, "u4"))
    ok(cli("cloud", "unsubscribe", c2, "--yes"))
    ok(cli("workspace", "unlock", "m1", "--billing-center"))  # a change this month
    return {"c1": c1, "c2": c2, "ali": ali}


def write(tmp_path: Path, text: str, name: str = "bindings.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def desired(world: dict) -> str:
    return f"""\
version = 1

[cloud.{world["c1"]}]
exclusive = true
workspaces = ["u1", "e1", "u3", "m1", "h1"]

[billing_center]
workspaces = ["u2", "nosuch"]
"""


def rows(run) -> dict[str, dict]:
    return {r["workspace_id"]: r for r in run.json["rows"]}


# -- plan ----------------------------------------------------------------------------------
def test_plan_gives_every_row_kind(cli: CliFn, world: dict, tmp_path: Path, home: Path) -> None:
    before = store_dump(home)
    run = ok(cli("bindings", "plan", write(tmp_path, desired(world)), "--json"))
    got = rows(run)
    c1 = f"aws:{world['c1']}"
    assert {k: (v["action"], v["from"], v["to"]) for k, v in got.items()} == {
        "u1": ("bind", "billing_center", c1),
        "e1": ("bind", "billing_center", c1),
        "u3": ("move", f"aws:{world['c2']}", c1),
        "m1": ("refused", "billing_center", c1),
        "h1": ("refused", "billing_center", c1),
        "u2": ("unchanged", "billing_center", "billing_center"),
        "nosuch": ("refused", None, "billing_center"),
        "u4": ("refused", c1, "billing_center"),  # exclusive: not listed, still subscribed
    }
    # the remedies: the month rule's next date, the subscribed account, the countdown
    assert got["m1"]["reason_code"] == "settlement_changed_this_month"
    assert got["m1"]["params"]["next_change"] == "2026-04-01"
    assert got["u4"]["reason_code"] == "cloud_still_subscribed"
    assert got["u4"]["params"]["cloud_account_id"] == world["c1"]
    assert got["u4"]["source"] == "exclusive"
    assert got["h1"]["reason_code"] == "site_settles_own_provider"
    assert got["nosuch"]["reason_code"] == "workspace_not_in_this_account"
    assert got["u3"]["state"] == "countdown" and got["u3"]["locks_at"].startswith("2026-03-16")
    assert run.json["summary"] == {"bind": 2, "move": 1, "unbind": 0, "unchanged": 1, "refused": 4}
    assert all(len(r["fingerprint"]) == 16 for r in run.json["rows"])
    assert store_dump(home) == before  # a plan writes nothing


def test_plan_table_and_markdown(cli: CliFn, world: dict, tmp_path: Path) -> None:
    path = write(tmp_path, desired(world))
    table = ok(cli("bindings", "plan", path))
    assert "u3" in table.stdout and "move" in table.stdout
    assert "the next change is possible from 2026-04-01" in table.stdout
    assert "countdown, locks 2026-03-16" in table.stdout
    assert f"bound to {world['c1']}, which is exclusive, but not listed under it" in table.stdout
    assert "2 to bind, 1 to move, 0 to unbind, 1 unchanged, 4 refused" in table.stderr
    md = ok(cli("bindings", "plan", path, "--format", "markdown")).stdout
    assert md.startswith("### Bindings plan\n\n2 to bind, 1 to move")
    assert f"| `u3` | **move** | aws:{world['c2']} | aws:{world['c1']} |" in md
    assert "<details><summary>1 unchanged</summary>" in md
    bad = cli("bindings", "plan", path, "--format", "yaml")
    assert bad.exit_code == 2 and "--format" in bad.stderr


def test_exclusive_unbinds_an_unlisted_workspace(cli: CliFn, world: dict, tmp_path: Path) -> None:
    ok(cli("cloud", "bind", world["ali"], "h1"))
    text = f"[cloud.{world['ali']}]\nexclusive = true\nworkspaces = []\n"
    ok(cli("cloud", "unsubscribe", world["ali"], "--yes"))  # Alibaba: back to billing center
    plan = ok(cli("bindings", "plan", write(tmp_path, text), "--json"))
    assert plan.json["rows"] == []  # nothing is bound to it any more
    # bound to c1 and unlisted: u4 (subscribed) is refused, the rest would be unbound
    text = f"[cloud.{world['c1']}]\nexclusive = true\nworkspaces = []\n"
    got = rows(ok(cli("bindings", "plan", write(tmp_path, text), "--json")))
    assert got["u4"]["action"] == "refused" and got["u4"]["source"] == "exclusive"


def test_detailed_exitcode(cli: CliFn, world: dict, tmp_path: Path) -> None:
    same = write(tmp_path, '[billing_center]\nworkspaces = ["u1", "u2"]\n', "same.toml")
    changes = write(tmp_path, f'[cloud.{world["c1"]}]\nworkspaces = ["u1"]\n', "changes.toml")
    refused = write(tmp_path, f'[cloud.{world["c1"]}]\nworkspaces = ["u1", "h1"]\n', "ref.toml")
    assert cli("bindings", "plan", same, "--detailed-exitcode").exit_code == 0
    assert cli("bindings", "plan", changes, "--detailed-exitcode").exit_code == 2
    run = cli("bindings", "plan", refused, "--detailed-exitcode", "--json")
    assert run.exit_code == 6
    assert run.error["reason"] == "bindings_plan_refused" and "h1" in run.error["message"]
    assert run.json["summary"]["refused"] == 1  # the plan is still on stdout
    for path in (changes, refused):  # without the flag a plan that ran is success
        assert cli("bindings", "plan", path).exit_code == 0


# -- apply ---------------------------------------------------------------------------------
def test_apply_then_again_changes_nothing(cli: CliFn, world: dict, tmp_path: Path, home) -> None:
    text = f'[cloud.{world["c1"]}]\nworkspaces = ["u1", "e1", "u3"]\n'
    text += '[billing_center]\nworkspaces = ["u2"]\n'
    path = write(tmp_path, text)
    first = ok(cli("bindings", "apply", path, "--yes", "--json"))
    assert first.json["summary"] == {"bind": 2, "move": 1, "unbind": 0, "unchanged": 1,
                                     "refused": 0}  # fmt: skip
    for ws in ("u1", "e1", "u3"):
        shown = show_ws(cli, ws)
        assert (shown["cloud_account_id"], shown["state"]) == (world["c1"], "active")
    after = store_dump(home)
    second = ok(cli("bindings", "apply", path, "--yes"))
    assert "Nothing to change" in second.stderr
    assert store_dump(home) == after
    assert cli("bindings", "plan", path, "--detailed-exitcode").exit_code == 0


def test_refused_rows_stop_the_whole_apply(cli: CliFn, world: dict, tmp_path: Path, home) -> None:
    path = write(tmp_path, desired(world))
    before = store_dump(home)
    run = cli("bindings", "apply", path, "--yes", "--json")
    assert run.exit_code == 6, run.stderr
    assert run.error["reason"] == "bindings_refused"
    assert run.error["params"]["refused"] == ["m1", "h1", "nosuch", "u4"]
    assert "--skip-refused" in run.error["message"]
    assert store_dump(home) == before  # all or nothing: u1, e1, u3 were not bound either
    skipped = cli("bindings", "apply", path, "--yes", "--skip-refused", "--json")
    assert skipped.exit_code == 9, skipped.stderr
    assert skipped.json["skipped"] == 4 and skipped.error["reason"] == "bindings_skipped"
    assert show_ws(cli, "u1")["cloud_account_id"] == world["c1"]
    assert show_ws(cli, "u3")["cloud_account_id"] == world["c1"]
    assert show_ws(cli, "m1")["settlement"] == "billing_center"


def test_stale_plan_changes_nothing(cli: CliFn, world: dict, tmp_path: Path, home) -> None:
    text = f'[cloud.{world["c1"]}]\nexclusive = true\nworkspaces = ["u1", "e1", "u4"]\n'
    path, plan = write(tmp_path, text), str(tmp_path / "plan.json")
    ok(cli("bindings", "plan", path, "--out", plan))
    ok(cli("cloud", "bind", world["c1"], "e1"))  # someone else changed a planned row
    ok(cli("cloud", "bind", world["c1"], "u2"))  # and bound an unlisted one to it
    before = store_dump(home)
    run = cli("bindings", "apply", "--plan", plan, "--yes", "--json")
    assert run.exit_code == 6, run.stderr
    assert run.error["reason"] == "plan_stale"
    assert run.error["params"]["stale"] == ["e1", "u2"]
    assert "bindings plan" in run.error["message"]
    assert store_dump(home) == before
    # planned again, the same plan applies
    ok(cli("bindings", "plan", path, "--out", plan))
    ok(cli("cloud", "unsubscribe", world["c2"], "--yes"))  # unrelated: not in the plan
    done = cli("bindings", "apply", "--plan", plan, "--yes", "--skip-refused", "--json")
    assert done.exit_code == 9, done.stderr  # u2 is refused (its account is subscribed)
    assert done.json["summary"]["bind"] == 1 and done.json["summary"]["refused"] == 1
    assert show_ws(cli, "u1")["cloud_account_id"] == world["c1"]


def test_plan_file_must_be_a_plan(cli: CliFn, acme: dict, tmp_path: Path) -> None:
    junk = write(tmp_path, '{"rows": 3}', "junk.json")
    run = cli("bindings", "apply", "--plan", junk, "--yes")
    assert run.exit_code == 2 and "not a saved bindings plan" in run.stderr
    both = cli("bindings", "apply", junk, "--plan", junk, "--yes")
    assert both.exit_code == 2 and "exactly one of" in both.stderr


def test_apply_without_terminal_needs_yes(cli: CliFn, world: dict, tmp_path: Path, home) -> None:
    before = store_dump(home)
    run = cli("bindings", "apply", write(tmp_path, desired(world)), input="")
    assert run.exit_code == 2
    assert "needs a confirmation: pass --yes" in run.stderr
    assert store_dump(home) == before


def test_apply_asks_at_a_terminal(cli: CliFn, world: dict, tmp_path: Path, terminal: Terminal):
    path = write(tmp_path, f'[cloud.{world["c1"]}]\nworkspaces = ["u1"]\n')
    no = terminal.run("bindings", "apply", path, answers=[("Apply these 1 change", "n")])
    assert no.exit_code == 11, no.text
    assert "u1" in no.text and "nothing was changed" in no.text
    assert show_ws(cli, "u1")["settlement"] == "billing_center"
    yes = terminal.run("bindings", "apply", path, answers=[("Apply these 1 change", "y")])
    assert yes.exit_code == 0, yes.text
    assert show_ws(cli, "u1")["cloud_account_id"] == world["c1"]


# -- export --------------------------------------------------------------------------------
def test_export_then_plan_shows_no_change(cli: CliFn, world: dict, tmp_path: Path) -> None:
    exported = ok(cli("bindings", "export")).stdout
    assert f'[cloud.{world["c1"]}]\nexclusive = true\nworkspaces = [\n  "u4",\n]' in exported
    plan = ok(cli("bindings", "plan", write(tmp_path, exported), "--json"))
    assert plan.json["summary"]["unchanged"] == len(plan.json["rows"]) == 7
    only = ok(cli("bindings", "export", "--cloud", world["c2"])).stdout
    assert world["c1"] not in only and "[billing_center]" not in only and '"u3"' in only
    path = write(tmp_path, only, "c2.toml")
    assert cli("bindings", "plan", path, "--detailed-exitcode").exit_code == 0
    as_json = ok(cli("bindings", "export", "--json")).json
    listed = {c["cloud_account_id"]: c["workspaces"] for c in as_json["clouds"]}
    assert listed[world["c1"]] == ["u4"]
    assert as_json["billing_center"] == ["e1", "h1", "m1", "u1", "u2"]
    missing = cli("bindings", "export", "--cloud", "cld_000000000000")
    assert missing.exit_code == 3


# -- malformed files -----------------------------------------------------------------------
MALFORMED = [
    ("[cloud.C]\nworkspaces = [\"u1\"]\nexclusve = true\n", ":3: unknown key 'exclusve'"),
    ("version = 1\nworkspace = []\n", ":2: unknown key 'workspace'"),
    ("[cloud.C]\nworkspaces = [\n  \"u1\",\n  \"u2\",\n  \"u1\",\n]\n",
     ":5: workspace u1 is listed again (already under C, line 3)"),
    ("[cloud.C]\nworkspaces = [\"u1\"]\n\n[billing_center]\nworkspaces = [\"u2\", \"u1\"]\n",
     ":5: workspace u1 is listed again (already under C, line 2)"),
    ("[cloud.C]\nworkspaces = [\"u1\"\n", ":2: not valid TOML"),
    ("[cloud.C]\nworkspaces = \"u1\"\n", ":2: cloud.C.workspaces must be a list of workspace ids"),
    ("[cloud.C]\nexclusive = \"yes\"\n", ":2: cloud.C.exclusive must be true or false"),
    ("version = 2\n", ":1: version 2 is not one this guance-billing reads"),
    ("cloud = 3\n", ":1: cloud must be a table"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_file_names_its_line(
    cli: CliFn, acme: dict, tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    for command in (("plan", path), ("apply", path, "--yes")):
        run = cli("bindings", *command, "--json")
        assert run.exit_code == 2, (run.stdout, run.stderr)
        assert run.error["code"] == "invalid_input"
        assert run.error["message"] == f"{path}{message}" or run.error["message"].startswith(
            f"{path}{message}"
        ), run.error["message"]
        assert run.stdout == ""


def test_missing_file_and_unknown_cloud(cli: CliFn, acme: dict, tmp_path: Path) -> None:
    run = cli("bindings", "plan", str(tmp_path / "nope.toml"))
    assert run.exit_code == 2 and "cannot read desired-state file" in run.stderr
    unknown = cli("bindings", "plan", write(tmp_path, "[cloud.cld_000000000000]\n"))
    assert unknown.exit_code == 3, unknown.stderr


# -- over the server, with a CI token ------------------------------------------------------
def test_bindings_token_plans_and_applies(
    cli: CliFn, world: dict, tmp_path: Path, remote_server
) -> None:
    token = ok(cli("server", "token", "create", "--name", "ci", "--role", "owner",
                   "--account", "acme", "--scope", "bindings", "--json")).json["token"]  # fmt: skip
    env = {"GUANCE_BILLING_TOKEN": token}
    path = write(tmp_path, f'[cloud.{world["c1"]}]\nworkspaces = ["u1", "u4"]\n')
    plan = cli("bindings", "plan", path, "--detailed-exitcode", "--json", env=env)
    assert plan.exit_code == 2, plan.stderr
    applied = cli("bindings", "apply", path, "--yes", "--json", env=env)
    assert applied.exit_code == 0, applied.stderr
    assert applied.json["summary"]["bind"] == 1
    assert cli("bindings", "plan", path, "--detailed-exitcode", env=env).exit_code == 0
    exported = cli("bindings", "export", env=env)
    assert exported.exit_code == 0, exported.stderr
    assert cli("profile", "show", "--json", env=env).exit_code == 5
