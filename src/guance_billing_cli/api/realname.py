"""Real-name authentication (issue 4), declared once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.realname import RealnamePublic, RealnameReview, RealnameSubmit

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("realname",)


class Realname(Protocol):
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    @operation("GET /v1/accounts/{ref}/realname", "realname:get", command="realname show")
    def get_realname(self, ref: str) -> RealnamePublic:
        """Read an account's real-name authentication; answers an ETag."""

    # large_body: a licence scan
    @operation("POST /v1/accounts/{ref}/realname", "realname:submit",
               large_body=True, command="realname submit")
    def submit_realname(self, ref: str, data: RealnameSubmit) -> RealnamePublic:
        """Submit real-name authentication (enterprise with licence, or person)."""

    @operation("POST /v1/accounts/{ref}/realname/review", "realname:review",
               etag_from="get_realname", command="realname review")
    def review_realname(self, ref: str, data: RealnameReview) -> RealnamePublic:
        """Approve or reject a real-name submission (support); honours If-Match."""
