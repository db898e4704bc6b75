"""Alembic environment: runs on the connection ``store.engine.upgrade`` hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from guance_billing_cli.store.models import load_all

load_all()
target_metadata = SQLModel.metadata
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from guance_billing_cli.store.engine import create_store_engine

        engine = create_store_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
