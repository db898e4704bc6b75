"""``config.toml``: named profiles holding store/server/account defaults and settings.

Layout::

    default_profile = "default"      # optional

    [profiles.default]
    store = "sqlite:////home/me/.local/share/guance-billing/billing.db"
    account = "acme"

    [profiles.default.smtp]
    host = "smtp.example.com"

Precedence for every value: command-line flag, then environment variable, then the
selected profile, then the built-in default. ``resolve_settings`` is the one place
that applies it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from guance_billing_cli import paths
from guance_billing_cli.errors import InvalidInput

DEFAULT_PROFILE = "default"

# Every key `config set` accepts, with its environment variable (if any) and meaning.
# Feature modules document their keys here so `config set` can refuse typos.
CONFIG_KEYS: dict[str, tuple[str | None, str]] = {
    "store": (
        "GUANCE_BILLING_STORE",
        "Local store URL (sqlite:///PATH or postgresql+psycopg://...)",
    ),
    "server": ("GUANCE_BILLING_SERVER", "Remote server URL; when set, commands go to the server"),
    "account": ("GUANCE_BILLING_ACCOUNT", "Default billing account (id, username, email or phone)"),
    "ca_bundle": (
        "GUANCE_BILLING_CA_BUNDLE",
        "PEM file of CAs to verify the server's TLS certificate",
    ),
    "insecure_http": (
        "GUANCE_BILLING_INSECURE_HTTP",
        "true: allow a token or password over plain http:// to a host that is not loopback",
    ),
    "timeout": (
        "GUANCE_BILLING_TIMEOUT",
        "Seconds to wait for the server before exit 10 (default 30)",
    ),
    "lang": ("GUANCE_BILLING_LANG", "Language of messages: en or zh-CN (docs/languages.md)"),
    # delivery of verification codes (docs/configuration.md#delivery)
    "smtp.host": ("GUANCE_BILLING_SMTP_HOST", "SMTP server for code emails; unset: Maildir outbox"),
    "smtp.port": ("GUANCE_BILLING_SMTP_PORT", "SMTP port (default 587 with STARTTLS, else 25)"),
    "smtp.starttls": ("GUANCE_BILLING_SMTP_STARTTLS", "Use STARTTLS: true (default) or false"),
    "smtp.user": ("GUANCE_BILLING_SMTP_USER", "SMTP login (password: env or keyring)"),
    "smtp.from": ("GUANCE_BILLING_SMTP_FROM", "From address of code emails"),
    "sms.webhook_url": (
        "GUANCE_BILLING_SMS_WEBHOOK_URL",
        "HTTP webhook for SMS; unset: JSONL outbox",
    ),
}


@dataclass(frozen=True)
class Settings:
    """The effective settings of one invocation, resolved once by ``resolve_settings``.

    Frozen: a command reads it and passes it down; nothing changes it afterwards,
    and the next command (in a ``shell`` session too) resolves its own.
    """

    profile: str
    store_url: str
    server_url: str | None
    account: str | None
    #: the language of messages (``en`` / ``zh-CN``): ``--lang``, ``GUANCE_BILLING_LANG``,
    #: the profile's ``lang``, then ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``, else English
    language: str = "en"
    #: where ``profile`` comes from (``status``): ``flag``, ``env GUANCE_BILLING_PROFILE``, or
    #: the config file's ``default_profile`` / the built-in default
    profile_source: str = "config default_profile or built-in default"
    #: every other key of ``CONFIG_KEYS`` that is set (dotted: ``smtp.host``), already
    #: resolved flag > environment > profile; unset keys are absent
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: where ``store``, ``server`` and ``account`` come from (``config show --json``)
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: where each key of ``values`` comes from: ``flag``, ``env NAME``, ``profile NAME``
    origins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, key: str, default: Any = None) -> Any:
        """The resolved value of a dotted key (``smtp.host``), or ``default`` if unset."""
        value = self.values.get(key)
        return default if value is None else value

    @property
    def ca_bundle(self) -> str | None:
        """PEM file of CAs for the server's TLS certificate (``--ca-bundle``...)."""
        value = self.values.get("ca_bundle")
        return str(value) if value else None

    @property
    def insecure_http(self) -> bool:
        """May a token or password go over plain http:// to a host that is not loopback."""
        return str(self.values.get("insecure_http") or "").strip().lower() in TRUE_WORDS

    @property
    def timeout(self) -> float | None:
        """Seconds to wait for the server; an unusable value is refused where it is used."""
        value = self.values.get("timeout")
        if value is None or value == "":
            return None
        return float(check_value("timeout", str(value)))


def load_config(path: Path | None = None) -> dict[str, Any]:
    import tomllib

    path = path or paths.config_file()
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            "config_not_toml", field="config", path=str(path), why=str(exc)
        ) from None


