"""Passwords: policy and argon2id hashing. Hashes never leave ``services/``."""

from __future__ import annotations

from functools import cache
from importlib import resources

from guance_billing_cli.errors import InvalidInput

MIN_LENGTH, MAX_LENGTH = 8, 64


@cache
def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher, Type

    return PasswordHasher(type=Type.ID)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("guance_billing_cli.data").joinpath("common_passwords.txt").read_text()
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_policy(password: str, *, username: str, email: str, phone: str) -> None:
    """Raise InvalidInput (exit 2) naming the rule a new password breaks."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"password must be {MIN_LENGTH} to {MAX_LENGTH} characters", field="password"
        )
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        raise InvalidInput(
            "password must mix at least three of: lower case, upper case, digits, symbols",
            field="password",
        )
    lowered = password.lower()
    if lowered in {username.lower(), email.lower(), phone.lower(), phone.lstrip("+")}:
        raise InvalidInput(
            "password must not be the username, email or phone", field="password"
        )
    if lowered in common_passwords():
        raise InvalidInput("password is too common; choose another", field="password")


def hash_new_password(password: str, *, username: str, email: str, phone: str) -> str:
    check_policy(password, username=username, email=email, phone=phone)
    return str(_hasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
