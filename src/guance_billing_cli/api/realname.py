"""Real-name authentication (issue 4), declared once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import READ, WRITE, operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.realname import RealnamePublic, RealnameReview, RealnameSubmit

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("realname",)


class Realname(Protocol):
    @operation(
        "GET",
        "/v1/accounts/{ref}/realname",
        tx=READ,
        service="realname:get",
        command="realname show",
        description="Read an account's real-name authentication; answers an ETag.",
    )
    def get_realname(self, ref: str) -> RealnamePublic: ...

    @operation(
        "POST",
        "/v1/accounts/{ref}/realname",
        large_body=True,  # a licence scan
        tx=WRITE,
        service="realname:submit",
        command="realname submit",
        description="Submit real-name authentication (enterprise with licence, or person).",
    )
    def submit_realname(self, ref: str, data: RealnameSubmit) -> RealnamePublic: ...

    @operation(
        "POST",
        "/v1/accounts/{ref}/realname/review",
        etag_from="get_realname",
        tx=WRITE,
        service="realname:review",
        args={"data": "decision"},
        command="realname review",
        description="Approve or reject a real-name submission (support); honours If-Match.",
    )
    def review_realname(self, ref: str, data: RealnameReview) -> RealnamePublic: ...
