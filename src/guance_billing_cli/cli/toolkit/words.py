"""How the CLI names things inside a sentence: a field as its flag, an operation as its command.

Services raise errors with the name of the field at fault and the operation that
helps next (``i18n/errors.py``); this is the only place that knows which flag
supplies a field and which command runs an operation. ``describe`` gives an
error's sentence in the operator's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from guance_billing_cli.i18n import pgettext_noop

if TYPE_CHECKING:
    from guance_billing_cli.errors import BillingError

PROG = "guance-billing"

#: fields whose flag is not ``--`` + the field name with dashes
FIELD_FLAGS: dict[str, str] = {
    "password": "--password-stdin",
    "new_password": "--password-stdin",
    "current_password": "--password-stdin",
    "update": "--arbitrary-settlement",
    "expires": "--expires-days",
    "trusted_proxies": "--trusted-proxy",
    "ref": "ACCOUNT",
    "config": "config.toml",
}

#: the command that runs each operation not declared in ``api/`` (a declared one names
#: its ``command`` there) and each CLI-only step an error may name next
OPERATION_COMMANDS: dict[str, str] = {
    "use_account": "account use ACCOUNT",
    "migrate_store": "store migrate",
    "init_store": "store init",
    "verify_store": "store verify",
    "config_unset": "config unset {key}",
    "doctor": "doctor",
}


#: table headers and field labels: the JSON key in English, a word in other languages
COLUMN_LABELS = (
    pgettext_noop("column", "account"),
    pgettext_noop("column", "account_id"),
    pgettext_noop("column", "action"),
    pgettext_noop("column", "actor"),
    pgettext_noop("column", "address"),
    pgettext_noop("column", "address_id"),
    pgettext_noop("column", "affected"),
    pgettext_noop("column", "after"),
    pgettext_noop("column", "amount"),
    pgettext_noop("column", "arbitrary_settlement"),
    pgettext_noop("column", "at"),
    pgettext_noop("column", "attempts_left"),
    pgettext_noop("column", "bank_account"),
    pgettext_noop("column", "bank_name"),
    pgettext_noop("column", "before"),
    pgettext_noop("column", "changed"),
    pgettext_noop("column", "changed_at"),
    pgettext_noop("column", "cloud_account_id"),
    pgettext_noop("column", "code_target"),
    pgettext_noop("column", "company_name"),
    pgettext_noop("column", "contact_name"),
    pgettext_noop("column", "countdown_started_at"),
    pgettext_noop("column", "created_at"),
    pgettext_noop("column", "created_by"),
    pgettext_noop("column", "description"),
    pgettext_noop("column", "dissolved_at"),
    pgettext_noop("column", "dry_run"),
    pgettext_noop("column", "email"),
    pgettext_noop("column", "expires_at"),
    pgettext_noop("column", "from"),
    pgettext_noop("column", "has_password"),
    pgettext_noop("column", "id"),
    pgettext_noop("column", "id_number"),
    pgettext_noop("column", "industry"),
    pgettext_noop("column", "instance_id"),
    pgettext_noop("column", "key"),
    pgettext_noop("column", "kind"),
    pgettext_noop("column", "language"),
    pgettext_noop("column", "license"),
    pgettext_noop("column", "line"),
    pgettext_noop("column", "locks_at"),
    pgettext_noop("column", "name"),
    pgettext_noop("column", "new_address"),
    pgettext_noop("column", "notice_sent_to"),
    pgettext_noop("column", "operation"),
    pgettext_noop("column", "phone"),
    pgettext_noop("column", "prefix"),
    pgettext_noop("column", "profile"),
    pgettext_noop("column", "provider"),
    pgettext_noop("column", "realname_status"),
    pgettext_noop("column", "reason"),
    pgettext_noop("column", "recipient_email"),
    pgettext_noop("column", "recipient_phone"),
    pgettext_noop("column", "registered_address"),
    pgettext_noop("column", "registered_phone"),
    pgettext_noop("column", "mailing_address"),
    pgettext_noop("column", "recipient"),
    pgettext_noop("column", "region"),
    pgettext_noop("column", "request_id"),
    pgettext_noop("column", "resend_available_at"),
    pgettext_noop("column", "result"),
    pgettext_noop("column", "reviewed_at"),
    pgettext_noop("column", "revoked_at"),
    pgettext_noop("column", "role"),
    pgettext_noop("column", "scopes"),
    pgettext_noop("column", "sends_left"),
    pgettext_noop("column", "sent_to"),
    pgettext_noop("column", "server"),
    pgettext_noop("column", "settlement"),
    pgettext_noop("column", "settlement_changed_at"),
    pgettext_noop("column", "site"),
    pgettext_noop("column", "source"),
    pgettext_noop("column", "state"),
    pgettext_noop("column", "status"),
    pgettext_noop("column", "storage"),
    pgettext_noop("column", "store"),
    pgettext_noop("column", "submitted_at"),
    pgettext_noop("column", "summary"),
    pgettext_noop("column", "target"),
    pgettext_noop("column", "tax_id"),
    pgettext_noop("column", "title"),
    pgettext_noop("column", "title_id"),
    pgettext_noop("column", "to"),
    pgettext_noop("column", "token"),
    pgettext_noop("column", "type"),
    pgettext_noop("column", "unsubscribed_at"),
    pgettext_noop("column", "updated_at"),
    pgettext_noop("column", "username"),
    pgettext_noop("column", "value"),
    pgettext_noop("column", "via"),
    pgettext_noop("column", "workspace"),
    pgettext_noop("column", "workspace_id"),
    pgettext_noop("column", "workspaces"),
    # status, doctor, config show, workspace remind (issue 23)
    pgettext_noop("column", "version"),
    pgettext_noop("column", "profile_source"),
    pgettext_noop("column", "account_source"),
    pgettext_noop("column", "token_storage"),
    pgettext_noop("column", "config_file"),
    pgettext_noop("column", "problem"),
    pgettext_noop("column", "stage"),
    pgettext_noop("column", "days_left"),
    pgettext_noop("column", "check"),
    pgettext_noop("column", "ok"),
    pgettext_noop("column", "detail"),
    pgettext_noop("column", "fix"),
    pgettext_noop("column", "effect"),
    pgettext_noop("column", "current"),
)


def label(key: str) -> str:
    """A table header or field label for ``key`` in the operator's language."""
    from guance_billing_cli import i18n

    return i18n.translation(i18n.current()).pgettext("column", key)


