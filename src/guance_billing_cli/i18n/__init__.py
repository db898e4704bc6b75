"""Which language a person reads, and the gettext catalogs of it.

Text for people is marked in the code: ``_("...")`` translates now, ``N_("...")``
only marks a message for extraction (it is translated where it is rendered, e.g.
an error template, or an email in the account's language). Placeholders are
``str.format`` names: ``_("sent to {address}").format(address=...)``.

Catalogs are gettext ``.po`` files under ``locale/``, extracted from the code and
compiled to ``.mo`` with Babel at build time (the hatch build hook, or ``make
catalogs``); at run time only the standard library's ``gettext`` reads them, so
``--help`` pays for no Babel import.

Public language tags are ``en`` and ``zh-CN`` (enum values: never translated).
The language of the person at the terminal is, first found: ``--lang``,
``GUANCE_BILLING_LANG``, the config profile's ``lang``, then ``LC_ALL`` /
``LC_MESSAGES`` / ``LANG`` (POSIX order); else English. That precedence is applied
where every setting's is, in ``config.py`` (``Settings.language``); the CLI's
boundary hands the result to ``speak`` for the length of one command, so a
command run inside a ``shell`` session leaves the next one in its own language.
This module reads no configuration.
"""

from __future__ import annotations

import gettext as _gettext
import os
from contextvars import ContextVar, Token
from functools import cache
from pathlib import Path

DOMAIN = "guance_billing"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENGLISH = "en"
CHINESE = "zh-CN"
LANGUAGES = (ENGLISH, CHINESE)
ENV = "GUANCE_BILLING_LANG"
#: gettext's directory name of each public tag
_GETTEXT_NAMES = {ENGLISH: "en", CHINESE: "zh_CN"}

#: the language of the command running in this context (``speak``); None: the locale's
_language: ContextVar[str | None] = ContextVar("guance_billing_language", default=None)


def normalize(tag: str | None) -> str | None:
    """A public tag (``en`` / ``zh-CN``) for what people write, or None if unsupported.

    Accepts ``zh``, ``zh-CN``, ``zh_CN.UTF-8``, ``zh-Hans``, ``en_US``, ``C``, ``POSIX``...;
    any Chinese variant reads the Simplified Chinese catalog.
    """
    if not tag:
        return None
    base = tag.strip().split(".", 1)[0].split("@", 1)[0].replace("_", "-").lower()
    if base in ("c", "posix") or base == "en" or base.startswith("en-"):
        return ENGLISH
    if base == "zh" or base.startswith("zh-"):
        return CHINESE
    return None


def speak(language: str) -> Token[str | None]:
    """Speak ``language`` until ``restore(token)`` (one command's length)."""
    return _language.set(normalize(language) or ENGLISH)


def restore(token: Token[str | None]) -> None:
    """Speak again what was spoken before ``speak`` returned ``token``."""
    _language.reset(token)


def locale_language() -> str:
    """The language of the POSIX locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:  # POSIX: the first one set decides, even if we lack that language
            return normalize(value) or ENGLISH
    return ENGLISH


def current() -> str:
    """The language of the person at the terminal: what the running command speaks;
    outside a command, ``GUANCE_BILLING_LANG`` or the locale."""
    found = _language.get()
    if found is None:
        return normalize(os.environ.get(ENV)) or locale_language()
    return found


def use(language: str) -> None:
    """Speak ``language`` from now on in this context (tests, one-off scripts)."""
    _language.set(normalize(language) or ENGLISH)


@cache
def translation(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language``; English needs none (msgids are English)."""
    name = _GETTEXT_NAMES.get(normalize(language) or ENGLISH, "en")
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[name], fallback=True)


def _(message: str) -> str:
    """Translate ``message`` into the operator's language."""
    return translation(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translation(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translate it later with ``_`` or ``translate``."""
    return message


def pgettext_noop(context: str, message: str) -> str:
    """Mark ``message`` in ``context`` (e.g. a table header) for extraction."""
    return message


def translate(message: str, language: str | None = None) -> str:
    """``message`` in ``language`` (default: the operator's)."""
    return translation(language or current()).gettext(message)


def summary(help_text: str | None, language: str | None = None) -> str | None:
    """A command's help in ``language`` (default: the operator's): its summary (first line)
    and every paragraph that has a translation; an example block keeps its command lines and
    translates its heading (``Example:``)."""
    if not help_text:
        return help_text
    return "".join(
        translate(part, language) if words else part for part, words in help_segments(help_text)
    )


def help_segments(help_text: str) -> list[tuple[str, bool]]:
    """``help_text`` cut into (text, is it words?) parts that join back into it, less the
    blank lines around it; the words are what the catalog holds (``i18n/extract.py`` yields
    the same parts). The words: the first line, each paragraph after it, and the heading of a
    ``\\b`` block whose other lines are indented (an example: command lines, kept)."""
    text = help_text.strip("\n")
    first, sep, rest = text.partition("\n")
    parts: list[tuple[str, bool]] = [(first.strip(), True), (sep, False)]
    for n, paragraph in enumerate(rest.split("\n\n")):
        if n:
            parts.append(("\n\n", False))
        parts.extend(_paragraph_segments(paragraph))
    return [(part, words) for part, words in parts if part]


def _paragraph_segments(paragraph: str) -> list[tuple[str, bool]]:
    core = paragraph.strip()
    if not core:
        return [(paragraph, False)]
    start = paragraph.index(core)
    lead, tail = paragraph[:start], paragraph[start + len(core) :]
    if core.startswith("\b"):  # click's "keep these lines as they are"
        body = core[1:].lstrip("\n")
        head, newline, lines = body.partition("\n")
        marker = core[: len(core) - len(body)]
        if head.endswith(":") and all(not ln or ln[0] == " " for ln in lines.split("\n")):
            return [(lead + marker, False), (head, True), (newline + lines + tail, False)]
        return [(lead + marker, False), (body, True), (tail, False)]  # prose kept as laid out
    return [(lead, False), (core, True), (tail, False)]
