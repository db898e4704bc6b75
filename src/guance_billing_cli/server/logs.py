"""Server logging: one access line per request, text or JSON, never personal data.

The access line names the route *template* (``/v1/accounts/{ref}``), never the
path a client sent, so an email or phone in a URL cannot reach the log. Every
line — access, errors, tracebacks, uvicorn's own — also passes ``redact``, which
masks anything shaped like an email address, a phone number or a resident ID
number, in case a message or an exception carries one.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
ACCESS_LOGGER = "guance_billing.access"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_NUMBER = re.compile(r"(?<![\w])\d{17}[\dXx](?![\w])")  # resident ID (18 characters)
# A phone is what one looks like, not any run of digits and dashes (a date, a time,
# an amount or an id must survive): an international number written with its ``+``
# (7 to 15 digits, single spaces or dashes between), or a mainland mobile number
# (11 digits from 13-19, perhaps after 86) standing alone.
_PHONE = re.compile(
    r"(?<![\w+])\+\d(?:[ -]?\d){6,14}(?![\w])"
    r"|(?<![\w.:+-])(?:86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\.?\d|[\w:])"
)
_ENCODED_AT = re.compile(r"%40", re.IGNORECASE)


def redact(text: str) -> str:
    """Mask emails, resident ID numbers and phone numbers in a log line."""
    text = _ENCODED_AT.sub("@", text)
    text = _EMAIL.sub("[email]", text)
    text = _ID_NUMBER.sub("[id-number]", text)
    return _PHONE.sub("[phone]", text)


class RedactingFormatter(logging.Formatter):
    """The usual text format, redacted (tracebacks included)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the access fields."""

    FIELDS = ("request_id", "method", "route", "status", "latency_ms", "actor", "client")

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                body[name] = getattr(record, name)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(body, ensure_ascii=False, default=str))


def log_config(fmt: LogFormat, level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn and the app, on stderr."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if fmt == "json"
        else {
            "()": f"{__name__}.RedactingFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "stream": "ext://sys.stderr",
    }
    loggers = ("uvicorn", "uvicorn.error", "uvicorn.access", "guance_billing")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "loggers": {
            name: {"handlers": ["default"], "level": level.upper(), "propagate": False}
            for name in loggers
        },
    }


def access(
    *,
    request_id: str,
    method: str,
    route: str,
    status: int,
    latency_ms: float,
    actor: str,
    client: str,
) -> None:
    """Log one finished request (the fields also go to JSON as keys)."""
    fields = {
        "request_id": request_id,
        "method": method,
        "route": route,
        "status": status,
        "latency_ms": round(latency_ms, 1),
        "actor": actor,
        "client": client,
    }
    logging.getLogger(ACCESS_LOGGER).log(
        access_level(status),
        "%s %s %s %.1fms actor=%s id=%s client=%s",
        method,
        route,
        status,
        latency_ms,
        actor,
        request_id,
        client,
        extra=fields,
    )


# -- levels and JSON-only output (issue 21) ---------------------------------------------
LEVELS = ("debug", "info", "warning", "error")
#: refused logins, missing or unknown tokens, forbidden scopes, throttles: warning
_WARNING_STATUSES = frozenset({401, 403, 429})


def access_level(status: int) -> int:
    """An answer's log level: 5xx error; refused credentials and throttles warning; else info."""
    if status >= 500:
        return logging.ERROR
    if status in _WARNING_STATUSES:
        return logging.WARNING
    return logging.INFO


class JsonLines(io.TextIOBase):
    """A stderr that lets JSON lines through and wraps every other line (a start-up note,
    a timer's report, a third party's print) in the JSON log shape, so that
    ``--log-format json`` prints nothing but JSON lines."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._buffer = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return int(self._stream.fileno())

    def write(self, text: str) -> int:
        with self._lock:
            self._buffer += text
            while "\n" in self._buffer:
                line, self._buffer = self._buffer.split("\n", 1)
                self._emit(line)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def _emit(self, line: str) -> None:
        if not line.strip():
            return
        if line.startswith("{"):
            try:
                json.loads(line)
            except ValueError:
                pass
            else:
                self._stream.write(line + "\n")
                self._stream.flush()
                return
        lowered = line.lstrip().lower()
        level = (
            "error"
            if lowered.startswith(("error", "traceback"))
            else "warning"
            if lowered.startswith("warning")
            else "info"
        )
        body = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": level,
            "logger": "guance_billing.stderr",
            "message": redact(line),
        }
        self._stream.write(json.dumps(body, ensure_ascii=False) + "\n")
        self._stream.flush()


def json_only_stderr() -> None:
    """From now on, every line this process writes on stderr is a JSON object."""
    import sys

    if not isinstance(sys.stderr, JsonLines):
        sys.stderr = JsonLines(sys.stderr)
