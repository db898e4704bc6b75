"""Which shell lines carry a secret: kept out of the history file and masked when echoed.

A secret is the value of ``--code``, any ``--password…`` option (``--password-stdin``
itself carries nothing), ``--id-number`` or ``--token``, a server token anywhere on
the line, or a password inside a URL (``postgresql://user:pw@host``). A line that
cannot be split is judged by its raw text, erring on the side of secrecy.
"""

from __future__ import annotations

import re
import shlex

# Same as services.tokens.TOKEN_PREFIX (a test keeps them equal); importing the
# service here would load the store layer for a string.
TOKEN_PREFIX = "gbt_"
VALUE_OPTIONS = ("--code", "--id-number", "--token")
SAFE_OPTIONS = ("--code-stdin", "--password-stdin")
MASK = "***"
_URL_PASSWORD = re.compile(r"://[^/@\s:]*:[^/@\s]+@")
_RAW_MARKERS = re.compile(
    r"--code(?!-stdin)\b|--password(?!-stdin)|--id-number|--token|"
    + re.escape(TOKEN_PREFIX)
    + "|"
    + _URL_PASSWORD.pattern
)


def _option_name(word: str) -> str:
    return word.split("=", 1)[0]


def _is_secret_option(word: str) -> bool:
    name = _option_name(word)
    if name in SAFE_OPTIONS:
        return False
    return name in VALUE_OPTIONS or name.startswith("--password")


def _is_secret_word(word: str) -> bool:
    return word.startswith(TOKEN_PREFIX) or bool(_URL_PASSWORD.search(word))


def masked_words(words: list[str]) -> list[str]:
    """``words`` with every secret value replaced by ``***``."""
    out: list[str] = []
    hide_next = False
    for word in words:
        if hide_next:
            out.append(MASK)
            hide_next = False
        elif _is_secret_option(word):
            if "=" in word:
                out.append(f"{_option_name(word)}={MASK}")
            else:
                out.append(word)
                hide_next = True
        elif _is_secret_word(word):
            out.append(MASK)
        else:
            out.append(word)
    return out


def carries_secret(line: str) -> bool:
    """Whether the raw line (its comment included) holds a secret anywhere."""
    try:
        words = shlex.split(line, comments=False)
    except ValueError:
        return bool(_RAW_MARKERS.search(line))
    return masked_words(words) != words or any(_is_secret_option(w) for w in words)


def masked_line(line: str) -> str:
    """The line for an echo: secrets as ``***`` (an unsplittable line is hidden whole)."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return MASK if _RAW_MARKERS.search(line) else line
    return shlex.join(masked_words(words))
