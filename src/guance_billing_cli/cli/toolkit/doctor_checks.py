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
from typing import TYPE_CHECKING, Any

from guance_billing_cli import paths
from guance_billing_cli.config import Settings, redact_url, sqlite_path
from guance_billing_cli.i18n import N_, translate

if TYPE_CHECKING:
    from guance_billing_cli.client.maintenance import StoreReads

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


def check_store(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    if settings.server_url:
        return
    from guance_billing_cli.errors import BillingError

    url = redact_url(settings.store_url)
    db_file = sqlite_path(settings.store_url)
    if db_file is not None and not Path(db_file).exists():
        yield Finding(
            "store", True, N_("{url} does not exist yet; it is created on first use"), url=url
        )
        return
    try:
        version, head, known = store.schema_state()
    except BillingError as exc:
        yield Finding(
            "store", False, "{why}", N_("check {where}"), why=exc.message, where=_STORE_SETTING
        )
        return
    where = {"url": url, "version": version, "head": head}
    if version == head:
        yield Finding("store", True, N_("{url} reachable, schema {version} (current)"), **where)
    elif (version is None or version in known) and db_file is None:
        yield Finding(
            "store",
            False,
            N_(
                "{url} reachable, schema {version}, behind {head}; "
                "a shared store is migrated only on purpose"
            ),
            N_("run `guance-billing store migrate` (docs/upgrade.md)"),
            **where | {"version": version or "-"},
        )  # fmt: skip
    elif version is None or version in known:
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


def check_permissions(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    candidates = [
        (paths.config_dir(), 0o700, N_("config dir")),
        (paths.data_dir(), 0o700, N_("data dir")),
        (paths.config_file(), 0o600, N_("config file")),
        (paths.config_dir() / "credentials.json", 0o600, N_("token file")),
    ]
    if not settings.server_url:  # remote mode writes no local outbox
        candidates.append((paths.outbox_dir(), 0o700, N_("outbox")))
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


def check_keyring(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    from guance_billing_cli.keys import token_store
    from guance_billing_cli.keys.keyring import KeyringUnusable, forget_problem, with_timeout

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
        if needed and _token_in_file(str(settings.server_url)):
            # `auth login --insecure-storage` keeps the token in a file: no keyring needed
            yield Finding(
                "keyring", True, N_("not usable ({why}); the token is in {path} (mode 0600)"),
                why=problem, path=str(token_store.credentials_file()),
            )  # fmt: skip
            return
        yield Finding(
            "keyring",
            not needed,
            "{why}",
            N_("set GUANCE_BILLING_TOKEN, or {command} (file, mode 0600)"),
            why=problem,
            command="`auth login --insecure-storage`",
        )


def _token_in_file(server: str) -> bool:
    """A token for ``server`` saved by ``auth login --insecure-storage``."""
    from guance_billing_cli.keys import token_store

    return bool(token_store._read_file().get(token_store.normalize_server(server)))


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


def check_delivery(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    if settings.server_url:  # remote mode: the server delivers codes and notices
        yield Finding(
            "delivery", True, N_("codes and notices are sent by the server {url}"),
            url=settings.server_url,
        )  # fmt: skip
        return
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


def check_server(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    if not settings.server_url:
        return
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    import httpx

    from guance_billing_cli.client.connect import server_health
    from guance_billing_cli.errors import BillingError

    base = settings.server_url.rstrip("/")
    try:
        # The CLI's one transport (its TLS settings, the CA bundle); /healthz needs no token.
        response = server_health(base, settings=settings, timeout=TIMEOUT)
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
        # this machine's own clock against the server's: not the services' time source
        skew = abs((datetime.now(UTC) - parsedate_to_datetime(date)).total_seconds())
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


def check_secret_key(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    """The key that protects one-time codes and the audit chain, kept outside the store."""
    if settings.server_url:
        return
    from guance_billing_cli.keys import derive as keys

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
        source = _key_source_words(found[1])
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


#: below this much free space where the store lives, a write may fail: doctor fails
MIN_FREE_BYTES = 32 * 1024 * 1024


def check_store_writable(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    """Issue 21: the store can take a write — its file and directory are writable (not a
    read-only file system) and its disk is not full; PostgreSQL: not read-only."""
    if settings.server_url:
        return
    db_file = sqlite_path(settings.store_url)
    if db_file is None:
        yield from _pg_writable(store)
        return
    path = Path(db_file)
    where = path.parent
    while not where.exists() and where != where.parent:
        where = where.parent  # a store not created yet: the directory it will be in
    for target in (path, path.parent) if path.exists() else (where,):
        if not os.access(target, os.W_OK):
            yield Finding(
                "store writable",
                False,
                N_(
                    "{path} cannot be written by this user (read-only file or file system); "
                    "reads work, writes fail"
                ),
                N_("give this user write access to {path}, or remount it read-write"),
                path=str(target),
            )  # fmt: skip
            return
    import shutil

    free = shutil.disk_usage(where).free
    if free < MIN_FREE_BYTES:
        yield Finding(
            "store writable",
            False,
            N_("the disk holding {path} is full ({free} MiB free); writes will fail"),
            N_("free space on that disk (at least {need} MiB)"),
            path=str(where),
            free=f"{free / 1048576:.1f}",
            need=MIN_FREE_BYTES // 1048576,
        )
        return
    yield Finding(
        "store writable",
        True,
        N_("{path} is writable, {free} MiB free"),
        path=str(where),
        free=f"{free / 1048576:.0f}",
    )


def _pg_writable(store: StoreReads) -> Iterator[Finding]:
    writes = store.takes_writes()
    if writes is None:  # check_store reports an unreachable store
        return
    if not writes:
        yield Finding(
            "store writable",
            False,
            N_("the database takes no writes (a read-only replica or transaction_read_only)"),
            N_("point {where} at the primary"),
            where=_STORE_SETTING,
        )
    else:
        yield Finding("store writable", True, N_("the database takes writes"))


#: a check: its findings on ``settings``; a local store's reads through ``store``
Check = Callable[[Settings, "StoreReads"], Iterator[Finding]]

CHECKS: tuple[Check, ...] = (
    check_permissions,
    check_store,
    check_store_writable,
    check_secret_key,
    check_keyring,
    check_delivery,
    check_server,
)


def run_checks(settings: Settings) -> list[Finding]:
    """Every check's findings; the checks of a local store share one engine (opened by
    the first that reads it, disposed at the end)."""
    from guance_billing_cli.client.maintenance import StoreReads

    findings: list[Finding] = []
    with StoreReads(settings.store_url) as store:
        for check in CHECKS:
            try:
                findings.extend(check(settings, store))
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


# -- issue 19: the store's key, the newest audit links, free disk space ---------------
RECENT_LINKS = 1000
LOW_DISK = 512 * 1024 * 1024  # below this much free space, say so


def check_store_key(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    """The configured key is the one the store's chain and codes were made with."""
    if settings.server_url:
        return
    from guance_billing_cli.client.maintenance import NO_STORE
    from guance_billing_cli.keys import derive as keys

    stored = store.recorded_key_fingerprint()
    if stored is NO_STORE:
        return
    try:
        mine = keys.configured_fingerprint()
    except keys.BadSecretKey:
        return  # check_secret_key reports it
    if stored is None:
        yield Finding("store key", True, N_("no key recorded yet; the next write records it"))
    elif mine is None:
        yield Finding(
            "store key", False, N_("the store's key has fingerprint {stored}; none is configured"),
            N_("configure the store's key (see docs/server.md, Several servers)"), stored=stored,
        )  # fmt: skip
    elif mine[0] != stored:
        yield Finding(
            "store key", False,
            N_("the store's key has fingerprint {stored}, the configured one ({source}) "
               "{configured}: writes are refused"),
            N_("configure the store's key, or run `guance-billing keys rotate`"),
            stored=stored, configured=mine[0], source=mine[1].describe(),
        )  # fmt: skip
    else:
        yield Finding("store key", True, N_("matches the store (fingerprint {fp})"), fp=stored)


def check_recent_audit(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    """The newest audit links verify under the configured key."""
    if settings.server_url:
        return
    from guance_billing_cli.client.maintenance import NO_STORE
    from guance_billing_cli.errors import BillingError
    from guance_billing_cli.keys import derive as keys

    try:
        if keys.configured_fingerprint() is None:
            return  # nothing to verify with yet (check_secret_key / check_store_key say so)
    except keys.BadSecretKey:
        return  # check_secret_key reports it
    try:
        recent = store.verify_recent_links(RECENT_LINKS)
    except BillingError as exc:
        yield Finding(
            "audit trail", False, "{why}", N_("configure the store's key"), why=exc.message
        )
        return
    if recent is NO_STORE:
        return
    checked, finding = recent
    if finding is None:
        yield Finding("audit trail", True, N_("the newest {checked} links verify"), checked=checked)
    else:
        yield Finding(
            "audit trail", False, N_("event {event}: {problem}"),
            N_("run `guance-billing audit verify --checkpoints DIR` (docs/audit.md)"),
            event=finding.event_id, problem=finding.problem,
        )  # fmt: skip


def _disk_path(settings: Settings) -> Path:
    db_file = sqlite_path(settings.store_url)
    path = Path(db_file).parent if db_file else paths.config_dir()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk_space(settings: Settings, store: StoreReads) -> Iterator[Finding]:
    """Free space where the store (SQLite) or this host's files (PostgreSQL) live."""
    import shutil

    path = _disk_path(settings)
    usage = shutil.disk_usage(path)
    gib = 1024**3
    values = {
        "free": f"{usage.free / gib:.1f}",
        "total": f"{usage.total / gib:.1f}",
        "path": str(path),
    }
    if usage.free < LOW_DISK:
        yield Finding(
            "disk space", False, N_("{free} GiB free of {total} GiB at {path}"),
            N_("free some space: a write that cannot grow the store fails"), **values,
        )  # fmt: skip
    else:
        yield Finding("disk space", True, N_("{free} GiB free of {total} GiB at {path}"), **values)


CHECKS = (*CHECKS, check_store_key, check_recent_audit, check_disk_space)


#: where the secret key came from, in the reader's language (``keys`` keeps the
#: English words for error params)
KEY_SOURCES = {
    "env": N_("environment ({name})"),
    "keyring": N_("OS keyring"),
    "file": N_("key file {path}"),
}


def _key_source_words(source: Any) -> str:
    from guance_billing_cli.keys import derive as keys

    words = KEY_SOURCES.get(source.kind)
    if words is None:
        return str(source.describe())
    return translate(words).format(name=keys.ENV_KEY, path=getattr(source, "path", ""))
