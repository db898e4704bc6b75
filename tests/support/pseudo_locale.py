"""A pseudo-locale for tests only: every catalog message, transformed.

Each ASCII letter of a message becomes its full-width twin (``a`` → ``ａ``) and
``str.format`` placeholders (``{name}``, ``{value!r}``) stay as they are. Whatever
the tool prints under it in ASCII letters was therefore not translated — unless it
is data (an id, a value the test typed, a flag or a command name), which the test
allows explicitly. ``install`` makes the catalog answer for zh-CN, so the real
code paths (``--lang zh-CN``, an account's language) pick it up.
"""

from __future__ import annotations

import gettext
import io
import re
from functools import cache
from pathlib import Path

from guance_billing_cli import i18n

PO = Path(i18n.LOCALE_DIR) / "en" / "LC_MESSAGES" / "guance_billing.po"
_PLACEHOLDER = re.compile(r"(\{[^{}]*\})")


def pseudo(message: str) -> str:
    """``message`` with every letter outside a placeholder made full-width."""
    parts = _PLACEHOLDER.split(message)
    out = []
    for n, part in enumerate(parts):
        if n % 2:  # a placeholder
            out.append(part)
        else:
            out.append(
                "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in part)
            )
    return "".join(out)


@cache
def catalog() -> gettext.GNUTranslations:
    """Every message of the English catalog (all msgids the code marks), pseudo-translated."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(PO, "rb") as fh:
        source = read_po(fh)
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(pseudo(form) for form in message.id)
        else:
            message.string = pseudo(message.id)
    buffer = io.BytesIO()
    write_mo(buffer, source)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _serving(real):  # type: ignore[no-untyped-def]
    def translation(language: str) -> gettext.NullTranslations:
        if i18n.normalize(language) == i18n.CHINESE:
            return catalog()
        return real(language)  # type: ignore[no-any-return]

    return translation


def install(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """zh-CN reads the pseudo catalog for the rest of the test."""
    monkeypatch.setattr(i18n, "translation", _serving(i18n.translation))


def serve() -> None:
    """zh-CN reads the pseudo catalog in this process (``pseudo_cli.py``: a real terminal)."""
    i18n.translation = _serving(i18n.translation)  # type: ignore[assignment]


#: ASCII words that are data, not words: allowed in a pseudo-locale screen
DATA = re.compile(
    r"""
    --[a-z][a-z0-9-]*            # a flag
    | guance-billing(?:\s+[a-z][a-z-]*)*   # a command line
    | kfp_[0-9a-f]+              # a key fingerprint (issue 19)
    | [a-z]+_[0-9a-f]{12}        # an id: acc_…, cld_…
    | [\w.+-]+@[\w.-]+           # an email
    | [a-z][a-z+]*://\S+          # a URL (http, sqlite, postgresql+psycopg)
    | (?:/[\w.@+-]+)+/?          # a path
    | [A-Z][A-Z0-9_]{2,}         # an environment variable, a metavar, UTC
    | [a-z0-9]+(?:[_.][a-z0-9]+)+  # a snake_case enum value, a config key, a file name
    """,
    re.VERBOSE,
)
WORD = re.compile(r"[A-Za-z]{2,}")


def english(text: str, *, allowed: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """The lines of ``text`` that still hold an ASCII word which is not data."""
    found = []
    for line in text.splitlines():
        rest = DATA.sub(" ", line)
        words = [w for w in WORD.findall(rest) if w not in allowed]
        if words:
            found.append(f"{line.strip()}  <- {' '.join(words)}")
    return found
