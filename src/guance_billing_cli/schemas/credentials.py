"""Password change and reset schemas. Passwords travel only as ``SecretStr``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, SecretStr


class PasswordChange(BaseModel):
    current_password: SecretStr
    new_password: SecretStr


class PasswordChanged(BaseModel):
    account_id: str
    changed_at: datetime
