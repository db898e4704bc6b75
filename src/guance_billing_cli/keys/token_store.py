"""Where the CLI keeps its server token: env, then OS keyring, then (opt-in) a file.

Lookup order (fixed, tested): ``GUANCE_BILLING_TOKEN``; the OS keyring (service
``guance-billing``, user = server URL), with a 3-second timeout because a locked
or absent Secret Service can hang, and skipped when ``CI`` is set; finally the
plaintext file written by ``auth login --insecure-storage`` (mode 0600).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guance_billing_cli import paths
from guance_billing_cli.errors import Unavailable
from guance_billing_cli.keys import keyring as keyring_access
from guance_billing_cli.keys.keyring import SERVICE, KeyringUnusable

TOKEN_ENV = "GUANCE_BILLING_TOKEN"
KEYRING_TIMEOUT = 3.0  # read at call time (tests shorten it)


@dataclass
class Lookup:
    token: str | None
    source: str | None  # "env", "keyring", "file" or None
    keyring_error: str | None = None


def normalize_server(url: str) -> str:
    return url.strip().rstrip("/")


def credentials_file() -> Path:
    return paths.config_dir() / "credentials.json"


def keyring_problem() -> str | None:
    """Why the keyring is not usable here, or None."""
    if os.environ.get("CI"):
        return "CI is set, so the keyring is not used (set GUANCE_BILLING_TOKEN instead)"
    import keyring

    backend = keyring.get_keyring()
    if keyring_access.keeps_nothing(backend):
        return (
            "no OS keyring backend is available (no Secret Service, Keychain or Credential "
            f"Locker; {type(backend).__name__} keeps nothing)"
        )
    return keyring_access.remembered_problem(backend)


def _keyring_call(name: str, *args: Any) -> Any:
    problem = keyring_problem()
    if problem:
        raise KeyringUnusable(problem)
    return keyring_access.call(name, *args, timeout=KEYRING_TIMEOUT)


def _read_file() -> dict[str, str]:
    try:
        data = json.loads(credentials_file().read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_file(data: dict[str, str]) -> Path:
    path = credentials_file()
    paths.ensure_private_dir(path.parent)
    tmp = path.with_suffix(".json.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def lookup(server: str) -> Lookup:
    server = normalize_server(server)
    env = os.environ.get(TOKEN_ENV)
    if env:
        return Lookup(env.strip(), "env")
    keyring_error = None
    try:
        token = _keyring_call("get_password", SERVICE, server)
        if token:
            return Lookup(token, "keyring")
    except KeyringUnusable as exc:
        keyring_error = str(exc)
    token = _read_file().get(server)
    if token:
        return Lookup(token, "file", keyring_error)
    return Lookup(None, None, keyring_error)


def check_keyring() -> str | None:
    """None if the keyring works (a real read answers in time), else why not. A
    failure is remembered (keyring_access), so the keyring is asked once per process."""
    try:
        _keyring_call("get_password", SERVICE, "guance-billing-probe")
    except KeyringUnusable as exc:
        return str(exc)
    return None


def save(server: str, token: str, *, insecure_storage: bool) -> str:
    """Store ``token`` for ``server``; returns where ("keyring" or the file path)."""
    server = normalize_server(server)
    problem = check_keyring()
    if problem is None:
        try:
            _keyring_call("set_password", SERVICE, server, token)
            # Read back what was stored: a backend may accept a secret and keep nothing.
            if _keyring_call("get_password", SERVICE, server) != token:
                raise KeyringUnusable("the keyring did not keep the token")
            _forget_file(server)
            return "keyring"
        except KeyringUnusable as exc:
            problem = str(exc)
    if not insecure_storage:
        raise Unavailable(
            "token_storage", field="insecure_storage", why=problem, path=str(credentials_file())
        )
    data = _read_file()
    data[server] = token
    return str(_write_file(data))


def _forget_file(server: str) -> bool:
    data = _read_file()
    if server not in data:
        return False
    del data[server]
    _write_file(data)
    return True


def delete(server: str) -> list[str]:
    """Forget the token of ``server`` everywhere it is kept; returns where it was."""
    server = normalize_server(server)
    removed: list[str] = []
    try:
        if _keyring_call("get_password", SERVICE, server):
            _keyring_call("delete_password", SERVICE, server)
            removed.append("keyring")
    except KeyringUnusable:
        pass
    if _forget_file(server):
        removed.append(str(credentials_file()))
    return removed
