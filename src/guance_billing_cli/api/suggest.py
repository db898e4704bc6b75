"""Values for shell completion (issue 15), declared once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import ANY, operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.suggest import Suggestions, SuggestQuery

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("suggest",)


class Suggest(Protocol):
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    # scope ANY: every token may ask; the service filters by role
    @operation("GET /v1/suggest", "suggestions:answer", scope=ANY)
    def suggest(self, query: SuggestQuery) -> Suggestions:
        """Values for shell completion (ids, usernames), filtered by the caller's role."""
