"""Email through an SMTP server (``smtp.*`` config keys), with STARTTLS by default.

The password comes from ``GUANCE_BILLING_SMTP_PASSWORD`` or the OS keyring
(service ``guance-billing``, user ``smtp:USER@HOST``), never from the config file.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from typing import Any

from guance_billing_cli.delivery.maildir import build_message
from guance_billing_cli.delivery.settings import flag, secret, setting
from guance_billing_cli.errors import InvalidInput, Unavailable

PASSWORD_ENV = "GUANCE_BILLING_SMTP_PASSWORD"
TIMEOUT = 10.0


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool
    user: str | None

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpConfig:
        host = str(setting(settings, "smtp.host"))
        starttls = flag(setting(settings, "smtp.starttls"), key="smtp.starttls", default=True)
        raw_port = setting(settings, "smtp.port")
        try:
            port = int(raw_port) if raw_port not in (None, "") else (587 if starttls else 25)
        except ValueError:
            raise InvalidInput("config_not_number", field="smtp.port", value=raw_port) from None
        user = setting(settings, "smtp.user") or None
        return cls(host=host, port=port, starttls=starttls, user=str(user) if user else None)

    @property
    def keyring_user(self) -> str:
        return f"smtp:{self.user}@{self.host}"


def _reason(exc: BaseException) -> str:
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}" + (f" (SMTP {code})" if code else "")


def deliver(
    config: SmtpConfig,
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
) -> None:
    message = build_message(sender=sender, to=to, subject=subject, body=body, html=html)
    password = None
    if config.user:
        password = secret(PASSWORD_ENV, config.keyring_user)
        if password is None:
            raise Unavailable(
                "smtp_no_password",
                user=config.user,
                env=PASSWORD_ENV,
                keyring_user=config.keyring_user,
            )
    try:
        with smtplib.SMTP(config.host, config.port, timeout=TIMEOUT) as server:
            server.ehlo()
            if config.starttls:
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if config.user and password is not None:
                server.login(config.user, password)
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise Unavailable(
            "smtp_failed", host=config.host, port=config.port, why=_reason(exc)
        ) from None
