"""Checkpoint and key files on disk: where the audit trail's proofs live outside the store."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from guance_billing_cli.errors import InvalidInput, Unavailable

CHECKPOINT_GLOB = "checkpoint-*.json"


def checkpoint_text(statement: dict[str, Any], signature: str) -> str:
    return json.dumps({"statement": statement, "signature": signature}, indent=2) + "\n"


def write_checkpoint(directory: Path, name: str, text: str) -> Path:
    """Write a new checkpoint file in ``directory``; an existing file is never replaced."""
    path = directory / name
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise Unavailable("checkpoint_dir_not_directory", path=str(directory)) from None
    except OSError as exc:
        raise Unavailable(
            "checkpoint_dir_uncreatable", path=str(directory), why=exc.strerror
        ) from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise Unavailable("checkpoint_exists", path=str(path)) from None
    except OSError as exc:
        raise Unavailable("checkpoint_unwritable", path=str(directory), why=exc.strerror) from None
    return path


def check_writable(path: Path, *, directory: bool, field: str) -> None:
    """Refuse, before anything is signed, a target that cannot be written."""
    if path.exists():
        if path.is_dir() != directory:
            reason = "not_a_directory" if directory else "is_a_directory"
            raise InvalidInput(reason, field=field, path=str(path))
        if not os.access(path, os.W_OK):
            raise InvalidInput("not_writable", field=field, path=str(path))
        return
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not directory and ancestor != path.parent:
        raise InvalidInput("parent_missing", field=field, path=str(path), parent=str(path.parent))
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK):
        raise InvalidInput(
            "ancestor_not_writable", field=field, path=str(path), ancestor=str(ancestor)
        )


def read_checkpoints(directory: Path) -> list[dict[str, Any]]:
    """Every checkpoint file in ``directory``: ``{"statement", "signature", "label"}``."""
    if not directory.is_dir():
        raise InvalidInput("not_a_directory", field="checkpoints", path=str(directory))
    found: list[dict[str, Any]] = []
    for path in sorted(directory.glob(CHECKPOINT_GLOB)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidInput(
                "checkpoint_unreadable", field="checkpoints", path=str(path)
            ) from None
        if not isinstance(data, dict) or "statement" not in data or "signature" not in data:
            raise InvalidInput("not_a_checkpoint", field="checkpoints", path=str(path))
        found.append(
            {"statement": data["statement"], "signature": data["signature"], "label": path.name}
        )
    if not found:
        raise InvalidInput(
            "no_checkpoints", field="checkpoints", pattern=CHECKPOINT_GLOB, path=str(directory)
        )
    return found


def read_text(path: Path, *, field: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not text"
        raise InvalidInput("file_unreadable", field=field, path=str(path), why=reason) from None
