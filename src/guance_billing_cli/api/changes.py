"""Changing the login email or phone (issue 3), declared once.

``kind`` (``email`` or ``phone``) travels in the query or the body; the server
documents and enforces its closed set (``server/app.py``: ``PARAM_CHOICES``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.verification import (
        ChangeRequestPublic,
        ChangeStart,
        CodeSubmit,
        NewAddress,
    )

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("verification",)


class Changes(Protocol):
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    @operation("POST /v1/accounts/{ref}/changes", "verification:start",
               created="/v1/changes/{request_id}", idempotent=False,
               command="email change / phone change")
    def start_change(self, ref: str, data: ChangeStart) -> ChangeRequestPublic:
        """Start changing the login email or phone: a code goes to the current address.
        201 with the request's Location."""

    @operation("POST /v1/changes/{request_id}/verify", "verification:verify",
               command="email verify / phone verify")
    def verify_change(
        self, request_id: str, data: CodeSubmit, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        """Submit the code of the current step of a change request."""

    @operation("POST /v1/changes/{request_id}/new-address", "verification:set_new_address",
               command="email change / phone change")
    def set_change_address(
        self, request_id: str, data: NewAddress, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        """Give the new address of a change request (a code goes to it)."""

    @operation("POST /v1/changes/{request_id}/resend", "verification:resend",
               command="email resend / phone resend")
    def resend_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        """Send the current step's code again (after the cooldown)."""

    @operation("GET /v1/changes/{request_id}", "verification:get",
               command="email status / phone status")
    def get_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        """Read one email or phone change request."""

    @operation("POST /v1/changes/{request_id}/cancel", "verification:cancel",
               command="email cancel / phone cancel")
    def cancel_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        """Cancel an open change request."""

    @operation("GET /v1/accounts/{ref}/changes/latest", "verification:latest",
               command="email status / phone status")
    def latest_change(self, ref: str, *, kind: str) -> ChangeRequestPublic:
        """Read the account's latest email or phone change request."""
