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

import os
from typing import Any

DEFAULT_SENDER = "Guance Billing <no-reply@guance-billing.localhost>"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def setting(settings: Any, key: str, default: Any = None) -> Any:
    """A config value: environment variable, then the profile (``settings`` may be None)."""
    if settings is not None:
        return settings.get(key, default)
    from guance_billing_cli.config import CONFIG_KEYS

    env_name = CONFIG_KEYS.get(key, (None, ""))[0]
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    return default


def flag(value: Any, *, key: str, default: bool) -> bool:
    from guance_billing_cli.errors import InvalidInput

    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidInput("config_not_boolean", field=key, value=value)


def secret(env_name: str, keyring_user: str) -> str | None:
    """A delivery secret: the environment variable, else the OS keyring (3 s timeout)."""
    if os.environ.get(env_name):
        return os.environ[env_name]
    import keyring

    from guance_billing_cli.keyring_access import SERVICE, KeyringUnusable, with_timeout

    try:
        return with_timeout(keyring.get_password, SERVICE, keyring_user)
    except KeyringUnusable:  # no usable backend, or it hangs: same as "not stored"
        return None


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
