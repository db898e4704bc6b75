"""Issue 24, item 7: versioned JSON output for scripts.

`guance-billing schema [COMMAND]` prints the JSON Schema of a command's --json output
(schemas/cli_output.py, committed under data/output_schemas by `make schemas`). These
tests hold the committed files to the models, hold every change to the released
baseline (docs/output-schemas/released: a change that breaks readers needs a version
bump), prove the comparator catches each kind of break, and validate the real --json
output of commands run against a real store with the schema `schema` prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from tests.support.cli import CliFn, Run
from tests.support.settlement import AWS_ID, TAX_ID, add_cloud, add_ws, authenticate, ok
from tests.test_auth import login, server  # noqa: F401  (server: a fixture)
from tests.test_password import NEW_PASSWORD, NO_TOKEN, PASSWORD, mail_codes

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "src" / "guance_billing_cli" / "data" / "output_schemas"
RELEASED = ROOT / "docs" / "output-schemas" / "released"
REGENERATE = "run `make schemas` and commit src/guance_billing_cli/data/output_schemas"


def load_dir(folder: Path) -> dict[str, dict[str, Any]]:
    return {f.stem: json.loads(f.read_text()) for f in sorted(folder.glob("*.json"))}


# -- (a) the committed schemas are the models' ------------------------------------------
@pytest.mark.local_only
def test_the_committed_schemas_are_what_the_models_generate() -> None:
    from guance_billing_cli.schemas import cli_output

    built = cli_output.build_all()
    committed = {f.stem: f.read_text() for f in sorted(COMMITTED.glob("*.json"))}
    stale = sorted(set(committed) - set(built))
    missing = sorted(set(built) - set(committed))
    differ = sorted(
        n for n in built if n in committed and committed[n] != cli_output.dumps(built[n])
    )
    assert not (stale or missing or differ), (
        f"output schemas out of date (stale {stale}, missing {missing}, changed {differ}): "
        + REGENERATE
    )


# -- (b) no reader-breaking change without a version bump -----------------------------
@pytest.mark.local_only
def test_no_change_breaks_readers_of_the_released_schemas_without_a_version_bump() -> None:
    from guance_billing_cli.schemas import cli_output
    from guance_billing_cli.schemas.output_compat import against_baseline

    baseline = load_dir(RELEASED)
    assert len(baseline) >= 50, "the released baseline is missing (make schemas ARGS=--release)"
    for built in (cli_output.build_all(), load_dir(COMMITTED)):
        problems = against_baseline(baseline, built)
        assert not problems, (
            "a change breaks readers of --json output; bump the command's version in "
            "src/guance_billing_cli/schemas/cli_output.py (OUTPUTS) and run `make schemas`, "
            "or keep the old shape:\n  " + "\n  ".join(problems)
        )


@pytest.mark.local_only
def test_a_breaking_model_change_fails_until_its_version_is_bumped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real model change, not a hand-edited schema: `cloud list` gets a field removed
    and another narrowed-to-widened (count -> text); the check fails at v1, passes at v2."""
    from pydantic import BaseModel

    from guance_billing_cli.schemas import cli_output
    from guance_billing_cli.schemas.output_compat import against_baseline

    class CloudAccountChanged(BaseModel):  # `instance_id` gone, `workspaces` now text
        id: str
        provider: str
        account_id: str
        status: str
        billing_account_id: str
        workspaces: str
        created_at: str
        unsubscribed_at: str | None

    baseline = load_dir(RELEASED)
    changed = cli_output.Output(CloudAccountChanged, many=True)
    monkeypatch.setitem(cli_output.OUTPUTS, "cloud list", changed)
    problems = against_baseline(baseline, cli_output.build_all())
    assert any(p.startswith("cloud-list v1: /[]/instance_id: removed") for p in problems), problems
    assert any("/[]/workspaces: type string was not allowed" in p for p in problems), problems
    assert any("/[]/created_at: format 'date-time' became None" in p for p in problems), problems
    assert all(p.startswith("cloud-list ") for p in problems), problems

    bumped = cli_output.Output(CloudAccountChanged, many=True, version=2)
    monkeypatch.setitem(cli_output.OUTPUTS, "cloud list", bumped)
    assert against_baseline(baseline, cli_output.build_all()) == []
    assert cli_output.build("cloud list")["$id"].endswith(":cloud-list:v2")

    monkeypatch.delitem(cli_output.OUTPUTS, "cloud list")
    assert against_baseline(baseline, cli_output.build_all()) == [
        "cloud-list: its --json schema (v1) is gone"
    ]


