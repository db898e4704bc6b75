"""SMS to a JSON-lines outbox (the default): one ``{"to", "text", "sent_at"}`` a line."""

from __future__ import annotations

import json
import os
from pathlib import Path

from guance_billing_cli import paths
from guance_billing_cli.errors import Unavailable
from guance_billing_cli.services import clock


def default_path() -> Path:
    return paths.outbox_dir() / "sms.jsonl"


def deliver(path: Path, *, to: str, text: str) -> None:
    line = json.dumps(
        {"to": to, "text": text, "sent_at": clock.now().isoformat()}, ensure_ascii=False
    )
    try:
        paths.ensure_private_dir(path.parent)
        # O_APPEND: concurrent writers never interleave within a line this short
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise Unavailable(
            "sms_outbox_unwritable", path=str(path), why=exc.strerror or type(exc).__name__
        ) from None
