"""The installation's secret key, kept outside the store, and the purpose keys derived from it.

One 32-byte master secret protects everything that must not be recomputable from a
copy of the database: the keyed hash of one-time codes and the links of the audit
chain. It is looked up, in this order (fixed, tested):

1. ``GUANCE_BILLING_SECRET_KEY``: 64 hex characters (``openssl rand -hex 32``);
2. ``GUANCE_BILLING_SECRET_KEY_FILE``: a file holding the same, mode 0600;
3. the default key file ``<config dir>/secret.key`` (mode 0600);
4. the OS keyring (service ``guance-billing``, user ``secret-key``), only when
   ``GUANCE_BILLING_SECRET_KEY_SOURCE=keyring`` asks for it (a keyring can hang).

``master_key(create=True)`` makes the default key file when none exists (a local
store's first write); ``create=False`` raises ``MissingSecretKey`` instead (a shared
server must be given its key). Each use takes its own key, ``purpose_key("codes")``
or ``purpose_key("audit-chain")``: HMAC-SHA256 of the master under the purpose's name,
so one derived key reveals nothing about another.

The audit checkpoints are signed with an Ed25519 key (``signing_key()``). By default its
32-byte seed is ``purpose_key("audit-signing")``; an installation that keeps the signer
apart gives its own seed in ``GUANCE_BILLING_AUDIT_SIGNING_KEY`` (64 hex characters) or
``GUANCE_BILLING_AUDIT_SIGNING_KEY_FILE`` (mode 0600). Verifying needs only the public key.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from guance_billing_cli import paths
from guance_billing_cli.errors import Unavailable

ENV_KEY = "GUANCE_BILLING_SECRET_KEY"
ENV_KEY_FILE = "GUANCE_BILLING_SECRET_KEY_FILE"
ENV_KEY_SOURCE = "GUANCE_BILLING_SECRET_KEY_SOURCE"
KEYRING_USER = "secret-key"
KEY_BYTES = 32

ENV_SIGNING_KEY = "GUANCE_BILLING_AUDIT_SIGNING_KEY"
ENV_SIGNING_KEY_FILE = "GUANCE_BILLING_AUDIT_SIGNING_KEY_FILE"

PURPOSES = frozenset({"codes", "audit-chain", "audit-signing", "key-seal"})


class MissingSecretKey(Exception):
    """No secret key is configured, and this caller may not create one."""


class BadSecretKey(Exception):
    """A configured secret key cannot be used; ``str(exc)`` says where and why (never the key)."""


def unavailable(exc: MissingSecretKey | BadSecretKey) -> Unavailable:
    """The error a caller raises when the key it needs is missing or unusable."""
    if isinstance(exc, MissingSecretKey):
        return Unavailable(
            "secret_key_missing", env=ENV_KEY, env_file=ENV_KEY_FILE, path=str(default_key_file())
        )
    return Unavailable("secret_key_unusable", why=str(exc))


@dataclass(frozen=True)
class KeySource:
    """Where the master key came from: ``env``, ``file`` (with its path) or ``keyring``."""

    kind: str
    path: Path | None = None

    def describe(self) -> str:
        if self.kind == "file":
            return f"key file {self.path}"
        return {"env": f"environment ({ENV_KEY})", "keyring": "OS keyring"}.get(
            self.kind, self.kind
        )


def default_key_file() -> Path:
    return paths.config_dir() / "secret.key"


def _parse(text: str, where: str) -> bytes:
    value = text.strip()
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise BadSecretKey(f"{where} is not hexadecimal") from None
    if len(raw) < KEY_BYTES:
        raise BadSecretKey(f"{where} holds {len(raw)} bytes; at least {KEY_BYTES} are needed")
    return raw


def _read_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode & 0o777
    except OSError as exc:
        raise BadSecretKey(f"key file {path} cannot be read ({exc.strerror})") from None
    if mode & 0o077:
        raise BadSecretKey(f"key file {path} is readable by others (mode {mode:04o}); chmod 600 it")
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadSecretKey(f"key file {path} cannot be read ({type(exc).__name__})") from None
    return _parse(text, f"key file {path}")


def _from_keyring() -> bytes | None:
    from guance_billing_cli.keys.keyring import SERVICE, KeyringUnusable, with_timeout

    try:
        import keyring

        value = with_timeout(keyring.get_password, SERVICE, KEYRING_USER)
    except KeyringUnusable as exc:
        raise BadSecretKey(f"the secret key could not be read from the keyring: {exc}") from None
    return None if value is None else _parse(value, "the keyring's secret key")


def write_key_file(path: Path) -> Path:
    """Create ``path`` with a fresh key, mode 0600 (its directory 0700); never overwrite."""
    paths.ensure_private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    os.chmod(path, 0o600)
    return path


def locate() -> tuple[bytes, KeySource] | None:
    """The configured master key and its source, or None when none is configured."""
    env_value = os.environ.get(ENV_KEY)
    if env_value:
        return _parse(env_value, ENV_KEY), KeySource("env")
    file_name = os.environ.get(ENV_KEY_FILE)
    if file_name:
        path = Path(file_name).expanduser()
        return _read_file(path), KeySource("file", path)
    if os.environ.get(ENV_KEY_SOURCE) == "keyring":
        value = _from_keyring()
        return None if value is None else (value, KeySource("keyring"))
    path = default_key_file()
    if path.exists():
        return _read_file(path), KeySource("file", path)
    return None


def master_key(*, create: bool = True) -> tuple[bytes, KeySource]:
    """The master key; with ``create`` a missing default key file is made (0600)."""
    found = locate()
    if found is not None:
        return found
    if not create:
        raise MissingSecretKey(
            f"no secret key: set {ENV_KEY} or {ENV_KEY_FILE}, or create {default_key_file()}"
        )
    path = default_key_file()
    with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
        write_key_file(path)
    return _read_file(path), KeySource("file", path)


def fingerprint(master: bytes) -> str:
    """A short public name for a master key: an HMAC of a fixed label under it. It tells
    two keys apart and reveals nothing of the key (the store records it, issue 19)."""
    return "kfp_" + hmac.new(master, b"guance-billing/fingerprint", hashlib.sha256).hexdigest()[:16]


def configured_fingerprint() -> tuple[str, KeySource] | None:
    """The fingerprint of the configured key and where it came from (None: no key yet)."""
    found = locate()
    return None if found is None else (fingerprint(found[0]), found[1])


def derive(master: bytes, purpose: str) -> bytes:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}")
    return hmac.new(master, f"guance-billing/{purpose}".encode(), hashlib.sha256).digest()


def purpose_key(purpose: str, *, create: bool = True) -> bytes:
    """The key for one use (``codes``, ``audit-chain``), derived from the master key."""
    master, _source = master_key(create=create)
    return derive(master, purpose)


def signing_seed(*, create: bool = True) -> bytes:
    """The 32-byte Ed25519 seed that signs audit checkpoints (see the module docstring)."""
    env_value = os.environ.get(ENV_SIGNING_KEY)
    if env_value:
        return _parse(env_value, ENV_SIGNING_KEY)[:KEY_BYTES]
    file_name = os.environ.get(ENV_SIGNING_KEY_FILE)
    if file_name:
        return _read_file(Path(file_name).expanduser())[:KEY_BYTES]
    return purpose_key("audit-signing", create=create)
