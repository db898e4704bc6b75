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
    """A command's help with its summary (first line) and every paragraph that has a
    translation in ``language``; the rest (examples) stays as written."""
    if not help_text:
        return help_text
    text = help_text.strip("\n")
    first, sep, rest = text.partition("\n")
    done = [_keep_space(p, language) for p in rest.split("\n\n")]
    return translate(first.strip(), language) + sep + "\n\n".join(done)


def _keep_space(paragraph: str, language: str | None) -> str:
    core = paragraph.strip()
    if not core:
        return paragraph
    start = paragraph.index(core)
    return paragraph[:start] + translate(core, language) + paragraph[start + len(core) :]
