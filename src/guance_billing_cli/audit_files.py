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
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise Unavailable(
            f"{path} already exists: a checkpoint with this sequence was written before "
            "(was the store's checkpoint record rewound?)"
        ) from None
    except OSError as exc:
        raise Unavailable(f"cannot write checkpoint in {directory}: {exc.strerror}") from None
    return path


def read_checkpoints(directory: Path) -> list[dict[str, Any]]:
    """Every checkpoint file in ``directory``: ``{"statement", "signature", "label"}``."""
    if not directory.is_dir():
        raise InvalidInput(f"{directory} is not a directory", field="checkpoints")
    found: list[dict[str, Any]] = []
    for path in sorted(directory.glob(CHECKPOINT_GLOB)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidInput(
                f"{path} is not a readable checkpoint file", field="checkpoints"
            ) from None
        if not isinstance(data, dict) or "statement" not in data or "signature" not in data:
            raise InvalidInput(f"{path} is not a checkpoint file", field="checkpoints")
        found.append(
            {"statement": data["statement"], "signature": data["signature"], "label": path.name}
        )
    if not found:
        raise InvalidInput(f"no checkpoint files ({CHECKPOINT_GLOB}) in {directory}")
    return found


def read_text(path: Path, *, field: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not text"
        raise InvalidInput(f"cannot read {path}: {reason}", field=field) from None
