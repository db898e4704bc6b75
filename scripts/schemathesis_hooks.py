"""Generators for the formats the OpenAPI document names but a pattern cannot state,
and the reader of NDJSON responses.

Loaded by scripts/schemathesis_run.py (SCHEMATHESIS_HOOKS). Each generator produces
values the server's own check accepts — python-stdnum computes the check characters —
so "schema-valid" input really is valid. A streamed list (``application/x-ndjson``) is
split into its lines, so every row is checked against the documented schema.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import schemathesis
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def _uscc(draw: st.DrawFn) -> str:
    head = "91" + draw(st.sampled_from(["110000", "330106", "440300"]))
    body = draw(st.text(alphabet=USCC_CHARS, min_size=9, max_size=9))
    return head + body + uscc.calc_check_digit(head + body)


@st.composite
def _resident_id(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110101", "310101"]))  # regions python-stdnum knows
    birth = draw(
        st.dates(
            min_value=__import__("datetime").date(1950, 1, 1),
            max_value=__import__("datetime").date(2005, 12, 31),
        )
    )
    seq = draw(st.integers(min_value=0, max_value=999))
    number = f"{region}{birth:%Y%m%d}{seq:03d}"
    return number + ric.calc_check_digit(number + "0")  # it reads the first 17


_password = st.builds(
    lambda upper, lower, digits, symbol: upper + lower + digits + symbol,
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=4),
    st.text(alphabet="abcdefghijkmnopqrstuvwxyz", min_size=4, max_size=20),
    st.text(alphabet="0123456789", min_size=2, max_size=6),
    st.sampled_from(["!", "#", "%", "-", "_"]),
)

_licence = st.builds(
    lambda magic, tail: base64.b64encode(magic + tail).decode("ascii"),
    st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"]),
    st.binary(max_size=256),
)

schemathesis.openapi.format("cn-uscc", _uscc())
schemathesis.openapi.format("cn-resident-id", _resident_id())
schemathesis.openapi.format("billing-password", _password)
schemathesis.openapi.format("billing-licence", _licence)


@schemathesis.deserializer("application/x-ndjson")
def _ndjson(_ctx: Any, response: Any) -> list[Any]:
    """One JSON value a line: the array the OpenAPI document describes."""
    text = response.content.decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
