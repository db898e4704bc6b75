"""Free text is plain text: the characters no free-text field may hold, and how a value
stored before this rule is shown.

Refused: control characters (Unicode category Cc), format characters (Cf: bidi
controls such as U+202E, zero-width spaces and joiners, the BOM, soft hyphens,
invisible operators, tag characters), surrogates (Cs), private-use characters (Co),
the line and paragraph separators (Zl, Zp) and the Hangul fillers that render as
nothing. Text that holds one can say something other than what it shows
(``"Acme\u202egnp.exe"``), or look the same as other text.

The ranges are written out (computed from ``unicodedata`` and checked against it
by a test) so that the wire schema can state the same rule as a pattern, and so
that checking a value needs no scan of the Unicode database.
"""

from __future__ import annotations

import re

#: (first, last) code points, inclusive.
RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605),
    (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891),
    (0x08E2, 0x08E2), (0x115F, 0x1160), (0x180E, 0x180E), (0x200B, 0x200F),
    (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0x3164, 0x3164),
    (0xD800, 0xF8FF), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F), (0xF0000, 0xFFFFD),
    (0x100000, 0x10FFFD),
)  # fmt: skip
#: Categories refused (a new Unicode version may add characters to them).
CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
#: Letters (Lo) that render as nothing.
FILLERS = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0})


def _escape(code: int) -> str:
    return f"\\U{code:08x}" if code > 0xFFFF else f"\\u{code:04x}"


#: The character class of every refused character, for Python's ``re`` and JSON schema.
CLASS = "".join(
    _escape(first) if first == last else f"{_escape(first)}-{_escape(last)}"
    for first, last in RANGES
)
_HIDDEN = re.compile(f"[{CLASS}]")

#: The same class for the OpenAPI document, without the surrogates (U+D800-U+DFFF): no
#: JSON schema regex engine takes them in a class (Rust's rejects the pattern whole, and a
#: fuzzer then ignores it), and a valid UTF-8 body cannot hold one anyway.
WIRE_CLASS = "".join(
    _escape(first) if first == last else f"{_escape(first)}-{_escape(last)}"
    for first, last in (
        (max(first, 0xE000), last) if first <= 0xDFFF <= last else (first, last)
        for first, last in RANGES
        if not (first >= 0xD800 and last <= 0xDFFF)
    )
)


def first_hidden(value: str) -> str | None:
    """The first character of ``value`` that free text may not hold, or None."""
    found = _HIDDEN.search(value)
    if found is not None:
        return found.group()
    if value.isascii():
        return None
    import unicodedata

    for ch in value:  # characters a newer Unicode database put into those categories
        if unicodedata.category(ch) in CATEGORIES:
            return ch
    return None


def codepoint(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def shown(value: str) -> str:
    """``value`` with every refused character written as ``\\u202e``: what a table shows
    of a value stored before the rule (or typed into a store by other means)."""
    return _HIDDEN.sub(lambda m: _escape(ord(m.group())), value)
