"""Email / phone change requests: what the client sends and what it gets back.

``sent_to`` is always masked (``j***@acme.com``, ``+86 138****5678``), in JSON
too: the address a code went to is personal data and JSON output ends up in CI
logs. The full addresses are available from ``account show``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, SecretStr

from guance_billing_cli.schemas import wire_rules as rules

CHANGE_KINDS: tuple[str, ...] = ("email", "phone")
CHANGE_STATES: tuple[str, ...] = (
    "awaiting_current_code",
    "awaiting_new_code",
    "completed",
    "cancelled",
    "failed",
    "expired",
)
OPEN_STATES: tuple[str, ...] = ("awaiting_current_code", "awaiting_new_code")

#: The error reason (``i18n/errors.py``) of a request that has ended, by its state.
ENDED: dict[str, str] = {
    "completed": "request_completed",
    "cancelled": "request_cancelled",
    "failed": "request_failed",
    "expired": "request_expired",
}


class ChangeStart(rules.WireRequest):
    """Start a change: a code goes to the account's current address."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # the new address (optional here) has the kind's form
                {
                    "properties": {
                        "kind": {"const": "email"},
                        "new_address": {"anyOf": [{"type": "null"}, {"pattern": rules.EMAIL}]},
                    }
                },
                {
                    "properties": {
                        "kind": {"const": "phone"},
                        "new_address": {"anyOf": [{"type": "null"}, {"pattern": rules.PHONE}]},
                    }
                },
            ]
        }
    )

    kind: str = rules.enum(CHANGE_KINDS)
    new_address: str | None = None


class CodeSubmit(rules.WireRequest):
    code: SecretStr = rules.pattern(rules.CODE)


class NewAddress(rules.WireRequest):
    new_address: str


class ChangeRequestPublic(BaseModel):
    request_id: str
    kind: str
    state: str
    account_id: str
    #: which address the outstanding code went to: ``current`` or ``new`` (None: no code out)
    code_target: str | None
    #: masked address of the outstanding code (None when no code is out)
    sent_to: str | None
    #: masked new address, once given
    new_address: str | None
    #: deadline of the current step (the code's expiry); None once finished
    expires_at: datetime | None
    attempts_left: int
    sends_left: int
    #: earliest time ``resend`` is accepted (None when no resend is possible)
    resend_available_at: datetime | None
    created_at: datetime
    updated_at: datetime
    #: other sessions of the account ended when the change applied
    sessions_revoked: int = 0
