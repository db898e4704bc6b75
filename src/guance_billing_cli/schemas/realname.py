"""Real-name authentication schemas.

``RealnamePublic.id_number`` is always masked (first 4 and last 4 characters):
the full resident ID number never leaves ``services/``.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, field_serializer, field_validator

REALNAME_TYPES: tuple[str, ...] = ("enterprise", "individual")
MAX_LICENSE_BYTES = 10 * 1024 * 1024


class LicenseUpload(BaseModel):
    """A business-licence scan: the original file name and its bytes (base64 in JSON)."""

    filename: str
    content: bytes

    @field_serializer("content")
    def _b64(self, value: bytes) -> str:
        return base64.b64encode(value).decode("ascii")

    @field_validator("content", mode="before")
    @classmethod
    def _unb64(cls, value: object) -> object:
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
        return value


class RealnameSubmit(BaseModel):
    type: str
    name: str
    tax_id: str | None = None
    id_number: str | None = None
    license: LicenseUpload | None = None
    replace: bool = False


class RealnameReview(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str | None = None


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
