"""Every pattern the OpenAPI document states compiles in the JSON-schema regex engine
that tools nobody here wrote use (schemathesis validates with jsonschema-rs, Rust's
regex): a pattern it cannot compile is silently dropped by a fuzzer, which then sends
values the service refuses (found after merging issues 22 and 24: the surrogate range
of the plain-text class broke every free-text field's pattern)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_every_pattern_of_the_document_compiles_and_refuses_hidden_text(
    tmp_path: Path,
) -> None:
    from guance_billing_cli.schemas.wire_rules import PRINTABLE
    from guance_billing_cli.server.app import create_app

    doc = create_app(f"sqlite:///{tmp_path / 'billing.db'}", migrate=True).openapi()
    patterns = set(_patterns(doc))
    assert PRINTABLE in {p.removeprefix("^$|") for p in patterns}
    broken = []
    for pattern in sorted(patterns):
        try:
            jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
        except Exception as exc:  # any refusal is the finding
            broken.append(f"{pattern[:60]}…: {str(exc)[:80]}")
    assert broken == []
    printable = jsonschema_rs.validator_for({"type": "string", "pattern": PRINTABLE})
    assert printable.is_valid("Acme Ltd 杭州")
    for hidden in ("\x8b", "\u202e", "\u200b", "\U000e0041", "\U000f0001"):
        assert not printable.is_valid(f"a{hidden}b"), ascii(hidden)