# -- the comparator, on mutations of a real committed schema ---------------------------
def _bind() -> dict[str, Any]:
    return json.loads((COMMITTED / "cloud-bind.json").read_text())


def _row(schema: dict[str, Any]) -> dict[str, Any]:
    return schema["$defs"]["BatchRowResult"]  # type: ignore[no-any-return]


def _remove(s: dict[str, Any]) -> None:
    del s["properties"]["dry_run"]


def _rename(s: dict[str, Any]) -> None:
    _row(s)["properties"]["ws_id"] = _row(s)["properties"].pop("workspace_id")
    _row(s)["required"] = ["ws_id" if r == "workspace_id" else r for r in _row(s)["required"]]


def _retype(s: dict[str, Any]) -> None:
    s["properties"]["dry_run"] = {"type": "string"}


def _nullable(s: dict[str, Any]) -> None:
    s["properties"]["dry_run"] = {"anyOf": [{"type": "boolean"}, {"type": "null"}]}


def _enum_value(s: dict[str, Any]) -> None:
    _row(s)["properties"]["result"]["enum"].append("skipped")


def _optional(s: dict[str, Any]) -> None:
    s["required"].remove("summary")


def _map_values(s: dict[str, Any]) -> None:
    s["properties"]["summary"]["additionalProperties"] = {"type": "string"}


def _items(s: dict[str, Any]) -> None:
    s["properties"]["results"]["items"] = {"type": "string"}


BREAKING = {
    "remove": (_remove, "/dry_run: removed"),
    "rename": (_rename, "/results/[]/workspace_id: removed"),
    "retype": (_retype, "/dry_run: type string was not allowed (boolean)"),
    "nullable": (_nullable, "/dry_run: type null was not allowed (boolean)"),
    "enum value added": (_enum_value, "/results/[]/result: new value(s) ['skipped']"),
    "no longer required": (_optional, "/summary: no longer required"),
    "map values retyped": (_map_values, "/summary/*: type string was not allowed (integer)"),
    "items retyped": (_items, "/results/[]: type string was not allowed (object)"),
}


@pytest.mark.local_only
@pytest.mark.parametrize("mutation", sorted(BREAKING))
def test_the_comparator_flags_each_change_that_breaks_readers(mutation: str) -> None:
    from guance_billing_cli.schemas.output_compat import against_baseline, breaks

    mutate, expected = BREAKING[mutation]
    new = _bind()
    mutate(new)
    found = breaks(_bind(), new)
    assert any(problem.startswith(expected) for problem in found), found
    assert against_baseline({"cloud-bind": _bind()}, {"cloud-bind": new}), "same version"
    new["x-version"] = 2
    assert against_baseline({"cloud-bind": _bind()}, {"cloud-bind": new}) == []


def _add(s: dict[str, Any]) -> None:
    s["properties"]["took_ms"] = {"type": "integer"}
    s["required"].append("took_ms")


def _narrow(s: dict[str, Any]) -> None:
    _row(s)["properties"]["result"]["enum"].remove("added")
    s["properties"]["cloud_account_id"] = {"type": "string"}  # null no longer possible


def _words(s: dict[str, Any]) -> None:
    s["description"] = "new words"
    _row(s)["properties"]["line"]["title"] = "Line number"


@pytest.mark.local_only
@pytest.mark.parametrize("mutation", [_add, _narrow, _words])
def test_the_comparator_lets_compatible_changes_through(mutation: Any) -> None:
    from guance_billing_cli.schemas.output_compat import breaks

    new = _bind()
    mutation(new)
    assert new != _bind()
    assert breaks(_bind(), new) == []


# -- every --json command is covered ----------------------------------------------------
def _commands_with_json() -> set[str]:
    import typer.main

    from guance_billing_cli.app import app
    from guance_billing_cli.cli.completion import tree

    found: set[str] = set()

    def walk(command: Any, path: list[str]) -> None:
        if tree.is_group(command):
            for name in command.list_commands(None):
                sub = tree.subcommand(command, name)
                if sub is not None and not getattr(sub, "hidden", False):
                    walk(sub, [*path, name])
        elif any("--json" in option.opts for option in tree.options(command)):
            found.add(" ".join(path))

    walk(typer.main.get_command(app), [])
    return found


