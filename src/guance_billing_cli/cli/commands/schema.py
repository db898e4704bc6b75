"""`guance-billing schema [COMMAND]`: the JSON Schema of a command's --json output.

The schemas are files shipped with the package (``data/output_schemas``, written by
``make schemas`` from ``schemas/cli_output.py``); this command only reads them, so it
imports neither pydantic models nor a store. docs/output-schemas.md.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from guance_billing_cli.cli.toolkit.options import JsonFlag

app = typer.Typer()


def _schemas() -> Any:
    from importlib import resources

    return resources.files("guance_billing_cli.data").joinpath("output_schemas")


def _load(name: str) -> dict[str, Any] | None:
    found = _schemas().joinpath(f"{name}.json")
    if not found.is_file():
        return None
    data: dict[str, Any] = json.loads(found.read_text(encoding="utf-8"))
    return data


def catalogue() -> list[dict[str, Any]]:
    """Every published schema: command, version, shape and $id, by command."""
    rows = []
    for entry in _schemas().iterdir():
        if entry.name.endswith(".json"):
            schema = json.loads(entry.read_text(encoding="utf-8"))
            rows.append(
                {
                    "command": schema["x-command"],
                    "version": schema["x-version"],
                    "shape": _shape(schema),
                    "id": schema["$id"],
                }
            )
    return sorted(rows, key=lambda row: row["command"])


def _shape(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:  # e.g. `workspace add`: one workspace, or a batch's results
        return "|".join(dict.fromkeys(_shape(branch) for branch in schema["anyOf"]))
    if schema.get("type") == "array":
        return "array"
    return "object"


@app.command("schema")
def schema(
    command: Annotated[
        list[str] | None,
        typer.Argument(
            help="The command, as words or one quoted string (`cloud bind`).",
            metavar="COMMAND",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Print the JSON Schema of COMMAND's --json output, or list the commands that have one.

    Each schema carries its version (`x-version`, also in `$id`); it goes up when a
    change could break a script reading the output (a key removed or renamed, a
    type changed, a new enum value). New keys may appear within a version:
    readers must ignore keys they do not know.

    \b
    Example:
      guance-billing schema
      guance-billing schema cloud bind > cloud-bind.schema.json
    """
    from guance_billing_cli.cli.toolkit import render

    words = " ".join(command or []).split()
    if not words:
        rows = catalogue()
        if as_json:
            render.write_json(rows)
        else:
            render.emit_rows(rows, fmt="table", columns=("command", "version", "shape", "id"))
        return
    found = _load("-".join(words))
    if found is None or found.get("x-command") != " ".join(words):
        from guance_billing_cli.errors import InvalidInput

        raise InvalidInput("no_output_schema", command=" ".join(words))
    render.write_json(found)
