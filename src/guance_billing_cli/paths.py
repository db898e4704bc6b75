"""Where config, data and outbox live: ``GUANCE_BILLING_HOME`` or the platform's user dirs."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "guance-billing"


def home_override() -> Path | None:
    value = os.environ.get("GUANCE_BILLING_HOME")
    return Path(value).expanduser() if value else None


def _user_dir(kind: str) -> Path:
    """``GUANCE_BILLING_HOME``, else the platform's user directory of ``kind``."""
    home = home_override()
    if home is not None:
        return home
    import platformdirs

    return getattr(platformdirs, f"user_{kind}_path")(APP_NAME)  # type: ignore[no-any-return]


def config_dir() -> Path:
    return _user_dir("config")


def data_dir() -> Path:
    return _user_dir("data")


def state_dir() -> Path:
    """Files the tool keeps for itself between runs (the shell's history)."""
    return _user_dir("state")


def config_file() -> Path:
    return config_dir() / "config.toml"


def default_store_path() -> Path:
    return data_dir() / "billing.db"


def outbox_dir() -> Path:
    return data_dir() / "outbox"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) mode 0700. Existing dirs are left alone."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)
    return path


def touch_private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist (its dir 0700)."""
    ensure_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return path
    os.close(fd)
    os.chmod(path, 0o600)
    return path
