"""Test helpers for the verification tests: read codes back from the real outbox
(Maildir through ``mailbox``, SMS JSON lines)."""

from __future__ import annotations

import json
import mailbox
import re
from email.message import Message
from pathlib import Path

CODE_RE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def _order(key: str) -> tuple[int, int, int]:
    # Maildir keys look like "1795850024.M945163P9407Q1.host": seconds, microseconds, counter
    sec, rest = key.split(".", 1)
    match = re.match(r"M(\d+)P\d+Q(\d+)", rest)
    return (int(sec), int(match.group(1)), int(match.group(2))) if match else (int(sec), 0, 0)


def mails(home: Path, to: str | None = None) -> list[Message]:
    root = home / "outbox" / "mail"
    # The writer makes tmp/, new/ and cur/ one after the other, and a reader polling
    # while the first message arrives can see new/ without cur/: read whole or not yet.
    if not all((root / sub).is_dir() for sub in ("tmp", "new", "cur")):
        return []
    box = mailbox.Maildir(root, create=False)
    messages = [box[key] for key in sorted(box.keys(), key=_order)]
    return [m for m in messages if to is None or m["To"] == to]


def part(message: Message, subtype: str = "plain") -> str | None:
    """The decoded ``text/<subtype>`` part of a message (single part or multipart)."""
    for piece in message.walk():
        if piece.get_content_type() == f"text/{subtype}":
            payload = piece.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(piece.get_content_charset() or "utf-8")
    return None


def body(message: Message) -> str:
    """The plain-text part (every email has one; notices add an HTML alternative)."""
    text = part(message, "plain")
    assert text is not None, "no text/plain part"
    return text


def only_code(text: str) -> str:
    """The one standalone 6-digit number of a message (fails if there is not exactly one)."""
    found = CODE_RE.findall(text)
    assert len(found) == 1, f"expected one standalone 6-digit code, found {found!r}"
    return str(found[0])


def mail_code(home: Path, to: str) -> str:
    """The code of the latest email to ``to``."""
    messages = mails(home, to)
    assert messages, f"no email to {to}"
    return only_code(body(messages[-1]))


def sms_lines(home: Path, to: str | None = None) -> list[dict[str, str]]:
    path = home / "outbox" / "sms.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [line for line in lines if to is None or line["to"] == to]


def sms_code(home: Path, to: str) -> str:
    lines = sms_lines(home, to)
    assert lines, f"no SMS to {to}"
    return only_code(lines[-1]["text"])


def subject(message: Message) -> str:
    """The decoded Subject (non-ASCII subjects travel RFC 2047-encoded)."""
    from email.header import decode_header, make_header

    return str(make_header(decode_header(str(message["Subject"]))))