@pytest.mark.local_only
def test_every_command_with_json_output_has_a_schema_or_is_listed_as_unpublished() -> None:
    from guance_billing_cli.schemas import cli_output

    with_json = _commands_with_json()
    published, unpublished = set(cli_output.OUTPUTS), set(cli_output.UNPUBLISHED)
    assert not published & unpublished
    assert with_json - published - unpublished == set(), "add them to OUTPUTS"
    assert (published | unpublished) - with_json == set(), "no such command with --json"
    assert len({cli_output.slug(c) for c in published}) == len(published)


# -- the command ----------------------------------------------------------------------
@pytest.mark.local_only
def test_schema_lists_prints_and_refuses(cli: CliFn) -> None:
    from guance_billing_cli.schemas.cli_output import OUTPUTS

    table = cli("schema")
    assert table.exit_code == 0, table.stderr
    assert "cloud bind" in table.stdout and "urn:guance-billing:cli-output:cloud-bind:v1" in (
        table.stdout
    )
    listed = ok(cli("schema", "--json")).json
    assert [row["command"] for row in listed] == sorted(OUTPUTS)
    assert {row["shape"] for row in listed} >= {"object", "array"}

    words, quoted = ok(cli("schema", "cloud", "bind")), ok(cli("schema", "cloud bind", "--json"))
    assert words.stdout == quoted.stdout
    assert words.json == json.loads((COMMITTED / "cloud-bind.json").read_text())
    assert words.json["x-version"] == 1 and words.json["$id"].endswith("cloud-bind:v1")
    assert words.json["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    seen: set[str] = set()  # and both of its own shapes validate against its schema
    assert check(cli, "schema", cli("schema", "--json"), seen) == listed
    assert check(cli, "schema", cli("schema", "audit", "verify", "--json"), seen)["anyOf"]

    for args in (("no", "such"), ("audit", "export"), ("cloud",), ("server", "run")):
        refused = cli("schema", *args)
        assert refused.exit_code == 2, (args, refused.stderr)
        assert refused.stdout == ""
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "has no published JSON output schema" in lines[0], lines
        assert "Traceback" not in refused.stderr
    as_json = cli("schema", "audit", "export", "--json")
    assert as_json.exit_code == 2 and as_json.error["reason"] == "no_output_schema"
    assert as_json.error["params"] == {"command": "audit export"}


@pytest.mark.local_only
def test_schema_speaks_chinese(cli: CliFn) -> None:
    refused = cli("--lang", "zh-CN", "schema", "audit", "export")
    assert refused.exit_code == 2
    assert "没有已发布的 JSON 输出 Schema" in refused.stderr


# -- the real output validates ---------------------------------------------------------
def _strict(node: Any) -> Any:
    """The schema with no key beyond those declared: the output must be described
    completely, not just be a superset of the schema."""
    if isinstance(node, dict):
        node = {key: _strict(value) for key, value in node.items()}
        if node.get("type") == "object" and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(value) for value in node]
    return node


def check(
    cli: CliFn, command: str, run: Run, seen: set[str], codes: tuple[int, ...] = (0, 9)
) -> Any:
    assert run.exit_code in codes, (command, run.exit_code, run.stderr)
    schema = ok(cli("schema", command)).json
    validator = jsonschema_rs.validator_for(_strict(schema), validate_formats=True)
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(run.json)]
    assert not errors, (command, errors, run.stdout[:2000])
    seen.add(command)
    return run.json