def save_config(data: dict[str, Any], path: Path | None = None) -> Path:
    import tomli_w

    path = path or paths.config_file()
    paths.ensure_private_dir(path.parent)
    tmp = path.with_suffix(".toml.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        tomli_w.dump(data, fh)
    os.replace(tmp, path)
    return path


STORE_FILE_ENV = "GUANCE_BILLING_STORE_FILE"


def read_store_file(path: str) -> str:
    """The store URL kept in ``path``: one line, in a file only its owner can read
    (mode 0600 or stricter), so a database password never rides on argv (where every
    user of the machine sees it in ``ps``) nor in the config file."""
    file = Path(path).expanduser()
    try:
        mode = file.stat().st_mode
        text = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        raise InvalidInput("file_unreadable", field="store", path=str(file), why=why) from None
    if mode & 0o077:
        raise InvalidInput(
            "secret_file_mode", field="store", path=str(file), mode=f"{mode & 0o777:04o}"
        )
    if not text or "\n" in text:
        raise InvalidInput("store_file_format", field="store", path=str(file))
    return text


def normalize_store_url(value: str) -> str:
    """Accept a URL or a bare file path (taken as a SQLite file)."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (None for other databases and in-memory)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :].split("?", 1)[0]
    return None if path in ("", ":memory:") else path


# URL scheme -> the driver SQLAlchemy is to use; anything else is refused up front.
STORE_SCHEMES = {
    "sqlite": "sqlite",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}


def selected_profile(flag: str | None, data: dict[str, Any]) -> str:
    return (
        flag
        or os.environ.get("GUANCE_BILLING_PROFILE")
        or str(data.get("default_profile") or DEFAULT_PROFILE)
    )


def resolve_settings(
    *,
    profile: str | None = None,
    store: str | None = None,
    server: str | None = None,
    account: str | None = None,
    lang: str | None = None,
    ca_bundle: str | None = None,
    insecure_http: bool | None = None,
) -> Settings:
    """The effective settings: the one place that applies flag > environment > profile
    > default, for every key. ``server=""`` (``--server ""``) means "no server".

    Local or remote is one decision, taken at the highest level that names a store or
    a server: flags, then environment, then the profile. So ``--store`` wins over a
    server from the environment or the profile, and ``GUANCE_BILLING_STORE`` over a
    profile's server; at the same level a server wins (both flags: exit 2).
    """
    data = load_config()
    name = selected_profile(profile, data)
    raw = dict(data.get("profiles", {}).get(name, {}))
    sources: dict[str, str] = {}

    def level(key: str, flag: str | None) -> tuple[int, str | None, str]:
        """(precedence: 0 flag, 1 env, 2 profile, 3 unset; value; source)."""
        env_name = CONFIG_KEYS[key][0]
        if flag is not None:
            return 0, flag.strip() or None, "flag"
        if env_name and os.environ.get(env_name):
            return 1, os.environ[env_name], f"env {env_name}"
        if raw.get(key):
            return 2, str(raw[key]), f"profile {name}"
        return 3, None, "default"

    if store is not None and server:
        raise InvalidInput("one_of_not_both", field="store", other_field="server")
    store_level, store_value, store_source = level("store", store)
    if store_level > 1 and os.environ.get(STORE_FILE_ENV):
        # after --store and GUANCE_BILLING_STORE, before the profile: a URL with a
        # password kept out of argv and of config.toml
        store_level, store_value = 1, read_store_file(os.environ[STORE_FILE_ENV])
        store_source = f"env {STORE_FILE_ENV}"
    server_level, server_value, server_source = level("server", server)
    if server_value is not None and store_value is not None and store_level < server_level:
        server_value, server_source = None, f"overridden by {store_source}"
    if server_value is not None or server_level < 3:
        sources["server"] = server_source
    if store_value is None:
        sources["store"] = "default"
        store_url = f"sqlite:///{paths.default_store_path()}"
    else:
        sources["store"] = store_source
        store_url = normalize_store_url(store_value)
    account_level, account_value, account_source = level("account", account)
    if account_level < 3:
        sources["account"] = account_source
    flags: dict[str, Any] = {"lang": lang, "ca_bundle": ca_bundle or None}
    if insecure_http:
        flags["insecure_http"] = True
    values, origins = _other_values(name, raw, flags)
    return Settings(
        profile=name,
        store_url=store_url,
        server_url=server_value,
        account=account_value,
        language=_pick_language(lang, raw.get("lang")),
        profile_source=_profile_source(profile),
        values=MappingProxyType(values),
        sources=MappingProxyType(sources),
        origins=MappingProxyType(origins),
    )


def _profile_source(flag: str | None) -> str:
    if flag:
        return "flag"
    if os.environ.get("GUANCE_BILLING_PROFILE"):
        return "env GUANCE_BILLING_PROFILE"
    return "config default_profile or built-in default"


def _other_values(
    profile: str, raw: dict[str, Any], flags: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every key but store/server/account: flag, then environment, then profile."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, (env_name, _meaning) in CONFIG_KEYS.items():
        if key in ("store", "server", "account"):
            continue
        node: Any = raw
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if flags.get(key) is not None:
            values[key], origins[key] = flags[key], "flag"
        elif env_name and os.environ.get(env_name):
            values[key], origins[key] = os.environ[env_name], f"env {env_name}"
        elif node is not None and not isinstance(node, dict):
            values[key], origins[key] = node, f"profile {profile}"
    return values, origins


def _pick_language(flag: str | None, profile_value: Any) -> str:
    """The language of messages, by the documented precedence (docs/languages.md)."""
    from guance_billing_cli import i18n

    for candidate in (flag, os.environ.get(i18n.ENV), profile_value):
        found = i18n.normalize(str(candidate) if candidate else None)
        if found:
            return found
    return i18n.locale_language()


def resolve_language(*, flag: str | None = None, profile: str | None = None) -> str:
    """The language before the command line is parsed (``--help``, usage errors): the
    same precedence as ``Settings.language``; a config file that cannot be read gives
    no profile language here (the command that needs the config reports it)."""
    from guance_billing_cli import i18n

    if i18n.normalize(flag) or i18n.normalize(os.environ.get(i18n.ENV)):
        return _pick_language(flag, None)
    value = None
    if paths.config_file().exists():  # no config: skip the TOML parser (--help)
        try:
            data = load_config()
            value = data.get("profiles", {}).get(selected_profile(profile, data), {}).get("lang")
        except Exception:  # any unreadable config: no profile language
            value = None
    return _pick_language(flag, value)


def profile_is_free_for(profile: str, server: str) -> bool:
    """May ``auth login`` point ``profile`` at ``server`` and its account? Only when that
    changes no target the user chose: no store, no other server, and no account picked
    for a local store."""
    values = load_config().get("profiles", {}).get(profile, {})
    current = str(values.get("server") or "").strip().rstrip("/")
    if values.get("store") or (current and current != server):
        return False
    return bool(current) or not values.get("account")


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _refuse(reason: str, key: str, value: str, **params: Any) -> InvalidInput:
    # field "value": the argument of `config set KEY VALUE`; the sentence names the key
    return InvalidInput(reason, field="value", key=key, value=value, **params)


def _seconds(key: str, value: str) -> str:
    try:
        seconds = float(value)
    except ValueError:
        raise _refuse("config_value_not_seconds", key, value) from None
    if not 0 < seconds < float("inf"):
        raise _refuse("config_value_not_seconds", key, value)
    return value


def _port(key: str, value: str) -> str:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 65535:
        raise _refuse("config_value_not_port", key, value)
    return str(int(value))


def _boolean(key: str, value: str) -> str:
    word = value.lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise _refuse("config_value_not_boolean", key, value)
    return "true" if word in TRUE_WORDS else "false"


def _url(key: str, value: str) -> str:
    if not value.lower().startswith(("http://", "https://")) or len(value) <= len("https://"):
        raise _refuse("config_value_not_url", key, value)
    return value.rstrip("/")


def _email(key: str, value: str) -> str:
    """An address, bare or with a display name (``Billing <billing@example.com>``)."""
    from email.utils import parseaddr

    from guance_billing_cli.schemas.masking import looks_like_email

    if not looks_like_email(parseaddr(value)[1] or value):
        raise _refuse("config_value_not_email", key, value)
    return value


def _language(key: str, value: str) -> str:
    from guance_billing_cli import i18n

    normal = i18n.normalize(value)
    if normal is None:
        raise _refuse("config_value_not_one_of", key, value, choices=list(i18n.LANGUAGES))
    return normal


def _existing_file(key: str, value: str) -> str:
    path = Path(value).expanduser()
    if not path.is_file():
        raise _refuse("config_value_no_file", key, value, path=str(path))
    return str(path.resolve())


def _store(key: str, value: str) -> str:
    url = normalize_store_url(value)
    if url.partition("://")[0].lower() not in STORE_SCHEMES:
        raise InvalidInput("unsupported_store", field="value", value=redact_url(url))
    return url


#: what each key takes: the same rule as its flag or its use (docs/configuration.md)
CHECKS: dict[str, Any] = {
    "store": _store,
    "server": _url,
    "ca_bundle": _existing_file,
    "insecure_http": _boolean,
    "timeout": _seconds,
    "lang": _language,
    "smtp.port": _port,
    "smtp.starttls": _boolean,
    "smtp.from": _email,
    "sms.webhook_url": _url,
}


def check_value(key: str, value: str) -> Any:
    """``value`` as ``config set`` stores it under ``key``, or an error naming the key."""
    value = value.strip()
    if not value:
        raise _refuse("config_value_empty", key, value, next="config_unset")
    check = CHECKS.get(key)
    return value if check is None else check(key, value)


def set_value(profile: str, key: str, value: str | None) -> Path:
    """Set (or with ``None`` unset) a dotted key in a profile, checked as its flag is."""
    if key not in CONFIG_KEYS:
        raise InvalidInput(
            "unknown_config_key", field="key", value=key, choices=sorted(CONFIG_KEYS)
        )
    stored = None if value is None else check_value(key, value)
    data = load_config()
    node = data.setdefault("profiles", {}).setdefault(profile, {})
    *parents, leaf = key.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    if stored is None:
        node.pop(leaf, None)
    else:
        node[leaf] = stored
    return save_config(data)
