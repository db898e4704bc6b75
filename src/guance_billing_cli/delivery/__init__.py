"""Delivery of verification messages: email and SMS, each with two transports.

The chooser (``send_email`` / ``send_sms``) picks the configured transport:

- email: SMTP when ``smtp.host`` is set, else a Maildir at ``$GUANCE_BILLING_HOME/outbox/mail``;
- SMS: an HTTP webhook when ``sms.webhook_url`` is set, else JSON lines at
  ``$GUANCE_BILLING_HOME/outbox/sms.jsonl``.

Every transport raises ``Unavailable`` (exit 10) when it cannot deliver; the
message never repeats the text that was being delivered (it holds a code).
Transports are imported only when a message is sent.
"""

from __future__ import annotations

from typing import Any

from guance_billing_cli.delivery.settings import (
    DEFAULT_SENDER,
    FALSE_WORDS,
    TRUE_WORDS,
    flag,
    secret,
    setting,
)

__all__ = [
    "DEFAULT_SENDER",
    "FALSE_WORDS",
    "TRUE_WORDS",
    "flag",
    "secret",
    "send_email",
    "send_sms",
    "setting",
]


def send_email(settings: Any, *, to: str, subject: str, body: str, html: str | None = None) -> str:
    """Deliver one email (plain text, and ``html`` as its alternative part); returns the
    transport used (``smtp`` or ``maildir``)."""
    sender = str(setting(settings, "smtp.from") or DEFAULT_SENDER)
    host = setting(settings, "smtp.host")
    if host:
        from guance_billing_cli.delivery import smtp

        smtp.deliver(
            smtp.SmtpConfig.from_settings(settings),
            sender=sender,
            to=to,
            subject=subject,
            body=body,
            html=html,
        )
        return "smtp"
    from guance_billing_cli.delivery import maildir

    maildir.deliver(
        maildir.default_path(), sender=sender, to=to, subject=subject, body=body, html=html
    )
    return "maildir"


def send_sms(settings: Any, *, to: str, text: str) -> str:
    """Deliver one SMS; returns the transport used (``webhook`` or ``file``)."""
    url = setting(settings, "sms.webhook_url")
    if url:
        from guance_billing_cli.delivery import sms_webhook

        sms_webhook.deliver(str(url), to=to, text=text, token=sms_webhook.bearer_token())
        return "webhook"
    from guance_billing_cli.delivery import sms_file

    sms_file.deliver(sms_file.default_path(), to=to, text=text)
    return "file"
