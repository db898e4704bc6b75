"""Invoice requests keep the title and address they were made with (issue 23).

A request used to read its title's and address's current values, so updating a
title rewrote every past request made on it. Each request now carries a copy of
both as they were; existing requests (pending and cancelled) get the values
their title and address hold at upgrade time, the best record there is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_i23"
down_revision = "0009_i14"

#: snapshot column -> (source table, source column)
TITLE_COLUMNS = {
    "title_type": ("type", 32),
    "title_text": ("title", 128),
    "title_tax_id": ("tax_id", 18),
    "title_bank_name": ("bank_name", 128),
    "title_bank_account": ("bank_account", 40),
    "title_address": ("address", 256),
    "title_phone": ("phone", 32),
}
ADDRESS_COLUMNS = {
    "mail_recipient": ("recipient", 64),
    "mail_phone": ("phone", 20),
    "mail_email": ("email", 254),
    "mail_address": ("address", 256),
}


def upgrade() -> None:
    with op.batch_alter_table("invoice_requests") as batch:
        for name, (_source, length) in {**TITLE_COLUMNS, **ADDRESS_COLUMNS}.items():
            batch.add_column(sa.Column(name, sa.String(length), nullable=True))
    # correlated subqueries: the same statement on SQLite and PostgreSQL
    title_sets = ", ".join(
        f"{name} = (SELECT t.{source} FROM invoice_titles t WHERE t.id = invoice_requests.title_id)"
        for name, (source, _length) in TITLE_COLUMNS.items()
    )
    address_sets = ", ".join(
        f"{name} = (SELECT a.{source} FROM invoice_addresses a"
        f" WHERE a.id = invoice_requests.address_id)"
        for name, (source, _length) in ADDRESS_COLUMNS.items()
    )
    op.execute(f"UPDATE invoice_requests SET {title_sets}, {address_sets}")


def downgrade() -> None:
    with op.batch_alter_table("invoice_requests") as batch:
        for name in reversed([*TITLE_COLUMNS, *ADDRESS_COLUMNS]):
            batch.drop_column(name)