def test_real_json_output_validates_against_the_printed_schema(
    cli: CliFn, make_account: Any, clock: Any, tmp_path: Path
) -> None:
    seen: set[str] = set()

    def run(*args: str, input: str | None = None) -> Any:
        words = [a for a in args if not a.startswith("-")]
        command = next(
            " ".join(words[:n]) for n in (3, 2, 1) if " ".join(words[:n]) in _published()
        )
        return check(cli, command, cli(*args, "--json", input=input), seen)

    account = make_account("acme")
    run("account", "show", "acme")
    run("account", "list")
    run("account", "use", "acme")
    run("account", "update", "acme", "--arbitrary-settlement", "on")
    run("profile", "update", "--contact-name", "Li Lei")
    run("profile", "show")
    authenticate(cli, account["username"])
    run("realname", "show")
    title = run("invoice", "title", "add", "--type", "vat_ordinary", "--title", "Acme Ltd",
                "--tax-id", TAX_ID)  # fmt: skip
    run("invoice", "title", "list")
    address = run("invoice", "address", "add", "--recipient", "Li Lei",
                  "--phone", "+8613800138000", "--email", "li@acme.example.com",
                  "--address", "1 Road, Hangzhou")  # fmt: skip
    run("invoice", "address", "list")
    invoice = run("invoice", "request", "--title-id", title["id"], "--address-id",
                  address["id"], "--amount", "100")  # fmt: skip
    run("invoice", "list")
    run("invoice", "show", invoice["id"])
    run("invoice", "cancel", invoice["id"], "--yes")

    cloud = add_cloud(cli, "aws", AWS_ID)
    for ws, site in (("u1", "us1"), ("u2", "us1"), ("h1", "cn1")):
        add_ws(cli, ws, site)
    run("workspace", "add", "--id", "u3", "--name", "Three", "--site", "us1")
    run("workspace", "add", "--from-file", "-", input="id,name,site\nu4,Four,us1\nu5,Five,zz9\n")
    run("cloud", "list")
    run("cloud", "show", cloud["id"])
    run("cloud", "bind", cloud["id"], "u1", "u2", "h1")  # h1 refused: exit 9
    run("workspace", "show", "u1")
    run("workspace", "list")
    run("bindings", "export")
    run("cloud", "unsubscribe", cloud["id"], "--yes")
    run("cloud", "resubscribe", cloud["id"])
    run("workspace", "dissolve", "u3", "--yes")
    run("audit", "list")
    created = run("server", "token", "create", "--name", "ci", "--role", "owner",
                  "--account", "acme", "--scope", "bindings")  # fmt: skip
    assert created["token"].startswith(created["prefix"]) and created["scope"] == "bindings"
    run("server", "token", "list")
    run("status")
    run("doctor")
    run("config", "path")
    run("completion", "bash")

    assert len(seen) == 32, sorted(seen)


@pytest.mark.local_only  # the store, its key and the config file are this host's
def test_store_keys_and_config_json_output_validates_against_the_printed_schema(
    cli: CliFn, make_account: Any, tmp_path: Path
) -> None:
    """store init|migrate|backup|restore|verify, server migrate, keys rotate and config
    show|set|unset on real SQLite files, the backend's store and the config file."""
    seen: set[str] = set()

    def run(command: str, *args: str) -> Any:
        return check(cli, command, cli(*command.split(), *args, "--json"), seen)

    make_account("acme")  # in the backend's store (SQLite, or PostgreSQL on local-pg)
    empty = tmp_path / "empty.db"
    empty.touch()
    planned = run("store migrate", "--store", str(empty), "--dry-run")
    assert planned["from"] is None and planned["pending"][-1] == planned["head"]
    behind = check(cli, "store verify", cli("store", "verify", "--store", str(empty), "--json"),
                   seen, codes=(10,))  # fmt: skip
    assert behind["ok"] is False and behind["schema_status"] == "behind"
    assert behind["audit"] is None
    fresh = tmp_path / "fresh.db"
    created = run("store init", "--store", str(fresh))
    assert created["from"] is None and created["to"] == created["head"] and created["changed"]
    assert run("store migrate", "--store", str(fresh), "--dry-run")["pending"] == []
    assert run("server migrate", "--store", str(fresh))["changed"] is False
    copy = tmp_path / "copy.db"
    backed_up = run("store backup", str(copy), "--store", str(fresh))
    assert backed_up["file"] == str(copy) and backed_up["bytes"] == copy.stat().st_size > 0
    restored = run("store restore", str(copy), "--store", str(fresh))
    assert restored["replaced_kept_at"] and restored["will_migrate"] is False
    verified = run("store verify")
    assert verified["ok"] and verified["audit"]["ok"] and verified["audit"]["checked"] > 0
    rotated = run("keys rotate", "--new-key-file", str(tmp_path / "new.key"), "--generate")
    assert (
        rotated["new_key_file_created"]
        and rotated["old_fingerprint"] != (rotated["new_fingerprint"])
    )
    assert (tmp_path / "new.key").read_text().strip() not in json.dumps(rotated)
    assert run("config set", "timeout", "12")["value"] == "12"
    assert run("config set", "smtp.user", "mailer")["key"] == "smtp.user"
    shown = run("config show")
    row = next(row for row in shown["values"] if row["key"] == "timeout")
    assert str(row["value"]) == "12" and row["source"].startswith("profile ")
    assert str(shown["settings"]["timeout"]) == "12"
    assert run("config unset", "timeout")["key"] == "timeout"

    assert seen == {
        "store init", "store migrate", "server migrate", "store backup", "store restore",
        "store verify", "keys rotate", "config set", "config show", "config unset",
    }  # fmt: skip


