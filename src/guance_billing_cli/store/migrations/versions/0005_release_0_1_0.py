"""The schema of the first release, 0.1.0: accounts and the audit trail, verification
codes and change requests, passwords, real-name authentication, invoices, cloud
accounts and workspaces, server API tokens and login codes.

One baseline for what were five development revisions (``0001``–``0004`` and the
first ``0005``), which no released store was ever at: a store of 0.1.0 is at ``0005``
and goes on from here. A store of a development build before 0.1.0 (``0001``–``0004``)
is refused (``store_predates_release``). ``tests/test_migrations.py`` holds this
revision to the schema the 0.1.0 release itself wrote (``tests/upgrade/``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.migrations.ddl import (
    account_id,
    index,
    refers,
    serial_id,
    stamps,
    string_id,
)
from guance_billing_cli.store.types import UTCDateTime

revision = "0005"
down_revision = None

#: every table, in the order they are created (dropped in reverse: foreign keys)
TABLES = (
    "accounts",
    "audit_events",
    "store_secrets",
    "change_requests",
    "password_attempts",
    "password_resets",
    "realname_submissions",
    "invoice_titles",
    "invoice_addresses",
    "invoice_requests",
    "cloud_accounts",
    "workspaces",
    "api_tokens",
    "login_failures",
    "login_codes",
)


def upgrade() -> None:
    op.create_table(
        "accounts",
        string_id(),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("company_name", sa.String(128), nullable=False),
        sa.Column("industry", sa.String(32), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("contact_name", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("realname_status", sa.String(16), nullable=False),
        sa.Column("arbitrary_settlement", sa.Boolean(), nullable=False),
        *stamps(),
    )
    index("accounts", "username", unique=True)
    index("accounts", "email", unique=True)
    index("accounts", "phone", unique=True)

    op.create_table(
        "audit_events",
        serial_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(32), nullable=True),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("ci_run", sa.String(128), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    index("audit_events", "at")
    index("audit_events", "action")
    index("audit_events", "account_id")

    store_secrets = op.create_table(
        "store_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    # The key for code hashes is born with the store (0007_i11 drops it again).
    op.bulk_insert(
        store_secrets,
        [
            {
                "name": "verification_hmac_key",
                "value": secrets.token_hex(32),
                "created_at": datetime.now(UTC),
            }
        ],
    )

    op.create_table(
        "change_requests",
        string_id(),
        account_id(),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("current_address", sa.String(254), nullable=False),
        sa.Column("new_address", sa.String(254), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_target", sa.String(8), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=True),
        *stamps(),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    index("change_requests", "account_id")
    index("change_requests", "state")

    op.create_table(
        "password_attempts",
        serial_id(),
        account_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    index("password_attempts", "account_id")

    op.create_table(
        "password_resets",
        string_id(),
        account_id(),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=True),
        *stamps(),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    index("password_resets", "account_id")

    op.create_table(
        "realname_submissions",
        string_id(),
        account_id(),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("tax_id", sa.String(18), nullable=True),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("license_name", sa.String(255), nullable=True),
        sa.Column("license_size", sa.Integer(), nullable=True),
        sa.Column("license_sha256", sa.String(64), nullable=True),
        sa.Column("license_path", sa.String(1024), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.UniqueConstraint("account_id", "revision"),
    )
    index("realname_submissions", "account_id")

    op.create_table(
        "invoice_titles",
        string_id(),
        account_id(),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("tax_id", sa.String(18), nullable=True),
        sa.Column("bank_name", sa.String(128), nullable=True),
        sa.Column("bank_account", sa.String(40), nullable=True),
        sa.Column("address", sa.String(256), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    index("invoice_titles", "account_id")

    op.create_table(
        "invoice_addresses",
        string_id(),
        account_id(),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    index("invoice_addresses", "account_id")

    op.create_table(
        "invoice_requests",
        string_id(),
        account_id(),
        refers("title_id", "invoice_titles"),
        refers("address_id", "invoice_addresses"),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    index("invoice_requests", "account_id")

    op.create_table(
        "cloud_accounts",
        string_id(),
        account_id(),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_account_id", sa.String(64), nullable=False),
        sa.Column("instance_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        *stamps(),
        sa.Column("unsubscribed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("provider", "provider_account_id", name="uq_cloud_accounts_provider"),
    )
    index("cloud_accounts", "account_id")

    op.create_table(
        "workspaces",
        string_id(64),
        account_id(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("site", sa.String(8), nullable=False),
        sa.Column("settlement", sa.String(16), nullable=False),
        refers("cloud_account_id", "cloud_accounts", nullable=True),
        sa.Column("settlement_changed_at", UTCDateTime(), nullable=True),
        sa.Column("countdown_started_at", UTCDateTime(), nullable=True),
        sa.Column("dissolved_at", UTCDateTime(), nullable=True),
        *stamps(),
    )
    # `workspace list` walks one account's workspaces in id order.
    index("workspaces", "account_id", "id")
    # `cloud unsubscribe` and `--cloud-account` find a cloud account's workspaces.
    index("workspaces", "cloud_account_id")

    op.create_table(
        "api_tokens",
        string_id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        account_id(nullable=True),
        sa.Column("scopes", sa.String(255), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    index("api_tokens", "token_hash", unique=True)
    index("api_tokens", "account_id")

    op.create_table(
        "login_failures",
        serial_id(),
        account_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    index("login_failures", "account_id")

    op.create_table(
        "login_codes",
        string_id(),
        account_id(),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    index("login_codes", "account_id")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
