"""The desired-state file of ``bindings plan|apply`` (TOML) and the plan file (JSON).

``tomllib`` reads the TOML and reports syntax errors with their line; for the
mistakes it cannot see (an unknown key, a workspace listed twice) a small line
scan finds where the key or the id stands, so every error names ``FILE:LINE``::

    version = 1

    [cloud.cld_3f9c2a1b7d04]        # workspaces that settle through this cloud account
    exclusive = true                # and no other: any other bound workspace is unbound
    workspaces = ["wksp_a", "wksp_b"]

    [billing_center]                # workspaces that settle through the billing center
    workspaces = ["wksp_c"]

``export`` writes the same format from the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guance_billing_cli.errors import InvalidInput

if TYPE_CHECKING:
    from guance_billing_cli.schemas.bindings import BindingsPlan, DesiredState

VERSION = 1
TOP_KEYS = ("version", "cloud", "billing_center")
CLOUD_KEYS = ("workspaces", "exclusive")
CENTER_KEYS = ("workspaces",)
_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")
_STRING = re.compile(r""""((?:[^"\\]|\\.)*)"|'([^']*)'""")
_BARE = re.compile(r"[A-Za-z0-9_-]+")


class _Lines:
    """Where things stand in the file: the line of a table, of a key in a table, and of
    each workspace id in a table's ``workspaces`` list (in order)."""

    def __init__(self, text: str) -> None:
        self.tables: dict[str, int] = {}
        self.keys: dict[tuple[str, str], int] = {}
        self.ids: dict[str, list[tuple[str, int]]] = {}
        table, in_list = "", False
        for number, line in enumerate(text.splitlines(), 1):
            code = _code(line)
            header = _HEADER.match(code)
            if header:
                table, in_list = _dotted(header.group(1)), False
                self.tables.setdefault(table, number)
                continue
            key = _KEY.match(code)
            if key:
                name = _unquote(key.group(1))
                self.keys.setdefault((table, name), number)
                in_list = name == "workspaces"
                code = code[key.end() :]
            if in_list:
                for match in _STRING.finditer(code):
                    value = match.group(1) if match.group(1) is not None else match.group(2)
                    self.ids.setdefault(table, []).append((value, number))
                if "]" in code:
                    in_list = False

    def of_id(self, table: str, value: str, nth: int = 0) -> int | None:
        seen = 0
        for found, line in self.ids.get(table, ()):
            if found == value:
                if seen == nth:
                    return line
                seen += 1
        return None


def _code(line: str) -> str:
    """The line without a trailing comment (a ``#`` outside quotes)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _unquote(key: str) -> str:
    return key[1:-1] if key[:1] in "\"'" and key[-1:] == key[:1] else key


def _dotted(header: str) -> str:
    """``cloud."cld_x"`` -> ``cloud.cld_x`` (quotes off; the id may hold no dot)."""
    parts = re.findall(r""""[^"]*"|'[^']*'|[^.\s]+""", header)
    return ".".join(_unquote(p) for p in parts)


