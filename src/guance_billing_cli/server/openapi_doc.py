"""The OpenAPI document as code generators read it (issue 24).

A schema in ``schemas/`` may state "exactly one of these shapes" with a ``oneOf``
beside its ``properties`` (``TokenCreate``: an owner token names an account, a
support token none). Validators read that as meant; generators do not: they build
one model per branch *without* the shared fields (no ``name`` on a token), and a
bare ``{"const": false}`` renders as broken Python. ``split_variants`` rewrites
each such schema into the same constraint said plainly: a ``oneOf`` of named
component schemas, each carrying every field (the shared ones narrowed by the
branch), with typed ``const`` values. The set of valid documents is unchanged.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_JSON_TYPES = {bool: "boolean", str: "string", int: "integer", float: "number"}


def _camel(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _non_null(shared: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of ``X | None`` (pydantic's ``anyOf``), keeping the rest."""
    branches = shared.get("anyOf")
    if not branches:
        return dict(shared)
    kept = [b for b in branches if b.get("type") != "null"]
    rest = {k: v for k, v in shared.items() if k not in ("anyOf", "default")}
    return {**rest, **kept[0]} if len(kept) == 1 else dict(shared)


def _narrow(shared: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    """A shared field as one branch constrains it."""
    keep: dict[str, Any] = {k: shared[k] for k in ("title", "description") if k in shared}
    if "const" in branch:
        value = branch["const"]
        return {**keep, "type": _JSON_TYPES[type(value)], "const": value}
    if branch.get("type") == "null":
        return {**keep, "type": "null"}
    if "enum" in branch:
        return {**keep, "type": "string", "enum": list(branch["enum"])}
    return {**_non_null(shared), **branch}


def _variant_name(name: str, index: int, branch: dict[str, Any]) -> str:
    if branch.get("title"):
        return name + _camel(str(branch["title"]))
    for prop in branch.get("properties", {}).values():
        if isinstance(prop.get("const"), str):
            return name + _camel(prop["const"])
    required = branch.get("required") or []
    if required:
        return name + _camel(required[0])
    return f"{name}Variant{index + 1}"


def split_variants(components: dict[str, Any]) -> None:
    """Rewrite, in place, every component schema with ``properties`` and ``oneOf``."""
    for name in list(components):
        schema = components[name]
        if not ("oneOf" in schema and "properties" in schema):
            continue
        shared = schema["properties"]
        names: list[str] = []
        for index, branch in enumerate(schema["oneOf"]):
            props: dict[str, Any] = {}
            for field, field_schema in shared.items():
                narrowing = branch.get("properties", {}).get(field)
                props[field] = (
                    _narrow(field_schema, narrowing) if narrowing else copy.deepcopy(field_schema)
                )
            for field, extra in branch.get("properties", {}).items():
                props.setdefault(field, extra)
            required = list(
                dict.fromkeys([*schema.get("required", []), *branch.get("required", [])])
            )
            variant_name = _variant_name(name, index, branch)
            while variant_name in components or variant_name in names:
                variant_name += str(index + 1)
            variant: dict[str, Any] = {
                "type": "object",
                "title": variant_name,
                "description": f"{name}, one of its {len(schema['oneOf'])} shapes.",
                "properties": props,
            }
            if required:
                variant["required"] = required
            if "additionalProperties" in schema:
                variant["additionalProperties"] = schema["additionalProperties"]
            components[variant_name] = variant
            names.append(variant_name)
        components[name] = {
            "title": schema.get("title", name),
            **({"description": schema["description"]} if "description" in schema else {}),
            "oneOf": [{"$ref": f"#/components/schemas/{n}"} for n in names],
        }


def name_bodies(schema: dict[str, Any]) -> None:
    """FastAPI names an embedded body ``Body_bind_workspaces``; generators then make
    ``BodyBindWorkspaces``. Rename each to ``BindWorkspacesRequest`` (refs too)."""
    import json

    components = schema.get("components", {}).get("schemas", {})
    renames = {
        name: _camel(name.removeprefix("Body_")) + "Request"
        for name in components
        if name.startswith("Body_")
        and _camel(name.removeprefix("Body_")) + "Request" not in components
    }
    if not renames:
        return
    text = json.dumps(schema)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed = json.loads(text)
    fresh = renamed["components"]["schemas"]
    for old, new in renames.items():
        fresh[new] = {**fresh.pop(old), "title": new}
    schema.clear()
    schema.update(renamed)
