"""Email to a local Maildir (the default for a local store): any mail reader opens it."""

from __future__ import annotations

import mailbox
import os
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from guance_billing_cli import paths
from guance_billing_cli.errors import Unavailable


def default_path() -> Path:
    return paths.outbox_dir() / "mail"


def build_message(
    *, sender: str, to: str, subject: str, body: str, html: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="guance-billing.localhost")
    message.set_content(body)
    if html is not None:  # multipart/alternative: readers pick the HTML, the text stays
        message.add_alternative(html, subtype="html")
    return message


def deliver(
    root: Path, *, sender: str, to: str, subject: str, body: str, html: str | None = None
) -> Path:
    """Add one message under ``root/new`` (dirs 0700, file 0600); returns its path."""
    try:
        # mailbox creates tmp/new/cur only along with a missing root: make all four here
        for sub in ("tmp", "new", "cur"):
            paths.ensure_private_dir(root / sub)
        box = mailbox.Maildir(root, create=False)
        message = build_message(sender=sender, to=to, subject=subject, body=body, html=html)
        key = box.add(message)
        path = root / "new" / key
        os.chmod(path, 0o600)
    except OSError as exc:
        raise Unavailable(
            "mail_outbox_unwritable", path=str(root), why=exc.strerror or type(exc).__name__
        ) from None
    return path