def test_password_and_audit_json_output_validates_against_the_printed_schema(
    cli: CliFn, home: Path, tmp_path: Path, clock: Any
) -> None:
    """password reset|forgot (each step) and audit checkpoint|verify (each shape)."""
    seen: set[str] = set()

    def run(command: str, *args: str, input: str | None = None) -> Any:
        env = NO_TOKEN if command == "password forgot" else None  # forgot: no token at all
        done = cli(*command.split(), *args, "--json", input=input, env=env)
        assert done.exit_code == 0, (command, args, done.stderr)
        return check(cli, command, done, seen)

    created = cli("account", "create", "--username", "acme", "--company-name", "Acme Ltd",
                  "--email", "ops@acme.com", "--phone", "+8613800138000",
                  "--password-stdin", "--json",
                  input=PASSWORD + "\n")  # fmt: skip
    assert created.exit_code == 0, created.stderr
    started = run("password reset", "--account", "acme")
    assert started["state"] == "awaiting_code"
    [code] = mail_codes(home)
    answer = f"{code}\n{NEW_PASSWORD}\n"
    finished = run("password reset", started["request_id"], "--account", "acme",
                   "--code-stdin", "--password-stdin", input=answer)  # fmt: skip
    assert finished["state"] == "completed"
    clock.advance(seconds=120)  # past the resend cooldown
    sent = run("password forgot", "--email", "ops@acme.com")
    assert sent["state"] == "code_sent" and sent["sent_to"] == "o***@acme.com"
    code = mail_codes(home)[-1]
    reset = run("password forgot", sent["request_id"], "--code-stdin", "--password-stdin",
                input=f"{code}\nThird-Pass-word-3\n")  # fmt: skip
    assert reset["state"] == "completed" and code not in json.dumps(reset)

    document = run("audit checkpoint")
    assert document["statement"]["sequence"] == 1 and document["signature"]
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    (checkpoints / "checkpoint-1.json").write_text(json.dumps(document))
    written = run("audit checkpoint", "--dir", str(checkpoints))
    assert written["sequence"] == 2 and Path(written["file"]).parent == checkpoints
    chain = run("audit verify", "--checkpoints", str(checkpoints))
    assert chain["ok"] and chain["checkpoints"] == 2 and chain["checked"] > 0
    export, key = tmp_path / "acme.jsonl", tmp_path / "audit.pub"
    assert cli("audit", "export", "--account", "acme", "-o", str(export)).exit_code == 0
    assert cli("audit", "public-key", "--output", str(key)).exit_code == 0
    offline = run("audit verify", "--file", str(export), "--public-key", str(key))
    assert offline["ok"] and offline["events"] > 0 and offline["checkpoints"] == 2

    assert seen == {"password reset", "password forgot", "audit checkpoint", "audit verify"}


def _published() -> set[str]:
    from guance_billing_cli.schemas.cli_output import OUTPUTS

    return set(OUTPUTS)


@pytest.mark.usefixtures("server")
def test_auth_json_output_validates_against_the_printed_schema(cli: CliFn) -> None:
    """auth login|status|token|logout against a real server (test_auth's fixture)."""
    seen: set[str] = set()
    logged_in = check(cli, "auth login", login(cli), seen)
    assert logged_in["storage"] == "keyring" and logged_in["path"] is None
    check(cli, "auth status", cli("auth", "status", "--json"), seen)
    shown = check(cli, "auth token", cli("auth", "token", "--json"), seen)
    assert shown["token"].startswith("gbt_")
    again = check(cli, "auth login", login(cli), seen)  # replaces (and revokes) the first
    assert again["replaced_token_revoked"] == logged_in["token_id"]
    check(cli, "auth logout", cli("auth", "logout", "--json"), seen)
    assert seen == {"auth login", "auth status", "auth token", "auth logout"}
