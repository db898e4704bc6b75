"""How the CLI names things inside a sentence: a field as its flag, an operation as its command.

Services raise errors with the name of the field at fault and the operation that
helps next (``i18n/errors.py``); this is the only place that knows which flag
supplies a field and which command runs an operation. ``describe`` gives an
error's sentence in the operator's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guance_billing_cli.errors import BillingError

PROG = "guance-billing"

#: fields whose flag is not ``--`` + the field name with dashes
FIELD_FLAGS: dict[str, str] = {
    "code": "--code / --code-stdin",
    "password": "--password-stdin",
    "new_password": "--password-stdin",
    "current_password": "--password-stdin",
    "update": "--arbitrary-settlement",
    "ref": "ACCOUNT",
    "config": "config.toml",
}

#: operations (``BillingClient`` methods) and the command that runs each
OPERATION_COMMANDS: dict[str, str] = {
    "create_account": "account create",
    "list_accounts": "account list",
    "get_account": "account show",
    "admin_update_account": "account update",
    "update_profile": "profile update",
    "start_change": "email change / phone change",
    "latest_change": "email status / phone status",
    "get_change": "email status / phone status",
    "verify_change": "email verify / phone verify",
    "set_change_address": "email change / phone change",
    "resend_change": "email resend / phone resend",
    "cancel_change": "email cancel / phone cancel",
    "login": "auth login",
    "send_login_code": "auth login",
    "whoami": "auth status",
    "logout": "auth logout",
    "create_token": "server token create",
    "list_tokens": "server token list",
    "revoke_token": "server token revoke",
    "change_password": "password change",
    "start_password_reset": "password reset",
    "complete_password_reset": "password reset",
    "resend_password_reset": "password reset",
    "get_password_reset": "password reset",
    "get_realname": "realname show",
    "submit_realname": "realname submit",
    "review_realname": "realname review",
    "add_invoice_title": "invoice title add",
    "list_invoice_titles": "invoice title list",
    "add_invoice_address": "invoice address add",
    "list_invoice_addresses": "invoice address list",
    "request_invoice": "invoice request",
    "list_invoices": "invoice list",
    "add_cloud_account": "cloud add",
    "list_cloud_accounts": "cloud list",
    "get_cloud_account": "cloud show",
    "unsubscribe_cloud_account": "cloud unsubscribe",
    "bind_workspaces": "cloud bind",
    "unbind_workspaces": "cloud unbind",
    "add_workspace": "workspace add",
    "add_workspaces": "workspace add",
    "list_workspaces": "workspace list",
    "get_workspace": "workspace show",
    "move_workspace": "workspace move",
    "unlock_workspace": "workspace unlock",
    "dissolve_workspace": "workspace dissolve",
    "list_audit_events": "audit list",
    "verify_audit": "audit verify",
    "use_account": "account use",
    "migrate_store": "server migrate",
}


def flag(field: str) -> str:
    """The flag (or argument, or config key) that supplies ``field``."""
    if field in FIELD_FLAGS:
        return FIELD_FLAGS[field]
    if "." in field or field.isupper():  # a config key (smtp.port) or an argument (FILE)
        return field
    return "--" + field.replace("_", "-")


def command(operation: str) -> str:
    """The command line that runs ``operation``."""
    found = OPERATION_COMMANDS.get(operation)
    return f"{PROG} {found}" if found else operation


def describe(error: BillingError) -> str:
    """``error`` as one sentence in the operator's language, with flags and commands."""
    from guance_billing_cli import i18n
    from guance_billing_cli.i18n.errors import Face, words

    return words(error, language=i18n.current(), face=Face(field=flag, operation=command))
