"""Changing the login email or phone (issue 3), declared once.

``kind`` (``email`` or ``phone``) travels in the query or the body; the server
documents and enforces its closed set (``server/app.py``: ``PARAM_CHOICES``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import READ, WRITE, operation

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
    @operation(
        "POST",
        "/v1/accounts/{ref}/changes",
        created="/v1/changes/{request_id}",
        tx=WRITE,
        service="verification:start",
        command="email change / phone change",
        description="Start changing the login email or phone: a code goes to the current "
        "address. 201 with the request's Location.",
    )
    def start_change(self, ref: str, data: ChangeStart) -> ChangeRequestPublic: ...

    @operation(
        "POST",
        "/v1/changes/{request_id}/verify",
        tx=WRITE,
        service="verification:verify",
        command="email verify / phone verify",
        description="Submit the code of the current step of a change request.",
    )
    def verify_change(
        self, request_id: str, data: CodeSubmit, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...

    @operation(
        "POST",
        "/v1/changes/{request_id}/new-address",
        tx=WRITE,
        service="verification:set_new_address",
        command="email change / phone change",
        description="Give the new address of a change request (a code goes to it).",
    )
    def set_change_address(
        self, request_id: str, data: NewAddress, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...

    @operation(
        "POST",
        "/v1/changes/{request_id}/resend",
        tx=WRITE,
        service="verification:resend",
        command="email resend / phone resend",
        description="Send the current step's code again (after the cooldown).",
    )
    def resend_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...

    @operation(
        "GET",
        "/v1/changes/{request_id}",
        tx=READ,
        service="verification:get",
        command="email status / phone status",
        description="Read one email or phone change request.",
    )
    def get_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...

    @operation(
        "POST",
        "/v1/changes/{request_id}/cancel",
        tx=WRITE,
        service="verification:cancel",
        command="email cancel / phone cancel",
        description="Cancel an open change request.",
    )
    def cancel_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...

    @operation(
        "GET",
        "/v1/accounts/{ref}/changes/latest",
        tx=READ,
        service="verification:latest",
        command="email status / phone status",
        description="Read the account's latest email or phone change request.",
    )
    def latest_change(self, ref: str, *, kind: str) -> ChangeRequestPublic: ...
