"""Real-name authentication schemas.

``RealnamePublic.id_number`` is always masked (first 4 and last 4 characters):
the full resident ID number never leaves ``services/``.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from guance_billing_cli.schemas import wire_rules as rules

REALNAME_TYPES: tuple[str, ...] = ("enterprise", "individual")
MAX_LICENSE_BYTES = 10 * 1024 * 1024


class LicenseUpload(rules.WireRequest):
    """A business-licence scan: the original file name and its bytes, base64-encoded.

    Plain base64 text (not ``bytes``) so every transport carries it unchanged."""

    filename: str = rules.text(255)
    content_base64: str = rules.rule(rules.LICENCE)

    @classmethod
    def from_bytes(cls, filename: str, data: bytes) -> LicenseUpload:
        return cls(filename=filename, content_base64=base64.b64encode(data).decode("ascii"))

    def content(self) -> bytes:
        """The file's bytes; a malformed encoding is a malformed file (exit 2)."""
        try:
            return base64.b64decode(self.content_base64, validate=True)
        except ValueError:
            from guance_billing_cli.errors import InvalidInput

            raise InvalidInput("license_not_base64", field="license") from None


class RealnameSubmit(rules.WireRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # an enterprise by its tax id (and licence), a person by the ID number
                {
                    "properties": {
                        "type": {"const": "enterprise"},
                        "tax_id": {"type": "string"},
                        "id_number": {"type": "null"},
                    },
                    "required": ["tax_id"],
                },
                {
                    "properties": {
                        "type": {"const": "individual"},
                        "id_number": {"type": "string"},
                        "tax_id": {"type": "null"},
                        "license": {"type": "null"},
                    },
                    "required": ["id_number"],
                },
            ]
        }
    )

    type: str = rules.enum(REALNAME_TYPES)
    name: str = rules.text(128)
    tax_id: str | None = rules.rule(rules.USCC, None)
    id_number: str | None = rules.rule(rules.RESIDENT_ID, None)
    license: LicenseUpload | None = None
    replace: rules.WireBool = False


class RealnameReview(rules.WireRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # a rejection says why
                {"properties": {"decision": {"const": "approve"}, "reason": {"type": "null"}}},
                {
                    "properties": {
                        "decision": {"const": "reject"},
                        "reason": {"type": "string", "minLength": 1, "pattern": rules.PRINTABLE},
                    },
                    "required": ["reason"],
                },
            ]
        }
    )

    decision: Literal["approve", "reject"]
    reason: str | None = rules.text(500, None)


class LicenseInfo(BaseModel):
    name: str
    size: int
    sha256: str


class RealnamePublic(BaseModel):
    account_id: str
    status: str
    type: str | None = None
    name: str | None = None
    tax_id: str | None = None
    id_number: str | None = None  # masked
    reason: str | None = None
    license: LicenseInfo | None = None
    submitted_at: datetime | None = None
    reviewed_at: datetime | None = None
