"""Live completion values: which kind, which prefix, the values found."""

from __future__ import annotations

from pydantic import BaseModel, Field

from guance_billing_cli.schemas import wire_rules as rules
from guance_billing_cli.schemas.suggest_kinds import SUGGEST_KINDS


class SuggestQuery(rules.WireRequest):
    kind: str = rules.enum(SUGGEST_KINDS)
    prefix: str = Field(default="", max_length=128)
    account: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


class Suggestions(BaseModel):
    kind: str
    values: list[str]
