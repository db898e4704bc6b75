"""`doctor`: checks of everything outside the code that the tool depends on.

Each check returns findings (ok or not, what was seen, how to fix it). Nothing
here changes anything: the store is opened without migrating, SMTP and webhook
servers are only connected to, never sent a message.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from guance_billing_cli import paths
from guance_billing_cli.config import Settings
from guance_billing_cli.i18n import N_

TIMEOUT = 5.0


class Finding:
    """One check's outcome. ``detail`` and ``fix`` are English templates (marked for the
    catalogs) filled from ``params``; the CLI renders them in the operator's language,
    ``--json`` gives the English words."""

    def __init__(self, check: str, ok: bool, detail: str, fix: str = "", /, **params: Any) -> None:
        self.check, self.ok, self.detail_template, self.fix_template = check, ok, detail, fix
        self.params = params

    def render(self, translate: Callable[[str], str] = str) -> tuple[str, str]:
        """(detail, fix), each template (and a ``what``) passed through ``translate``."""
        values = {k: translate(v) if k == "what" else v for k, v in self.params.items()}
        fix = translate(self.fix_template).format(**values) if self.fix_template else ""
        return translate(self.detail_template).format(**values), fix

    @property
    def detail(self) -> str:
        return self.render()[0]

    @property
    def fix(self) -> str:
        return self.render()[1]

    def to_dict(self) -> dict[str, Any]:
        detail, fix = self.render()
        return {"check": self.check, "ok": self.ok, "detail": detail, "fix": fix}


_STORE_SETTING = "--store / GUANCE_BILLING_STORE"


def check_store(settings: Settings) -> Iterator[Finding]:
    if settings.server_url:
        return
    from guance_billing_cli.errors import BillingError
    from guance_billing_cli.store import engine as store_engine

    url = store_engine.redact_url(settings.store_url)
    db_file = store_engine.sqlite_path(settings.store_url)
    if db_file is not None and not Path(db_file).exists():
        yield Finding(
            "store", True, N_("{url} does not exist yet; it is created on first use"), url=url
        )
        return
    try:
        engine = store_engine.create_store_engine(settings.store_url)
        version = store_engine.schema_version(engine)
        engine.dispose()
    except BillingError as exc:
        yield Finding(
            "store", False, "{why}", N_("check {where}"), why=exc.message, where=_STORE_SETTING
        )
        return
    where = {"url": url, "version": version, "head": store_engine.HEAD}
    if version == store_engine.HEAD:
        yield Finding("store", True, N_("{url} reachable, schema {version} (current)"), **where)
    elif version is None or version in store_engine.REVISIONS:
        yield Finding(
            "store",
            True,
            N_("{url} reachable, schema {version}; will be migrated to {head} on next use"),
            **where | {"version": version or "-"},
        )
    else:
        yield Finding(
            "store",
            False,
            N_("{url} has schema {version}, newer than this tool knows"),
            N_("upgrade guance-billing"),
            **where,
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
            N_("{what} {path} is mode {mode} (others can read it)"),
            "chmod {want} {path}",
            what=what,
            path=str(path),
            mode=f"{mode:04o}",
            want=f"{want:o}",
        )
    return Finding(
        "permissions", True, N_("{what} {path} is mode {mode}"), what=what, path=str(path),
        mode=f"{mode:04o}",
    )  # fmt: skip


def check_permissions(settings: Settings) -> Iterator[Finding]:
    candidates = [
        (paths.config_dir(), 0o700, N_("config dir")),
        (paths.data_dir(), 0o700, N_("data dir")),
        (paths.config_file(), 0o600, N_("config file")),
        (paths.config_dir() / "credentials.json", 0o600, N_("token file")),
        (paths.outbox_dir(), 0o700, N_("outbox")),
    ]
    from guance_billing_cli.store.engine import sqlite_path

    db_file = None if settings.server_url else sqlite_path(settings.store_url)
    if db_file is not None:
        candidates.append((Path(db_file), 0o600, N_("store file")))
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

        backend = type(keyring.get_keyring()).__name__
        yield Finding("keyring", True, N_("usable ({backend})"), backend=backend)
    else:
        needed = bool(settings.server_url) and not os.environ.get("GUANCE_BILLING_TOKEN")
        yield Finding(
            "keyring",
            not needed,
            "{why}",
            N_("set GUANCE_BILLING_TOKEN, or {command} (file, mode 0600)"),
            why=problem,
            command="`auth login --insecure-storage`",
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
            yield Finding(
                "email delivery", True, N_("SMTP {host}:{port} answers"), host=host, port=port
            )
        except (OSError, smtplib.SMTPException) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            yield Finding(
                "email delivery",
                False,
                N_("SMTP {host}:{port} unreachable: {why}"),
                N_("check {where}"),
                host=host,
                port=port,
                why=reason,
                where="smtp.host / smtp.port (`config show`)",
            )
    else:
        yield Finding(
            "email delivery",
            True,
            N_("Maildir outbox {path}"),
            path=str(paths.outbox_dir() / "mail"),
        )
    url = settings.get("sms.webhook_url")
    if url:
        from urllib.parse import urlsplit

        parts = urlsplit(str(url))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        reason = _tcp(parts.hostname or "", port) if parts.hostname else "no host in URL"
        shown = f"{parts.scheme}://{parts.hostname}:{port}"
        if reason is None:
            yield Finding("sms delivery", True, N_("webhook {url} accepts connections"), url=shown)
        else:
            yield Finding(
                "sms delivery",
                False,
                N_("webhook {url} unreachable: {why}"),
                N_("check {where}"),
                url=shown,
                why=reason,
                where="sms.webhook_url (`config show`)",
            )
    else:
        outbox = str(paths.outbox_dir() / "sms.jsonl")
        yield Finding("sms delivery", True, N_("JSON-lines outbox {path}"), path=outbox)


def check_server(settings: Settings) -> Iterator[Finding]:
    if not settings.server_url:
        return
    from email.utils import parsedate_to_datetime

    import httpx

    from guance_billing_cli import clock
    from guance_billing_cli.client.http import HttpClient
    from guance_billing_cli.errors import BillingError

    base = settings.server_url.rstrip("/")
    client = None
    try:
        # The CLI's one transport (its TLS settings, the CA bundle); /healthz needs no token.
        client = HttpClient(base, settings=settings, timeout=TIMEOUT)
        response = client.http.get("/healthz")
    except (httpx.HTTPError, BillingError) as exc:
        yield Finding(
            "server",
            False,
            N_("{url} unreachable: {why}"),
            N_("check {where} and that {command} is up"),
            url=base,
            why=type(exc).__name__,
            where="--server / GUANCE_BILLING_SERVER",
            command="`server run`",
        )
        return
    finally:
        if client is not None:
            client.close()
    if response.status_code != 200:
        yield Finding(
            "server",
            False,
            N_("{url}/healthz answered {status}"),
            N_("check the server's log"),
            url=base,
            status=response.status_code,
        )
        return
    yield Finding("server", True, N_("{url} healthy"), url=base)
    date = response.headers.get("date")
    if date:
        skew = abs((clock.now() - parsedate_to_datetime(date)).total_seconds())
        ok = skew < 60
        yield Finding(
            "clock",
            ok,
            N_("clock differs from the server's by {seconds} s"),
            ""
            if ok
            else N_("synchronise this machine's clock (NTP): codes expire after 10 minutes"),
            seconds=f"{skew:.0f}",
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
        yield Finding(
            "secret key", False, "{why}", N_("fix or replace the key (64 hex characters)"),
            why=str(exc),
        )  # fmt: skip
        return
    if found is not None:
        source = found[1].describe()
        yield Finding("secret key", True, N_("from {source}, outside the store"), source=source)
    elif shared:
        yield Finding(
            "secret key",
            False,
            N_("none configured: a server on PostgreSQL refuses to start without it"),
            N_("set {env} or {env_file} (e.g. {command})"),
            env=keys.ENV_KEY,
            env_file=keys.ENV_KEY_FILE,
            command="`openssl rand -hex 32`",
        )
    else:
        path = str(keys.default_key_file())
        yield Finding("secret key", True, N_("none yet; {path} is created on first use"), path=path)


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
                    N_("check failed: {why}"),
                    N_("run with --debug"),
                    why=type(exc).__name__,
                )
            )
    return findings
