"""SMS through an HTTP webhook: ``POST {"to", "text"}`` as JSON, bearer token, 5 s timeout.

The token comes from ``GUANCE_BILLING_SMS_TOKEN`` or the OS keyring (service
``guance-billing``, user ``sms-webhook``); without one, no Authorization header is sent.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from guance_billing_cli.delivery.settings import secret
from guance_billing_cli.errors import Unavailable

TOKEN_ENV = "GUANCE_BILLING_SMS_TOKEN"
KEYRING_USER = "sms-webhook"
TIMEOUT = 5.0


def bearer_token() -> str | None:
    return secret(TOKEN_ENV, KEYRING_USER)


def _display(url: str) -> str:
    """The URL without credentials, query or fragment (they may hold secrets)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def deliver(url: str, *, to: str, text: str, token: str | None) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.post(
            url,
            json={"to": to, "text": text},
            headers=headers,
            timeout=TIMEOUT,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise Unavailable("sms_webhook_failed", url=_display(url), why=type(exc).__name__) from None
    if not 200 <= response.status_code < 300:
        raise Unavailable("sms_webhook_status", url=_display(url), status=response.status_code)
