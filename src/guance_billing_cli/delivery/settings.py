"""The delivery settings every transport reads: config values, booleans, secrets.

Below the transports and the chooser in ``__init__``, so a transport never imports
its own package's ``__init__`` (that imports the transports).
"""

from __future__ import annotations

import os
from typing import Any

DEFAULT_SENDER = "Guance Billing <no-reply@guance-billing.localhost>"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def setting(settings: Any, key: str, default: Any = None) -> Any:
    """A config value: environment variable, then the profile (``settings`` may be None)."""
    if settings is not None:
        return settings.get(key, default)
    from guance_billing_cli.config import CONFIG_KEYS

    env_name = CONFIG_KEYS.get(key, (None, ""))[0]
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    return default


def flag(value: Any, *, key: str, default: bool) -> bool:
    from guance_billing_cli.errors import InvalidInput

    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidInput("config_not_boolean", field=key, value=value)


def secret(env_name: str, keyring_user: str) -> str | None:
    """A delivery secret: the environment variable, else the OS keyring (3 s timeout)."""
    if os.environ.get(env_name):
        return os.environ[env_name]
    import keyring

    from guance_billing_cli.keys.keyring import SERVICE, KeyringUnusable, with_timeout

    try:
        return with_timeout(keyring.get_password, SERVICE, keyring_user)
    except KeyringUnusable:  # no usable backend, or it hangs: same as "not stored"
        return None
