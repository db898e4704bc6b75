"""`doctor`: checks of everything outside the code that the tool depends on.

Each check returns findings (ok or not, what was seen, how to fix it). Nothing
here changes anything: the store is opened without migrating, SMTP and webhook
servers are only connected to, never sent a message.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from guance_billing_cli import paths
from guance_billing_cli.config import Settings

TIMEOUT = 5.0


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_store(settings: Settings) -> Iterator[Finding]:
    if settings.server_url:
        return
    from guance_billing_cli.errors import BillingError
    from guance_billing_cli.store import engine as store_engine

    url = store_engine.redact_url(settings.store_url)
    db_file = store_engine.sqlite_path(settings.store_url)
    if db_file is not None and not Path(db_file).exists():
        yield Finding("store", True, f"{url} does not exist yet; it is created on first use")
        return
    try:
        engine = store_engine.create_store_engine(settings.store_url)
        version = store_engine.schema_version(engine)
        engine.dispose()
    except BillingError as exc:
        yield Finding("store", False, exc.message, "check --store / GUANCE_BILLING_STORE")
        return
    if version == store_engine.HEAD:
        yield Finding("store", True, f"{url} reachable, schema {version} (current)")
    elif version is None or version in store_engine.REVISIONS:
        yield Finding(
            "store",
            True,
            f"{url} reachable, schema {version or 'empty'}; will be migrated to "
            f"{store_engine.HEAD} on next use",
        )
    else:
        yield Finding(
            "store",
            False,
            f"{url} has schema {version}, newer than this tool knows",
            "upgrade guance-billing",
        )


def _mode_finding(path: Path, want: int, what: str) -> Finding | None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & ~want:
        return Finding(
            "permissions",
            False,
            f"{what} {path} is mode {mode:04o} (others can read it)",
            f"chmod {want:o} {path}",
        )
    return Finding("permissions", True, f"{what} {path} is mode {mode:04o}")


def check_permissions(settings: Settings) -> Iterator[Finding]:
    candidates = [
        (paths.config_dir(), 0o700, "config dir"),
        (paths.data_dir(), 0o700, "data dir"),
        (paths.config_file(), 0o600, "config file"),
        (paths.config_dir() / "credentials.json", 0o600, "token file"),
        (paths.outbox_dir(), 0o700, "outbox"),
    ]
    from guance_billing_cli.store.engine import sqlite_path

    db_file = None if settings.server_url else sqlite_path(settings.store_url)
    if db_file is not None:
        candidates.append((Path(db_file), 0o600, "store file"))
    seen: set[Path] = set()
    for path, want, what in candidates:
        if path in seen:
            continue
        seen.add(path)
        finding = _mode_finding(path, want, what)
        if finding is not None:
            yield finding


def check_keyring(settings: Settings) -> Iterator[Finding]:
    from guance_billing_cli.client import token_store
    from guance_billing_cli.keyring_access import KeyringUnusable, forget_problem, with_timeout

    forget_problem()  # doctor asks afresh, never from memory
    problem = token_store.keyring_problem()
    if problem is None:
        try:
            with_timeout(_probe_keyring)
        except KeyringUnusable as exc:
            problem = str(exc)
    if problem is None:
        import keyring

        yield Finding("keyring", True, f"usable ({type(keyring.get_keyring()).__name__})")
    else:
        needed = bool(settings.server_url) and not os.environ.get("GUANCE_BILLING_TOKEN")
        yield Finding(
            "keyring",
            not needed,
            problem,
            "set GUANCE_BILLING_TOKEN, or `auth login --insecure-storage` (file, mode 0600)",
        )


def _probe_keyring() -> None:
    import keyring

    keyring.get_password("guance-billing", "doctor-probe")


def _tcp(host: str, port: int) -> str | None:
    import socket

    try:
        with socket.create_connection((host, port), timeout=TIMEOUT):
            return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def check_delivery(settings: Settings) -> Iterator[Finding]:
    host = settings.get("smtp.host")
    if host:
        import smtplib

        port = int(settings.get("smtp.port") or 587)
        try:
            with smtplib.SMTP(str(host), port, timeout=TIMEOUT) as smtp:
                smtp.ehlo()
            yield Finding("email delivery", True, f"SMTP {host}:{port} answers")
        except (OSError, smtplib.SMTPException) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            yield Finding(
                "email delivery",
                False,
                f"SMTP {host}:{port} unreachable: {reason}",
                "check smtp.host / smtp.port (`config show`)",
            )
    else:
        yield Finding("email delivery", True, f"Maildir outbox {paths.outbox_dir() / 'mail'}")
    url = settings.get("sms.webhook_url")
    if url:
        from urllib.parse import urlsplit

        parts = urlsplit(str(url))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        reason = _tcp(parts.hostname or "", port) if parts.hostname else "no host in URL"
        shown = f"{parts.scheme}://{parts.hostname}:{port}"
        if reason is None:
            yield Finding("sms delivery", True, f"webhook {shown} accepts connections")
        else:
            yield Finding(
                "sms delivery",
                False,
                f"webhook {shown} unreachable: {reason}",
                "check sms.webhook_url (`config show`)",
            )
    else:
        yield Finding("sms delivery", True, f"JSON-lines outbox {paths.outbox_dir() / 'sms.jsonl'}")


def check_server(settings: Settings) -> Iterator[Finding]:
    if not settings.server_url:
        return
    from email.utils import parsedate_to_datetime

    import httpx

    from guance_billing_cli import clock

    base = settings.server_url.rstrip("/")
    try:
        response = httpx.get(f"{base}/healthz", timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        yield Finding(
            "server",
            False,
            f"{base} unreachable: {type(exc).__name__}",
            "check --server / GUANCE_BILLING_SERVER and that `server run` is up",
        )
        return
    if response.status_code != 200:
        yield Finding(
            "server",
            False,
            f"{base}/healthz answered {response.status_code}",
            "check the server's log",
        )
        return
    yield Finding("server", True, f"{base} healthy")
    date = response.headers.get("date")
    if date:
        skew = abs((clock.now() - parsedate_to_datetime(date)).total_seconds())
        ok = skew < 60
        yield Finding(
            "clock",
            ok,
            f"clock differs from the server's by {skew:.0f} s",
            "" if ok else "synchronise this machine's clock (NTP): codes expire after 10 minutes",
        )


def check_secret_key(settings: Settings) -> Iterator[Finding]:
    """The key that protects one-time codes and the audit chain, kept outside the store."""
    if settings.server_url:
        return
    from guance_billing_cli import keys

    shared = settings.store_url.startswith("postgresql")
    try:
        found = keys.locate()
    except keys.BadSecretKey as exc:
        yield Finding("secret key", False, str(exc), "fix or replace the key (64 hex characters)")
        return
    if found is not None:
        yield Finding("secret key", True, f"from {found[1].describe()}, outside the store")
    elif shared:
        yield Finding(
            "secret key",
            False,
            "none configured: a server on PostgreSQL refuses to start without it",
            f"set {keys.ENV_KEY} or {keys.ENV_KEY_FILE} (e.g. `openssl rand -hex 32`)",
        )
    else:
        yield Finding(
            "secret key", True, f"none yet; {keys.default_key_file()} is created on first use"
        )


CHECKS: tuple[Callable[[Settings], Iterator[Finding]], ...] = (
    check_permissions,
    check_store,
    check_secret_key,
    check_keyring,
    check_delivery,
    check_server,
)


def run_checks(settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        try:
            findings.extend(check(settings))
        except Exception as exc:  # a broken check is itself a finding, never a crash
            findings.append(
                Finding(
                    check.__name__.removeprefix("check_"),
                    False,
                    f"check failed: {type(exc).__name__}",
                    "run with --debug",
                )
            )
    return findings
