"""Issue 22: masks mask only what they should. Log lines in both formats, with
timestamps, request ids, amounts, ids and latencies beside emails, phones and ID
numbers: the personal data is masked, everything else survives character for
character — and a real server's text log keeps its dates."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from tests.support.servers import start

pytestmark = [
    pytest.mark.slow,
    pytest.mark.local_only,
]  # the slow tier: attacks on a real server process

SURVIVE = [
    "2026-12-06 04:32:13,123",
    "2026-12-06T04:32:13.123+00:00",
    "2026/12/06",
    "04:32:13",
    "req_0123456789abcdef",
    "req_13800138000",
    "ws-13800138000",
    "acc_3f2a9c1b7d4e",
    "chg_138001380001",
    "1234567.89",
    "12345678",
    "99,999.00",
    "1733457133123",
    "latency 12.3ms",
    "/v1/accounts/{ref}/changes",
    "127.0.0.1:8000",
    "+08:00",
    "pid 13800",
    "USCC 91110000600037341L",
]
MASKED = {
    "ops@acme.com": "[email]",
    "ops%40acme.com": "[email]",
    "+8613800138000": "[phone]",
    "+86 138 0013 8000": "[phone]",
    "13800138000": "[phone]",
    "138-0013-8000": "[phone]",
    "86 13800138000": "[phone]",
    "+1 415-555-2671": "[phone]",
    "11010519491231002X": "[id-number]",
}


def _lines() -> list[str]:
    """Messages as they reach a handler: the data on either side of the secrets."""
    lines = [f"kept {value} here" for value in SURVIVE]
    lines += [
        f"at {SURVIVE[1]} {value} paid 1234567.89 id=req_0123456789abcdef" for value in MASKED
    ]
    return lines


def _format(fmt: str, message: str) -> str:
    from guance_billing_cli.server import logs

    config = logs.log_config(fmt)["formatters"]["default"]  # type: ignore[arg-type]
    cls = logs.JsonFormatter if fmt == "json" else logs.RedactingFormatter
    formatter = cls(fmt=config.get("fmt"))
    record = logging.LogRecord(
        "guance_billing.access", logging.INFO, __file__, 1, message, (), None
    )
    record.request_id = "req_0123456789abcdef"
    return formatter.format(record)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_masks_take_personal_data_and_nothing_else(fmt: str) -> None:
    for message in _lines():
        line = _format(fmt, message)
        if fmt == "json":
            body = json.loads(line)
            stamp, text = body["time"], body["message"]
            assert body["request_id"] == "req_0123456789abcdef"
        else:
            stamp, text = line[:23], line.split(": ", 1)[1]
        assert stamp[:4].isdigit() and stamp[4] == "-", line  # the line's own time
        kept = [value for value in SURVIVE if value in message]
        for value in kept:
            assert value in text, (value, line)
        for value, mask in MASKED.items():
            if f" {value} " in message:
                assert value not in text and mask in text, (value, line)
                assert "2026-12-06T04:32:13.123+00:00" in text and "1234567.89" in text


def test_a_real_servers_text_log_keeps_its_dates(tmp_path: Path) -> None:
    server = start(tmp_path / "home", "--store", f"sqlite:///{tmp_path / 'b.db'}",
                   "--log-format", "text")  # fmt: skip
    try:
        for path in ("/healthz", "/v1/accounts/13800138000", "/v1/accounts/ops@acme.com"):
            httpx.get(server.url + path, timeout=10)
    finally:
        server.stop()
    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    logged = [line for line in lines if " INFO " in line or " WARNING " in line]
    assert len(logged) >= 3, lines
    for line in logged:
        assert line[:4].isdigit() and line[10] == " " and line[13] == ":", line
        assert "[phone]" not in line[:30], line
    text = "\n".join(lines)
    assert "13800138000" not in text and "ops@acme.com" not in text
