"""Server API tokens (stored hashed). Login codes live in ``challenges``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class ApiToken(SQLModel, table=True):
    """A bearer token. Only the SHA-256 of the secret is kept: tokens carry 256
    random bits, so a fast hash is enough (no salt or KDF needed against guessing)."""

    __tablename__ = "api_tokens"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=64)
    role: str = Field(max_length=16)
    account_id: str | None = Field(
        default=None, foreign_key="accounts.id", max_length=32, index=True
    )
    scopes: str = Field(default="", max_length=255)  # space-separated; empty = unrestricted
    prefix: str = Field(max_length=16)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=128)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