def read_desired(path: str) -> DesiredState:
    """The desired state in ``path`` (``-``: stdin); exit 2 with FILE:LINE when malformed."""
    import sys
    import tomllib

    from guance_billing_cli.schemas.bindings import DesiredCloud, DesiredState

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8, or a NUL in the path
        raise InvalidInput(
            "bindings_file_unreadable", field="FILE", path=path, why=_why(exc)
        ) from None
    name = "<stdin>" if path == "-" else path
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at: int | None = _line_of(message) or (len(text.splitlines()) or 1)
        why = message.split(" (at ")[0]
        raise InvalidInput(
            "bindings_file_not_toml", field="FILE", where=_where(name, at), why=why
        ) from None
    scanned: list[_Lines] = []

    def lines() -> _Lines:  # the line scan runs only when there is an error to place
        if not scanned:
            scanned.append(_Lines(text))
        return scanned[0]

    def fail(reason: str, line: int | None, **params: Any) -> InvalidInput:
        return InvalidInput(reason, field="FILE", where=_where(name, line), **params)

    def check_keys(table: dict[str, Any], known: Iterable[str], where: str) -> None:
        for key in table:
            if key not in known:
                at = lines().keys.get((where, key)) or lines().tables.get(_join(where, key))
                raise fail("bindings_file_unknown_key", at, key=key, choices=list(known))

    check_keys(data, TOP_KEYS, "")
    if "version" in data and data["version"] != VERSION:
        at = lines().keys.get(("", "version"))
        raise fail("bindings_file_version", at, value=data["version"], known=VERSION)
    # workspace -> (where, index): its line is looked up only for an error
    first: dict[str, tuple[str, int]] = {}
    listed_in: dict[str, list[str]] = {}

    def ids(table: Any, where: str) -> list[str]:
        check_keys(table, CLOUD_KEYS if where != "billing_center" else CENTER_KEYS, where)
        listed = table.get("workspaces", [])
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            raise fail("bindings_file_not_ids", lines().keys.get((where, "workspaces")),
                       key=f"{where}.workspaces")  # fmt: skip
        listed_in[where] = listed
        for index, value in enumerate(listed):
            ws_id = value.strip()
            if ws_id in first:
                label, first_index = first[ws_id]
                where_first = "billing_center" if label == "billing_center" else f"cloud.{label}"
                first_line = lines().of_id(where_first, listed_in[where_first][first_index])
                at = lines().of_id(where, value, listed[:index].count(value))
                raise fail("bindings_file_workspace_twice", at, workspace_id=ws_id,
                           first=label, first_line=first_line or "?")  # fmt: skip
            first[ws_id] = (where.removeprefix("cloud."), index)
        return listed

    clouds: list[DesiredCloud] = []
    section = data.get("cloud", {})
    if not isinstance(section, dict):
        raise fail("bindings_file_not_table", lines().keys.get(("", "cloud")), key="cloud")
    for cloud_id, table in section.items():
        where = f"cloud.{cloud_id}"
        if not isinstance(table, dict):
            at = lines().keys.get(("cloud", cloud_id)) or lines().tables.get("cloud")
            raise fail("bindings_file_not_table", at, key=where)
        exclusive = table.get("exclusive", False)
        if not isinstance(exclusive, bool):
            raise fail("bindings_file_not_bool", lines().keys.get((where, "exclusive")),
                       key=f"{where}.exclusive")  # fmt: skip
        listed = ids(table, where)
        clouds.append(DesiredCloud(cloud_account_id=cloud_id, workspaces=listed,
                                   exclusive=exclusive))  # fmt: skip
    center = None
    if "billing_center" in data:
        if not isinstance(data["billing_center"], dict):
            raise fail("bindings_file_not_table", lines().keys.get(("", "billing_center")),
                       key="billing_center")  # fmt: skip
        center = ids(data["billing_center"], "billing_center")
    return DesiredState(clouds=clouds, billing_center=center)


def _join(table: str, key: str) -> str:
    return f"{table}.{key}" if table else key


def _where(name: str, line: int | None) -> str:
    return f"{name}:{line}" if line else name


def _line_of(message: str) -> int | None:
    found = re.search(r"at line (\d+)", message)
    return int(found.group(1)) if found else None


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)


# -- export -------------------------------------------------------------------------------
def _key(value: str) -> str:
    import json

    return value if _BARE.fullmatch(value) else json.dumps(value)


def _list(ids: list[str]) -> Iterator[str]:
    import json

    if not ids:
        yield "workspaces = []"
        return
    yield "workspaces = ["
    for ws_id in ids:
        yield f"  {json.dumps(ws_id)},"
    yield "]"


def export_text(
    account: str,
    clouds: list[tuple[Any, list[str]]],
    billing_center: list[str] | None,
) -> str:
    """A desired-state file of today's bindings: every cloud account ``exclusive`` (the
    file then says everything that settles through it)."""
    out = [
        f"# Desired workspace bindings of billing account {account}",
        "# written by `guance-billing bindings export`; check with `guance-billing bindings plan`",
        f"version = {VERSION}",
    ]
    for cloud, ids in clouds:
        out += ["", f"# {cloud.provider} {cloud.account_id} ({cloud.status})"]
        out += [f"[cloud.{_key(cloud.id)}]", "exclusive = true", *_list(ids)]
    if billing_center is not None:
        out += ["", "[billing_center]", *_list(billing_center)]
    return "\n".join(out) + "\n"


# -- plan files -----------------------------------------------------------------------------
def read_plan(path: str) -> BindingsPlan:
    from pydantic import ValidationError

    from guance_billing_cli.schemas.bindings import PLAN_VERSION, BindingsPlan

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise InvalidInput("file_unreadable", field="plan", path=path, why=_why(exc)) from None
    try:
        plan = BindingsPlan.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        why = f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}"
        raise InvalidInput("bindings_plan_unreadable", field="plan", path=path,
                           why=why.lstrip(": ")) from None  # fmt: skip
    if plan.version != PLAN_VERSION:
        raise InvalidInput("bindings_plan_unreadable", field="plan", path=path,
                           why=f"version {plan.version}")  # fmt: skip
    return plan


def write_plan(path: str, plan: BindingsPlan) -> None:
    try:
        Path(path).write_text(plan.model_dump_json(indent=1) + "\n", encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise InvalidInput("file_unwritable", field="out", path=path, why=_why(exc)) from None
