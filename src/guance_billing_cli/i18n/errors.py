"""Every error reason: its error class and its English template; and the words of an error.

A service raises ``Conflict("value_taken", field="email", value=...)``: the
reason names what went wrong, the parameters carry the facts. ``REASONS`` below
is the one list of reasons (``docs/exit-codes.md`` is checked against it). A
template's placeholders are ``str.format`` names of the parameters; two are
special and rendered by the face:

- ``{field}``: the input at fault — the CLI shows its flag (``--new-email``),
  the HTTP API its field name (``new_email``);
- ``{next}`` and ``{operation}``: an operation (a ``BillingClient`` method) —
  the CLI shows its command (``guance-billing password reset``), the API its name.

Templates are marked with ``N_`` so Babel extracts them into the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from guance_billing_cli.i18n import N_, translate


class Reason(NamedTuple):
    #: the error class a service raises it with, by name (``errors.FAMILIES``): by
    #: name, so this table of words does not import the errors it words
    family: str
    template: str


class Worded(Protocol):
    """What the words of an error need (a ``BillingError`` has it)."""

    reason: str
    field: str | None
    next_step: str | None
    params: dict[str, Any]


@dataclass
class _Inner:
    """An error nested in another's parameters (a batch row's ``why_code``)."""

    reason: str
    params: dict[str, Any]
    field: str | None = None
    next_step: str | None = None


# The error families by name (``errors.FAMILIES`` maps each to its class): by name, so
# this table of words imports no error class and ``errors`` may import it. Named as the
# classes are, so a row reads as the raise it documents.
AuthenticationFailed = "AuthenticationFailed"
BatchPartlyFailed = "BatchPartlyFailed"
BillingError = "BillingError"
BodyTooLarge = "BodyTooLarge"
Conflict = "Conflict"
Declined = "Declined"
InputRequired = "InputRequired"
InvalidInput = "InvalidInput"
MalformedBody = "MalformedBody"
NotFound = "NotFound"
PermissionDenied = "PermissionDenied"
PreconditionFailed = "PreconditionFailed"
RateLimited = "RateLimited"
RuleViolation = "RuleViolation"
Unavailable = "Unavailable"
UnsupportedMediaType = "UnsupportedMediaType"
VerificationFailed = "VerificationFailed"


# fmt: off
REASONS: dict[str, Reason] = {
    # -- generic input ------------------------------------------------------------
    "internal": Reason(BillingError, N_("internal error ({detail})")),
    "required": Reason(InvalidInput, N_("{field} is required and must not be blank")),
    "too_long": Reason(InvalidInput, N_("{field} must be at most {limit} characters")),
    "too_many": Reason(InvalidInput, N_("{field} must have at most {limit} items")),
    "below_minimum": Reason(InvalidInput, N_("{field} must be at least {limit}")),
    "above_maximum": Reason(InvalidInput, N_("{field} must be at most {limit}")),
    "control_characters": Reason(InvalidInput, N_("{field} must not contain control characters")),
    "invisible_characters": Reason(InvalidInput, N_("{field} must be plain text: {codepoint} is an invisible or direction-changing character")),
    "not_one_of": Reason(InvalidInput, N_("{field} must be one of: {choices}")),
    "invalid_email": Reason(InvalidInput, N_("{field} is not a valid email address")),
    "invalid_phone": Reason(InvalidInput, N_("{field} is not a valid phone number")),
    "not_mobile": Reason(InvalidInput, N_("{field} must be a mobile number")),
    "invalid_username": Reason(InvalidInput, N_("{field} must be 3-32 characters of a-z, 0-9, '_', '.', '-'")),
    "invalid_tax_id": Reason(InvalidInput, N_("{field} is not a valid Unified Social Credit Code: {why}")),
    "invalid_id_number": Reason(InvalidInput, N_("{field} is not a valid resident ID number: {why}")),
    "input_missing": Reason(InputRequired, N_("missing {field} (no terminal to ask for it)")),
    "input_missing_one_of": Reason(InputRequired, N_("missing {alternatives} (no terminal to ask for it)")),
    "no_workspaces_given": Reason(InputRequired, N_("give workspace ids or {field} FILE|-")),
    "file_or_fields": Reason(InvalidInput, N_("give either {field} or {fields}")),
    "license_unreadable": Reason(InvalidInput, N_("{field}: {path} is not a readable file")),
    "license_read_failed": Reason(InvalidInput, N_("{field}: cannot read {path}: {why}")),
    "no_account_selected": Reason(InputRequired, N_("no billing account selected: pass {field}, set GUANCE_BILLING_ACCOUNT, or run {next}")),
    "from_file_unreadable": Reason(InvalidInput, N_("cannot read {field} {path}: {why}")),
    "from_file_utf16": Reason(InvalidInput, N_("{field} starts with a UTF-16 mark but is not valid UTF-16")),
    "from_file_missing_columns": Reason(InvalidInput, N_("{field}: the CSV header lacks column(s) {missing} (expected {columns})")),
    "from_file_no_header": Reason(InvalidInput, N_("{field}: expected a CSV header with {columns} or NDJSON objects with those keys")),
    "password_not_repeated": Reason(InvalidInput, N_("the new password was not repeated identically")),
    "needs_request_id": Reason(InvalidInput, N_("{fields} need the request id (REQ) of a started reset")),
    "via_only_when_starting": Reason(InvalidInput, N_("{field} applies when starting a reset (without REQ)")),
    "declined": Reason(Declined, N_("not confirmed; nothing was changed")),
    "confirm_with_yes": Reason(InputRequired, N_("{operation} needs a confirmation: pass {field} (no terminal to ask)")),
    "stdin_lines": Reason(InputRequired, N_("{field}: expected {count} line(s) on stdin")),
    "stdin_empty_line": Reason(InvalidInput, N_("{field}: empty line on stdin")),
    "one_of_not_both": Reason(InvalidInput, N_("give either {field} or {other_field}, not both")),
    "nothing_to_update": Reason(InvalidInput, N_("nothing to update: give at least one of {fields}")),
    "invalid_language": Reason(InvalidInput, N_("{field} must be one of: {choices}")),
    # -- lookup ---------------------------------------------------------------------
    "account_not_found": Reason(NotFound, N_("no billing account matches {ref!r}")),
    # -- uniqueness -----------------------------------------------------------------
    "value_taken": Reason(Conflict, N_("{field} is already used by another account")),
    # -- permission -----------------------------------------------------------------
    "support_only": Reason(PermissionDenied, N_("{operation} is a support action; this token's role is {role}")),
    "account_denied": Reason(PermissionDenied, N_("permission denied for that account")),
    "scope_denied": Reason(PermissionDenied, N_("this token is limited to scope {scopes}")),
    # -- workspaces and settlement ------------------------------------------------------
    "invalid_workspace_id": Reason(InvalidInput, N_("not a workspace id: {value!r} (1-64 of A-Z a-z 0-9 _ . : -)")),
    "unknown_site": Reason(InvalidInput, N_("unknown site {value!r}; sites: {choices}")),
    "workspace_not_found": Reason(NotFound, N_("no workspace {ref!r}")),
    "workspace_not_in_account": Reason(NotFound, N_("no workspace {workspace_id!r} in billing account {username}")),
    "workspace_not_in_this_account": Reason(NotFound, N_("no workspace {workspace_id} in this billing account")),
    "workspace_id_taken": Reason(RuleViolation, N_("workspace id {workspace_id} is already taken (ids are unique across accounts)")),
    "workspace_exists": Reason(RuleViolation, N_("workspace {workspace_id} already exists with name {name!r} and site {site} (asked: {asked_name!r}, {asked_site})")),
    "workspace_dissolved": Reason(RuleViolation, N_("workspace {workspace_id} is dissolved")),
    "workspace_dissolved_irreversible": Reason(RuleViolation, N_("workspace {workspace_id} is dissolved; dissolving is irreversible")),
    "site_settles_own_provider": Reason(RuleViolation, N_("site {site} ({site_name}, {cloud}) settles through billing_center or {own}, not {provider_name}; support can allow arbitrary settlement ({next})")),
    "site_settles_billing_center_only": Reason(RuleViolation, N_("site {site} ({site_name}, {cloud}) settles through billing_center only, not {provider_name}; support can allow arbitrary settlement ({next})")),
    "settlement_changed_this_month": Reason(RuleViolation, N_("settlement method already changed this month (on {changed_on}); the next change is possible from {next_change}")),
    "cloud_still_subscribed": Reason(RuleViolation, N_("settles through cloud account {cloud_account_id} ({provider}), which is still subscribed; it can switch only after that cloud account is unsubscribed")),
    "cloud_unsubscribed": Reason(RuleViolation, N_("cloud account {cloud_account_id} is unsubscribed")),
    "move_needs_billing_center": Reason(RuleViolation, N_("workspace {workspace_id} settles through cloud account {cloud_account_id} of billing account {username}; it must settle through the billing center before it can move")),
    "move_needs_realname": Reason(RuleViolation, N_("billing account {username} has no approved enterprise real-name authentication; moving a workspace needs it on both accounts")),
    "move_different_enterprise": Reason(RuleViolation, N_("the two billing accounts carry different enterprise authentications (name or taxpayer id differ); a workspace moves only between accounts of the same enterprise")),
    "choose_remedy": Reason(InputRequired, N_("choose one remedy: {fields}")),
    "cannot_unlock": Reason(RuleViolation, N_("cannot unlock {workspace_id}: {why}")),
    # -- cloud accounts ------------------------------------------------------------------
    "invalid_aws_account_id": Reason(InvalidInput, N_("{field} is malformed: an AWS account id is 12 digits")),
    "invalid_aliyun_account_id": Reason(InvalidInput, N_("{field} is malformed: an Alibaba Cloud account UID is 16 digits")),
    "invalid_huawei_account_id": Reason(InvalidInput, N_("{field} is malformed: a Huawei Cloud account ID is 32 hexadecimal characters")),
    "instance_id_not_for_aws": Reason(InvalidInput, N_("{field} applies to aliyun and huawei only (AWS has no product instance)")),
    "instance_id_required": Reason(InvalidInput, N_("{field} is required for {provider}: the marketplace product instance id")),
    "invalid_instance_id": Reason(InvalidInput, N_("{field} is malformed: 1-128 of A-Z a-z 0-9 _ . : -")),
    "cloud_account_not_found": Reason(NotFound, N_("no cloud account {ref!r}")),
    "cloud_account_not_in_account": Reason(NotFound, N_("no cloud account {cloud_account_id!r} in billing account {username}")),
    "cloud_account_registered": Reason(Conflict, N_("{provider_name} account {value} is already registered as {cloud_account_id} ({status})")),
    "cloud_account_registered_elsewhere": Reason(Conflict, N_("{provider_name} account {value} is already registered to another billing account")),
    "goes_with": Reason(InvalidInput, N_("{field} goes with {other_field} {value}")),
    "required_with": Reason(InvalidInput, N_("{field} is required with {other_field} {value}")),
    "goes_with_option": Reason(InvalidInput, N_("{field} goes with {other_field} only")),
    "required_with_option": Reason(InvalidInput, N_("{field} is required with {other_field}")),
    "not_on_account": Reason(NotFound, N_("no {field} {value!r} on account {username}")),
    # -- real-name authentication ---------------------------------------------------------
    "license_empty": Reason(InvalidInput, N_("licence file is empty")),
    "license_too_large": Reason(InvalidInput, N_("licence file is larger than {limit} MB")),
    "license_type": Reason(InvalidInput, N_("licence file must be a PNG, JPEG or PDF (by content)")),
    "license_name": Reason(InvalidInput, N_("licence file name is not usable")),
    "realname_pending": Reason(RuleViolation, N_("a real-name submission is already pending review; wait for {next}")),
    "realname_approved": Reason(RuleViolation, N_("real-name authentication is already approved; pass {field} to submit a new one (it returns to pending and invoices wait for its review)")),
    "nothing_to_review": Reason(RuleViolation, N_("nothing to review: real-name status is {status}, not pending")),
    # -- invoices -------------------------------------------------------------------------
    "amount_not_a_number": Reason(InvalidInput, N_("{field} must be a plain decimal number such as 100.00")),
    "amount_not_positive": Reason(InvalidInput, N_("{field} must be greater than 0")),
    "amount_too_large": Reason(InvalidInput, N_("{field} must be at most {limit}")),
    "amount_precision": Reason(InvalidInput, N_("{field} must have at most 2 decimal places")),
    "invalid_bank_account": Reason(InvalidInput, N_("{field} must be 6-40 digits (spaces and '-' allowed)")),
    "invalid_telephone": Reason(InvalidInput, N_("{field} must be a telephone number such as 0571-88886666")),
    "vat_special_needs": Reason(InvalidInput, N_("a vat_special title needs {fields}")),
    "realname_required": Reason(RuleViolation, N_("{operation} needs an approved real-name authentication (status: {realname_status})")),
    "realname_required_unverified": Reason(RuleViolation, N_("{operation} needs an approved real-name authentication (status: {realname_status}); submit it with {next}, then have it approved")),
    "realname_required_pending": Reason(RuleViolation, N_("{operation} needs an approved real-name authentication (status: {realname_status}); the submission is pending; approve it with {next} (support)")),
    "realname_required_rejected": Reason(RuleViolation, N_("{operation} needs an approved real-name authentication (status: {realname_status}); the submission was rejected; correct it and resubmit with {next}")),
    "title_must_match_name": Reason(RuleViolation, N_("the invoice title must equal the authenticated name {name!r}")),
    "title_must_match_tax_id": Reason(RuleViolation, N_("the title's tax id must equal the authenticated tax id {tax_id}")),
    "individual_has_no_tax_id": Reason(RuleViolation, N_("an individual authentication has no tax id; omit {field}")),
    "vat_special_needs_enterprise": Reason(RuleViolation, N_("a vat_special invoice needs an enterprise authentication")),
    "title_no_longer_matches": Reason(RuleViolation, N_("title {title_id} no longer matches the approved authentication ({why}); add a matching title with {next}")),
    # -- passwords ------------------------------------------------------------------------
    "no_password_yet": Reason(RuleViolation, N_("this account has no password yet; set one with {next}")),
    "password_length": Reason(InvalidInput, N_("password must be {min} to {max} characters")),
    "password_classes": Reason(InvalidInput, N_("password must mix at least three of: lower case, upper case, digits, symbols")),
    "password_is_identity": Reason(InvalidInput, N_("password must not be the username, email or phone")),
    "password_too_common": Reason(InvalidInput, N_("password is too common; choose another")),
    "password_unchanged": Reason(InvalidInput, N_("new password must differ from the current one")),
    "password_changed_meanwhile": Reason(RuleViolation, N_("the password was changed while this change was checked; nothing was changed, try again")),
    "wrong_current_password": Reason(AuthenticationFailed, N_("current password is wrong; {attempts_left} attempt(s) left before a {minutes}-minute lock")),
    "password_locked": Reason(RateLimited, N_("too many wrong passwords ({limit} within {minutes} minutes); try again after {until} UTC or use {next}")),
    "password_locked_after_wrong": Reason(RateLimited, N_("current password is wrong; too many wrong passwords ({limit} within {minutes} minutes); try again after {until} UTC or use {next}")),
    # -- configuration, store, server, delivery ------------------------------------------
    "config_not_toml": Reason(InvalidInput, N_("config file {path} is not valid TOML: {why}")),
    "unknown_config_key": Reason(InvalidInput, N_("unknown config key {value!r}; known keys: {choices}")),
    "config_not_boolean": Reason(InvalidInput, N_("config {field} must be true or false, not {value!r}")),
    "config_value_not_seconds": Reason(InvalidInput, N_("config key {key} must be a number of seconds greater than 0, not {value!r}")),
    "config_value_not_port": Reason(InvalidInput, N_("config key {key} must be a port number from 1 to 65535, not {value!r}")),
    "config_value_not_boolean": Reason(InvalidInput, N_("config key {key} must be true or false, not {value!r}")),
    "config_value_not_one_of": Reason(InvalidInput, N_("config key {key} must be one of: {choices}; not {value!r}")),
    "config_value_not_url": Reason(InvalidInput, N_("config key {key} must be a URL starting with http:// or https://, not {value!r}")),
    "config_value_not_email": Reason(InvalidInput, N_("config key {key} must be an email address, not {value!r}")),
    "config_value_no_file": Reason(InvalidInput, N_("config key {key} names no file: {path} does not exist")),
    "config_value_empty": Reason(InvalidInput, N_("config key {key} needs a value; to remove it, use {next}")),
    "unsupported_store": Reason(InvalidInput, N_("unsupported store {value!r}: use sqlite:///PATH (or a bare file path) and postgresql+psycopg://HOST/DB")),
    "psycopg_missing": Reason(Unavailable, N_("a PostgreSQL store needs the psycopg package: pip install 'guance-billing[server]' (or 'psycopg[binary]')")),
    "store_file": Reason(Unavailable, N_("cannot create store file {path}: {why}")),
    "store_cannot_open": Reason(Unavailable, N_("cannot open store {store}: {why}")),
    "store_too_new": Reason(Unavailable, N_("store {store} has schema {version}, which is newer than this guance-billing knows (up to {head}); upgrade guance-billing. The store was not changed.")),
    "store_predates_release": Reason(Unavailable, N_("the store's schema is {version}, made by a development build before the 0.1.0 release: it cannot be upgraded, and the store was not changed. Create a new store with `guance-billing store init` and enter its data again")),
    "store_behind": Reason(Unavailable, N_("store {store} is at schema {version}, expected {head}; run {next}")),
    "store_missing": Reason(Unavailable, N_("there is no store at {path}, and reading does not create one (nothing was changed); create it with {next} or with a command that writes")),
    "store_read_only": Reason(Unavailable, N_("store {store} is read-only to this process: it can be read, but nothing was written")),
    "schema_ahead": Reason(Unavailable, N_("the store's schema is {version}, which this guance-billing does not know (it serves {head}); nothing was written. A newer release migrated the store: upgrade this one")),
    "schema_behind": Reason(Unavailable, N_("the store's schema is {version}, older than this guance-billing serves ({head}); nothing was written; run {next}")),
    "backup_needs_sqlite": Reason(InvalidInput, N_("{what} works on a SQLite store; for PostgreSQL use pg_dump and pg_restore (see docs/upgrade.md), then {next}")),
    "backup_target_exists": Reason(InvalidInput, N_("{path} already exists; choose a new file (nothing was written)")),
    "backup_not_sqlite": Reason(InvalidInput, N_("{path} is not a SQLite database ({why}); the store was not changed")),
    "backup_integrity": Reason(InvalidInput, N_("{path} fails its integrity check ({why}); the store was not changed")),
    "backup_unknown_schema": Reason(InvalidInput, N_("{path} has schema {version}, which this guance-billing does not know (up to {head}); the store was not changed")),
    "store_cannot_migrate": Reason(Unavailable, N_("cannot migrate store {store}: {why}")),
    "store_unavailable": Reason(Unavailable, N_("store {store} unavailable: {why}")),
    "key_rotation_same_key": Reason(RuleViolation, N_("the new key is the store's key already (fingerprint {fingerprint}); nothing was changed")),
    "key_rotation_chain_broken": Reason(RuleViolation, N_("the audit chain is broken at event {first_bad_id} ({problem}); a broken chain is not rotated, nothing was changed")),
    "key_epoch_unsealable": Reason(Unavailable, N_("the store's old chain key {epoch} cannot be opened with the configured key: configure the store's current key")),
    "keys_rotate_local": Reason(InvalidInput, N_("keys rotate works on a store, not through a server: give {field}")),
    "store_key_mismatch": Reason(Unavailable, N_("this store's key has fingerprint {stored}, but the key configured here ({source}) has fingerprint {configured}; nothing was written: configure the store's key on this host, or move the store to the new key with `guance-billing keys rotate`")),
    "store_contention": Reason(Unavailable, N_("store {store} is busy with other writers of the same rows; nothing was changed, try again")),
    "store_conflict": Reason(Conflict, N_("the change conflicts with existing data; nothing was changed")),
    "mail_outbox_unwritable": Reason(Unavailable, N_("cannot write the mail outbox {path}: {why}")),
    "sms_outbox_unwritable": Reason(Unavailable, N_("cannot write the SMS outbox {path}: {why}")),
    "config_not_number": Reason(InvalidInput, N_("config {field} must be a number, not {value!r}")),
    "smtp_no_password": Reason(Unavailable, N_("SMTP user {user} is set but no password was found: set {env} or store it in the keyring (service guance-billing, user {keyring_user})")),
    "smtp_failed": Reason(Unavailable, N_("cannot send email through SMTP {host}:{port}: {why}")),
    "sms_webhook_failed": Reason(Unavailable, N_("SMS webhook {url} failed: {why}")),
    "sms_webhook_status": Reason(Unavailable, N_("SMS webhook {url} answered HTTP {status}; the SMS was not sent")),
    "server_extra_missing": Reason(Unavailable, N_("the server needs the `server` extra ({module} is missing): pip install 'guance-billing[server]'")),
    "internal_streaming": Reason(BillingError, N_("internal server error while streaming")),
    "internal_server": Reason(BillingError, N_("internal error ({detail}) on the server; its traceback is in the server log")),
    "server_url_scheme": Reason(InvalidInput, N_("server URL must start with http:// or https://: {value!r}")),
    "ca_bundle_missing": Reason(InvalidInput, N_("CA bundle {path} does not exist")),
    "server_not_json": Reason(Unavailable, N_("server {url} sent a response that is not JSON")),
    "server_unreachable": Reason(Unavailable, N_("cannot reach server {url} ({why}): check that it is running and that the URL is right; {next} checks both")),
    "server_timeout": Reason(Unavailable, N_("server {url} did not answer within {seconds} s")),
    "server_connection_failed": Reason(Unavailable, N_("connection to server {url} failed ({why}); try again, and if it keeps failing run {next}")),
    "server_bad_status": Reason(Unavailable, N_("server {url} answered HTTP {status} without an error body")),
    "server_bad_stream": Reason(Unavailable, N_("server {url} sent a malformed stream")),
    "server_stream_broke": Reason(Unavailable, N_("connection to server {url} broke: {why}")),
    "cleartext_credentials": Reason(InvalidInput, N_("refusing to send credentials in clear text to {host}: {url} is plain http:// and not loopback, so anyone on the path could read the token or password; use https://, or pass {option_field} (config key insecure_http) on a network you trust")),
    "tls_pair": Reason(InvalidInput, N_("TLS needs both {field} and {other_field}")),
    "tls_file_missing": Reason(InvalidInput, N_("TLS file {path} does not exist")),
    "plain_http_listener": Reason(InvalidInput, N_("refusing to serve plain HTTP on {host}, an address other hosts can reach: tokens, passwords and personal data would cross the network in clear text. Give {cert_field} and {key_field}, or listen on 127.0.0.1 behind a reverse proxy that terminates TLS ({proxy_field}), or pass {option_field} on a network you trust")),
    "store_not_ready": Reason(Unavailable, N_("store schema is {version}, expected {head}; run {next}")),
    "store_unreachable": Reason(Unavailable, N_("store unreachable ({why})")),
    "invalid_request": Reason(InvalidInput, N_("invalid request")),
    "invalid_request_why": Reason(InvalidInput, N_("invalid request: {why}")),
    "invalid_value": Reason(InvalidInput, N_("{field}: {why}")),
    # -- audit ------------------------------------------------------------------------------
    "audit_key_unavailable": Reason(Unavailable, N_("the audit chain key is not available: {why}")),
    "audit_signing_key_unavailable": Reason(Unavailable, N_("the audit signing key is not available: {why}")),
    "checkpoint_copy_unverified": Reason(RuleViolation, N_("the store's copy of {checkpoint} does not verify with this installation's signing key; no checkpoint was written")),
    "checkpoint_event_gone": Reason(RuleViolation, N_("event {first_bad_id}, the last one {checkpoint} signed, is gone from the trail; no checkpoint was written")),
    "checkpoint_chain_broken": Reason(RuleViolation, N_("audit chain broken at event {first_bad_id}: {why}; no checkpoint was written")),
    "invalid_when": Reason(InvalidInput, N_("{field} must be an ISO 8601 date/time or an age like 30m, 24h, 7d")),
    "needs_public_key": Reason(InputRequired, N_("{field} needs {other_field} KEY to check signatures")),
    "audit_chain_broken": Reason(RuleViolation, N_("audit chain broken at event {first_bad_id}: {problem} ({checked} events before it verified)")),
    "audit_chain_proved_broken": Reason(RuleViolation, N_("audit chain broken at event {first_bad_id}: {problem}; proved by {checkpoint} ({checked} events before it verified)")),
    "export_unverified": Reason(RuleViolation, N_("export does not verify: {why}")),
    "export_broken": Reason(RuleViolation, N_("export does not verify at event {first_bad_id}: {problem}")),
    "export_proved_broken": Reason(RuleViolation, N_("export does not verify at event {first_bad_id}: {problem}; proved by {checkpoint}")),
    "file_unreadable": Reason(InvalidInput, N_("cannot read {path}: {why}")),
    "secret_file_mode": Reason(InvalidInput, N_("{path} holds a secret but others may read it (mode {mode}): chmod 600 {path}")),
    "store_file_format": Reason(InvalidInput, N_("{path} must hold the store URL on one line")),
    "not_a_text_file": Reason(InvalidInput, N_("{path} is not a text file")),
    "file_unwritable": Reason(InvalidInput, N_("cannot write {path}: {why}")),
    "checkpoint_not_written": Reason(Unavailable, N_("{why}; checkpoint {sequence} is recorded in the store and printed on stdout instead: keep it with the others")),
    "checkpoint_interval": Reason(InvalidInput, N_("checkpoint interval {value!r}: give a number of events (1000), a time (30s, 10m, 1h) or both separated by a comma")),
    "checkpoint_dir_not_directory": Reason(Unavailable, N_("{path} is not a directory")),
    "checkpoint_dir_uncreatable": Reason(Unavailable, N_("cannot create {path}: {why}")),
    "checkpoint_exists": Reason(Unavailable, N_("{path} already exists: a checkpoint with this sequence was written before (was the store's checkpoint record rewound?)")),
    "checkpoint_unwritable": Reason(Unavailable, N_("cannot write checkpoint in {path}: {why}")),
    "not_a_directory": Reason(InvalidInput, N_("{path} is not a directory")),
    "is_a_directory": Reason(InvalidInput, N_("{path} is a directory")),
    "not_writable": Reason(InvalidInput, N_("{path} is not writable")),
    "parent_missing": Reason(InvalidInput, N_("cannot write {path}: {parent} does not exist")),
    "ancestor_not_writable": Reason(InvalidInput, N_("cannot create {path}: {ancestor} is not a writable directory")),
    "checkpoint_unreadable": Reason(InvalidInput, N_("{path} is not a readable checkpoint file")),
    "not_a_checkpoint": Reason(InvalidInput, N_("{path} is not a checkpoint file")),
    "no_checkpoints": Reason(InvalidInput, N_("no checkpoint files ({pattern}) in {path}")),
    # -- the CLI's own inputs --------------------------------------------------------------
    "page_out_of_reach": Reason(InvalidInput, N_("{field} {value} starts past row {limit}, the furthest a list reaches")),
    "no_server_selected": Reason(InputRequired, N_("no server selected: pass {field} URL or set GUANCE_BILLING_SERVER")),
    "nothing_to_change": Reason(InputRequired, N_("nothing to change: give at least one option, e.g. {field}")),
    "no_commands": Reason(InvalidInput, N_("no commands: give {field}, or pipe commands on stdin")),
    "unreadable_line": Reason(InvalidInput, N_("cannot read the line: {why}")),
    "already_in_shell": Reason(InvalidInput, N_("already in a shell")),
    "builtin_usage": Reason(InvalidInput, N_("usage: {usage}")),
    "license_not_base64": Reason(InvalidInput, N_("licence file content is not valid base64")),
    # -- authentication ---------------------------------------------------------------------
    "not_logged_in": Reason(AuthenticationFailed, N_("not logged in to {server}: run {next} or set GUANCE_BILLING_TOKEN")),
    "not_logged_in_keyring": Reason(AuthenticationFailed, N_("not logged in to {server} ({why}): run {next} or set GUANCE_BILLING_TOKEN")),
    "token_storage": Reason(Unavailable, N_("cannot store the token: {why}. Pass {field} to keep it in {path} (mode 0600), or set GUANCE_BILLING_TOKEN")),
    "bad_authorization_header": Reason(AuthenticationFailed, N_("malformed Authorization header; expected 'Bearer TOKEN'")),
    "token_required": Reason(AuthenticationFailed, N_("authentication required: run {next} or set GUANCE_BILLING_TOKEN")),
    "token_invalid": Reason(AuthenticationFailed, N_("the token is invalid, expired or revoked; log in again ({next})")),
    "wrong_credentials": Reason(AuthenticationFailed, N_("wrong email/phone or password; check both and try again, or set a new password with {next}")),
    "invalid_trusted_proxy": Reason(InvalidInput, N_("{field}: {value!r} is not an IP address or network")),
    "secret_key_missing": Reason(Unavailable, N_("a shared store needs its secret key: set {env} or {env_file}, or create {path}")),
    "secret_key_unusable": Reason(Unavailable, N_("the secret key cannot be used: {why}")),
    # -- sessions and server tokens -------------------------------------------------------
    "owner_only": Reason(PermissionDenied, N_("sessions are an account owner's: log in as the owner ({next})")),
    "no_session": Reason(NotFound, N_("no active session with that id on this account")),
    "session_without_token": Reason(InvalidInput, N_("this session does not use a server token; nothing to revoke")),
    "invalid_token_name": Reason(InvalidInput, N_("{field} must be 1-64 printable characters")),
    "unknown_scope": Reason(InvalidInput, N_("unknown {field} {value}; known scopes: {choices}")),
    "expiry_too_short": Reason(InvalidInput, N_("{field} must be at least 1 day")),
    "owner_token_needs_account": Reason(InvalidInput, N_("an owner token needs {field}")),
    "support_token_no_account": Reason(InvalidInput, N_("a support token reaches every account; drop {field} or use {role_field} owner")),
    "token_not_found": Reason(NotFound, N_("no token matches {ref!r}")),
    "token_name_ambiguous": Reason(Conflict, N_("{count} tokens are named {ref!r}; revoke by id")),
    # -- verification codes (challenges, changes, resets, login) ------------------------------
    "malformed_code": Reason(InvalidInput, N_("{field} must be {length} digits")),
    "cooldown": Reason(RateLimited, N_("a code was sent less than {cooldown} s ago; resend in {retry_after} s")),
    "send_cap": Reason(RateLimited, N_("at most {limit} codes are sent to one address per {hours} hours; try again in {retry_after} s")),
    "address_check_budget": Reason(RateLimited, N_("at most {limit} new login addresses are checked per account per {hours} hours; try again in {retry_after} s")),
    "address_throttled": Reason(RateLimited, N_("too many failed attempts for this address; try again in {retry_after} s")),
    "client_throttled": Reason(RateLimited, N_("too many failed attempts from this client; try again in {retry_after} s")),
    "wrong_code": Reason(VerificationFailed, N_("wrong code; {attempts_left} attempt(s) left")),
    "exhausted": Reason(VerificationFailed, N_("wrong code; no attempts left: start again")),
    "code_expired": Reason(VerificationFailed, N_("the code expired: start again")),
    "code_used": Reason(VerificationFailed, N_("the code was already used: start again")),
    "code_voided": Reason(VerificationFailed, N_("the code was replaced by a newer one: use the newest code")),
    "code_failed": Reason(VerificationFailed, N_("the code ended after too many wrong guesses: start again")),
    "no_such_code": Reason(VerificationFailed, N_("wrong, expired or used code: start again")),
    "no_code": Reason(VerificationFailed, N_("no code is outstanding for this step; ask for a new one ({next})")),
    "request_expired": Reason(VerificationFailed, N_("the code expired; request {request_id} has expired: start again ({next})")),
    "request_completed": Reason(VerificationFailed, N_("request {request_id} is already completed: start again ({next})")),
    "request_cancelled": Reason(VerificationFailed, N_("request {request_id} was cancelled: start again ({next})")),
    "request_failed": Reason(VerificationFailed, N_("request {request_id} ended after too many wrong codes: start again ({next})")),
    "exactly_one_of": Reason(InvalidInput, N_("give exactly one of {fields}")),
    "code_login_needs": Reason(InvalidInput, N_("a code login needs {fields}")),
    "unknown_change_kind": Reason(InvalidInput, N_("unknown change kind {value!r}; known: {choices}")),
    "change_request_not_found": Reason(NotFound, N_("no {kind} change request {ref!r}")),
    "change_request_not_in_account": Reason(NotFound, N_("{kind} change request {ref!r} does not belong to account {account!r}")),
    "no_change_request": Reason(NotFound, N_("account {username} has no {kind} change request")),
    "request_account_gone": Reason(NotFound, N_("the account of request {request_id} no longer exists")),
    "address_unchanged": Reason(RuleViolation, N_("{field} is the same as the current {kind}")),
    "address_changed_meanwhile": Reason(RuleViolation, N_("the account's {kind} changed since this request started: start again ({next})")),
    "new_address_needed": Reason(RuleViolation, N_("no code is outstanding: give {field} first")),
    "confirm_current_first": Reason(RuleViolation, N_("confirm the code sent to the current {kind} first")),
    "new_address_already_given": Reason(RuleViolation, N_("this request already has a new {kind}; to use another, start again ({next})")),
    "reset_not_found": Reason(NotFound, N_("no password reset request {ref!r}")),
    "reset_not_in_account": Reason(NotFound, N_("password reset request {ref!r} does not belong to account {account!r}")),
    # -- invoice upkeep ------------------------------------------------------------------------
    "invoice_title_not_found": Reason(NotFound, N_("no invoice title {ref!r}")),
    "invoice_address_not_found": Reason(NotFound, N_("no mailing address {ref!r}")),
    "invoice_request_not_found": Reason(NotFound, N_("no invoice request {ref!r}")),
    "invoice_title_not_in_account": Reason(NotFound, N_("no invoice title {ref!r} in billing account {username}")),
    "invoice_address_not_in_account": Reason(NotFound, N_("no mailing address {ref!r} in billing account {username}")),
    "invoice_request_not_in_account": Reason(NotFound, N_("no invoice request {ref!r} in billing account {username}")),
    "title_in_use": Reason(RuleViolation, N_("invoice title {ref} is used by pending invoice request {request_id}; cancel that request first ({next})")),
    "address_in_use": Reason(RuleViolation, N_("mailing address {ref} is used by pending invoice request {request_id}; cancel that request first ({next})")),
    "only_pending_cancellable": Reason(RuleViolation, N_("invoice request {request_id} is {status}; only a pending request can be cancelled")),
    # -- server gate and transport -----------------------------------------------------------
    "nul_character": Reason(InvalidInput, N_("text must not contain NUL (U+0000) characters")),
    "request_too_large": Reason(BodyTooLarge, N_("request body is larger than the server accepts ({limit} bytes)")),
    "body_not_json": Reason(MalformedBody, N_("request body is not valid JSON")),
    "body_unreadable": Reason(MalformedBody, N_("request body could not be read as JSON")),
    "body_not_utf8": Reason(MalformedBody, N_("request body is not UTF-8 text")),
    "content_length_not_a_number": Reason(MalformedBody, N_("Content-Length is not a number")),
    "body_not_declared_json": Reason(UnsupportedMediaType, N_("request body must be JSON (Content-Type: application/json), not {content_type!r}")),
    "etag_mismatch": Reason(PreconditionFailed, N_("the resource changed since it was read (If-Match {given} is not its current ETag {current}); read it again, then retry")),
    "idempotency_key_invalid": Reason(InvalidInput, N_("Idempotency-Key must be 1-{limit} printable ASCII characters")),
    "idempotency_key_reused": Reason(Conflict, N_("Idempotency-Key {key!r} was used for another request (operation or body differ); use a new key")),
    "idempotency_key_in_flight": Reason(Conflict, N_("a request with Idempotency-Key {key!r} is still running; retry after it answers")),
    "longer_than_any": Reason(NotFound, N_("nothing matches {value!r}...: longer than any {name}")),
    "too_long_for_a_url": Reason(InvalidInput, N_("a value given is too long to send to the server ({why})")),
    "unknown_kind": Reason(InvalidInput, N_("unknown {field} {value!r}; known kinds: {choices}")),
    "no_output_schema": Reason(InvalidInput, N_("{command!r} has no published JSON output schema; `guance-billing schema` lists the commands that have one")),
    # -- batches -------------------------------------------------------------------------
    "batch_all_refused": Reason(RuleViolation, N_("all {total} row(s) refused")),
    "batch_partly_refused": Reason(BatchPartlyFailed, N_("{refused} of {total} row(s) refused: {parts}")),
    # -- bindings as code (issue 25) -------------------------------------------------------
    "bindings_file_unreadable": Reason(InvalidInput, N_("cannot read desired-state file {path}: {why}")),
    "bindings_file_not_toml": Reason(InvalidInput, N_("{where}: not valid TOML: {why}")),
    "bindings_file_unknown_key": Reason(InvalidInput, N_("{where}: unknown key {key!r}; known here: {choices}")),
    "bindings_file_not_table": Reason(InvalidInput, N_("{where}: {key} must be a table ([{key}])")),
    "bindings_file_not_ids": Reason(InvalidInput, N_("{where}: {key} must be a list of workspace ids (strings)")),
    "bindings_file_not_bool": Reason(InvalidInput, N_("{where}: {key} must be true or false")),
    "bindings_file_version": Reason(InvalidInput, N_("{where}: version {value!r} is not one this guance-billing reads (it reads {known})")),
    "bindings_file_workspace_twice": Reason(InvalidInput, N_("{where}: workspace {workspace_id} is listed again (already under {first}, line {first_line})")),
    "bindings_cloud_twice": Reason(RuleViolation, N_("cloud account {cloud_account_id} appears twice in the desired state")),
    "bindings_workspace_twice": Reason(RuleViolation, N_("workspace {workspace_id} is listed under both {first} and {second}")),
    "bindings_plan_unreadable": Reason(InvalidInput, N_("{path} is not a saved bindings plan: {why}")),
    "bindings_plan_refused": Reason(RuleViolation, N_("{count} row(s) of the plan cannot be applied: {workspaces}")),
    "bindings_refused": Reason(RuleViolation, N_("{count} row(s) cannot be applied ({workspaces}); nothing was changed: fix them (see {next}) or pass {field}")),
    "bindings_skipped": Reason(BatchPartlyFailed, N_("{skipped} refused row(s) skipped; the other changes were applied")),
    "plan_stale": Reason(RuleViolation, N_("the plan is stale: {count} row(s) changed since it was made ({workspaces}); nothing was changed: plan again ({next})")),
}

#: notes on batch rows that are not errors (``unchanged`` rows)
NOTES: dict[str, str] = {
    "already_bound": N_("already bound to this cloud account"),
    "already_billing_center": N_("already settles through the billing center"),
    "already_added": N_("already added"),
    "listed_again": N_("listed again"),
    "listed_again_on": N_("listed again (first on line {line})"),
    "not_listed_exclusive": N_("bound to {cloud_account_id}, which is exclusive, but not listed under it"),
}
# fmt: on

OR = N_("or")

#: a change's ``kind`` (an enum value in ``params``) as it reads inside a sentence
KIND_WORDS: dict[str, str] = {"email": N_("login email"), "phone": N_("login phone")}


@dataclass(frozen=True)
class Face:
    """How one face names an input field and an operation inside a sentence
    (``operation`` also gets the error's parameters: a command line may use them)."""

    field: Callable[[str], str]
    operation: Callable[[str, Mapping[str, Any]], str]


API = Face(field=lambda name: name, operation=lambda name, params: name)


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # a missing parameter must not hide the error
        return "?"


def show(value: Any) -> Any:
    """A parameter as it reads in a sentence (lists joined; values verbatim)."""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return value


def words(error: Worded, *, language: str = "en", face: Face = API) -> str:
    """The sentence for ``error`` in ``language``, naming fields and operations as ``face`` does."""
    entry = REASONS.get(error.reason)
    template = entry.template if entry is not None else NOTES.get(error.reason)
    if template is None:  # a literal message of older code
        return error.reason
    values = _Values({key: show(value) for key, value in error.params.items()})
    if error.field:
        values["field"] = face.field(error.field)
    elif isinstance(error.params.get("field"), str):  # a row's params carry it
        values["field"] = face.field(error.params["field"])
    next_step = error.next_step or error.params.get("next")  # a row's params carry it
    if isinstance(next_step, str):
        values["next"] = face.operation(next_step, error.params)
    if isinstance(error.params.get("fields"), list):  # several inputs, named by the face
        values["fields"] = ", ".join(face.field(str(name)) for name in error.params["fields"])
    if isinstance(error.params.get("alternatives"), list):  # one of several inputs
        either = " " + translate(OR, language) + " "
        values["alternatives"] = either.join(
            face.field(str(n)) for n in error.params["alternatives"]
        )
    for name, value in error.params.items():  # another input named in the sentence
        if name.endswith("_field") and isinstance(value, str):
            values[name] = face.field(value)
    kind = error.params.get("kind")
    if isinstance(kind, str) and kind in KIND_WORDS:
        values["kind"] = translate(KIND_WORDS[kind], language)
    if isinstance(values.get("operation"), str):
        values["operation"] = face.operation(values["operation"], error.params)
    nested = error.params.get("why_code")
    if isinstance(nested, str) and nested in REASONS:  # an error inside this one (a row's)
        inner = _Inner(nested, dict(error.params.get("why_params") or {}))
        values["why"] = words(inner, language=language, face=face)
    try:
        return translate(template, language).format_map(values)
    except (ValueError, AttributeError, IndexError, KeyError):  # a broken translation
        return template.format_map(values)


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses."""
    import string

    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }
