"""Hypothesis strategies for valid Chinese tax and resident ID numbers, and their corruptions."""

from __future__ import annotations

import datetime
import unicodedata

from hypothesis import strategies as st
from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Region codes python-stdnum knows for every birth year used below.
RIC_REGIONS = ("110101", "110105", "310101")

# Characters a corruption may put in: digits, letters both cases, separators, symbols,
# and a few non-ASCII look-alikes.
REPLACEMENTS = (
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz -_./*#+\u0660\uff11\u00c9\u4e2d"
)


@st.composite
def valid_uscc(draw: st.DrawFn) -> str:
    head = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    body = draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    number = head + body
    return number + uscc.calc_check_digit(number)


@st.composite
def valid_ric(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(RIC_REGIONS))
    born = draw(st.dates(datetime.date(1950, 1, 1), datetime.date(2005, 12, 31)))
    order = draw(st.integers(0, 999))
    number = f"{region}{born:%Y%m%d}{order:03d}"
    return number + ric.calc_check_digit(number + "0")


def corruptions(number: str) -> list[str]:
    """Every single-character substitution that changes the number.

    Case and Unicode compatibility forms do not count (``x`` for ``X``, a full-width
    ``１`` for ``1``): python-stdnum normalizes those to the same number."""
    out = []
    for i, original in enumerate(number):
        for ch in REPLACEMENTS:
            if unicodedata.normalize("NFKC", ch).upper() != original.upper():
                out.append(number[:i] + ch + number[i + 1 :])
    return out