def flag(field: str) -> str:
    """The flag (or argument, or config key) that supplies ``field``."""
    if field in FIELD_FLAGS:
        return FIELD_FLAGS[field]
    if "." in field or field.isupper():  # a config key (smtp.port) or an argument (FILE)
        return field
    return "--" + field.replace("_", "-")


class _Placeholders(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return key.upper()


def declared_command(operation: str) -> str | None:
    """The ``command`` an operation's declaration names (``api/<noun>.py``)."""
    from guance_billing_cli.client.operations import ROUTES

    route = ROUTES.get(operation)
    return route.command if route is not None else None


def command(operation: str, params: Mapping[str, Any] | None = None) -> str:
    """The command line that runs ``operation`` (``{server}`` and the like filled in from
    the error's parameters, else left as a metavar: ``SERVER``)."""
    found = OPERATION_COMMANDS.get(operation) or declared_command(operation)
    if not found:
        return operation
    kind = (params or {}).get("kind")
    if " / " in found and isinstance(kind, str):  # "email change / phone change": the one meant
        found = next((c for c in found.split(" / ") if c.startswith(kind + " ")), found)
    return f"{PROG} " + found.format_map(_Placeholders(params or {}))


def describe(error: BillingError, *, label: str | None = None) -> str:
    """``error`` as one sentence in the operator's language, with flags and commands;
    a guided form names the field at fault by its ``label`` (``Username``) instead."""
    from guance_billing_cli import i18n
    from guance_billing_cli.i18n.errors import Face, words

    def field(name: str) -> str:
        return label if label and name == error.field else flag(name)

    sentence = words(error, language=i18n.current(), face=Face(field=field, operation=command))
    remedies = error.params.get("remedies")
    if isinstance(remedies, list):  # a refused unlock names every remedy left (issue 15)
        sentence += "; " + _remedies(str(error.params.get("workspace_id", "WS")), remedies)
    return sentence


def _remedies(ws_id: str, remedies: list[dict[str, str]]) -> str:
    from guance_billing_cli.i18n import _

    if not remedies:
        return _("no remedy is left: the workspace can only be dissolved")
    steps = []
    for r in remedies:
        if r.get("remedy") == "resubscribe":
            steps.append(f"{PROG} cloud resubscribe {r.get('cloud_account_id')}")
        elif r.get("remedy") == "billing_center":
            steps.append(f"{PROG} workspace unlock {ws_id} --billing-center")
        else:
            steps.append(f"{PROG} workspace unlock {ws_id} --rebind {r.get('cloud_account_id')}")
    return _("remedies left: {remedies}").format(remedies="; ".join(steps))
