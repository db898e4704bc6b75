"""Does a new output schema break a program written against the old one?

The reader of OUTPUT counts on what the old schema promised. A new schema breaks it
(and needs a version bump, docs/output-schemas.md) when it:

- removes a property, or renames one (a removal plus an addition);
- no longer requires a property the old one required (the key may be missing);
- lets a value take a type the old one did not allow (``string`` -> ``string|null``,
  ``integer`` -> ``string``, an array where there was an object; ``integer`` where
  there was ``number`` is fine, it is narrower);
- adds a value to an ``enum`` or changes a ``const`` (a strict reader switches on them),
  or drops the ``enum`` altogether;
- changes or drops a ``format`` (``date-time``...);
- changes the shape of array items or of map values the same ways, at any depth.

Not breaking: a new property (readers ignore keys they do not know), a property that
becomes required, a type or enum narrowed, a new ``format``, descriptions, titles,
defaults, length and pattern constraints.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

MAX_DEPTH = 32


def breaks(old: Schema, new: Schema) -> list[str]:
    """The ways ``new`` breaks a reader of ``old`` (empty: compatible), each as
    ``<path>: <what>``; the path is a JSON pointer into the document."""
    found: list[str] = []
    _compare(old, new, (old, new), "", found)
    return found


def _resolve(node: Schema, doc: Schema) -> Schema:
    seen = 0
    while "$ref" in node and seen < 50:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **extra}
        seen += 1
    return node


#: the two whole documents compared (old, new): where their ``$ref``s point
Docs = tuple[Schema, Schema]


def _alternatives(node: Schema, doc: Schema) -> list[Schema]:
    """A schema as the list of plain schemas a value may match (anyOf/oneOf flattened,
    a list of types split, ``allOf`` of one schema unwrapped)."""
    node = _resolve(node, doc)
    if "allOf" in node and len(node["allOf"]) == 1:
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return _alternatives({**_resolve(node["allOf"][0], doc), **rest}, doc)
    for key in ("anyOf", "oneOf"):
        if key in node:
            rest = {k: v for k, v in node.items() if k != key}
            out: list[Schema] = []
            for branch in node[key]:
                out.extend(_alternatives(_merge(rest, _resolve(branch, doc)), doc))
            return out
    kinds = node.get("type")
    if isinstance(kinds, list):
        return [{**node, "type": kind} for kind in kinds]
    return [node]


def _merge(outer: Schema, branch: Schema) -> Schema:
    """A branch of ``anyOf``/``oneOf`` with the keywords beside it (both apply)."""
    merged = {**outer, **branch}
    if "properties" in outer and "properties" in branch:
        merged["properties"] = {**outer["properties"], **branch["properties"]}
    if "required" in outer or "required" in branch:
        merged["required"] = list(
            dict.fromkeys([*outer.get("required", []), *branch.get("required", [])])
        )
    return merged


def _kind(node: Schema) -> str | None:
    """The JSON type of a plain schema; None when it allows any type."""
    if "type" in node:
        return str(node["type"])
    values = node.get("enum", [node["const"]] if "const" in node else None)
    if values is not None:
        kinds = {_json_type(v) for v in values}
        return kinds.pop() if len(kinds) == 1 else None
    if "properties" in node:
        return "object"
    if "items" in node:
        return "array"
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _accepts(old_kind: str | None, new_kind: str | None) -> bool:
    if old_kind is None:
        return True
    if new_kind is None:
        return False
    return old_kind == new_kind or (old_kind == "number" and new_kind == "integer")


def _compare(old: Schema, new: Schema, docs: Docs, path: str, found: list[str]) -> None:
    if path.count("/") > MAX_DEPTH:  # a recursive model: its first levels are compared
        return
    olds = _alternatives(old, docs[0])
    for alt in _alternatives(new, docs[1]):
        kind = _kind(alt)
        candidates = [o for o in olds if _accepts(_kind(o), kind)]
        if not candidates:
            allowed = sorted({_kind(o) or "any" for o in olds})
            found.append(
                f"{path or '/'}: type {kind or 'any'} was not allowed ({'|'.join(allowed)})"
            )
            continue
        # the alternative must fit one old alternative; report the closest one's breaks
        best: list[str] | None = None
        for candidate in candidates:
            here: list[str] = []
            _compare_plain(candidate, alt, docs, path, here)
            if not here:
                best = []
                break
            if best is None or len(here) < len(best):
                best = here
        found.extend(best or [])


def _compare_plain(old: Schema, new: Schema, docs: Docs, path: str, found: list[str]) -> None:
    where = path or "/"
    old_values = old.get("enum", [old["const"]] if "const" in old else None)
    new_values = new.get("enum", [new["const"]] if "const" in new else None)
    if old_values is not None:
        if new_values is None:
            found.append(f"{where}: any value allowed where only {old_values} were")
        else:
            added = [v for v in new_values if v not in old_values]
            if added:
                found.append(f"{where}: new value(s) {added} (allowed before: {old_values})")
    if "format" in old and new.get("format") != old["format"]:
        found.append(f"{where}: format {old['format']!r} became {new.get('format')!r}")
    kind = _kind(new) or _kind(old)
    if kind == "object":
        old_props = old.get("properties", {})
        new_props = new.get("properties", {})
        for name, schema in old_props.items():
            if name not in new_props:
                found.append(f"{path}/{name}: removed")
                continue
            _compare(schema, new_props[name], docs, f"{path}/{name}", found)
        new_required = set(new.get("required", []))
        for name in old.get("required", []):
            if name in new_props and name not in new_required:
                found.append(f"{path}/{name}: no longer required (may be missing)")
        old_more, new_more = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_more, dict) and old_more:
            if isinstance(new_more, dict):
                _compare(old_more, new_more, docs, f"{path}/*", found)
            elif new_more is not False:
                found.append(f"{path}/*: map values of any type where {old_more} was promised")
    elif kind == "array":
        old_items, new_items = old.get("items"), new.get("items")
        if isinstance(old_items, dict) and old_items:
            if isinstance(new_items, dict):
                _compare(old_items, new_items, docs, f"{path}/[]", found)
            else:
                found.append(f"{path}/[]: items of any type where {old_items} was promised")


def against_baseline(baseline: dict[str, Schema], built: dict[str, Schema]) -> list[str]:
    """What ``built`` (command file name -> schema) breaks for readers of ``baseline``
    (the schemas of the last release) without a version bump: a reader-breaking change
    at the same ``x-version``, a version that went down, or a command's schema that is
    gone."""
    out: list[str] = []
    for name, before in sorted(baseline.items()):
        after = built.get(name)
        old_version = before["x-version"]
        if after is None:
            out.append(f"{name}: its --json schema (v{old_version}) is gone")
            continue
        new_version = after["x-version"]
        if new_version < old_version:
            out.append(f"{name}: version went down from {old_version} to {new_version}")
        elif new_version == old_version:
            out += [f"{name} v{new_version}: {problem}" for problem in breaks(before, after)]
    return out
