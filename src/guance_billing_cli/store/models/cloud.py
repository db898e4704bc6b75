"""Cloud accounts and workspaces (the settlement side, issue 5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class CloudAccount(SQLModel, table=True):
    __tablename__ = "cloud_accounts"
    __table_args__ = (
        UniqueConstraint("provider", "provider_account_id", name="uq_cloud_accounts_provider"),
    )

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    provider: str = Field(max_length=16)
    provider_account_id: str = Field(max_length=64)
    instance_id: str | None = Field(default=None, max_length=128)
    status: str = Field(default="subscribed", max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Workspace(SQLModel, table=True):
    __tablename__ = "workspaces"
    __table_args__ = (
        # `workspace list` pages one account's workspaces in id order; filters narrow it.
        Index("ix_workspaces_account_id_id", "account_id", "id"),
        Index("ix_workspaces_cloud_account_id", "cloud_account_id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    account_id: str = Field(foreign_key="accounts.id", max_length=32)
    name: str = Field(max_length=128)
    site: str = Field(max_length=8)
    settlement: str = Field(default="billing_center", max_length=16)
    cloud_account_id: str | None = Field(
        default=None, foreign_key="cloud_accounts.id", max_length=32
    )
    settlement_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    countdown_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dissolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WorkspaceReminder(SQLModel, table=True):
    """One lock-countdown reminder sent (issue 15): once per workspace, countdown and stage."""

    __tablename__ = "workspace_reminders"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "countdown_started_at", "stage", name="uq_workspace_reminders_once"
        ),
    )

    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspaces.id", max_length=64)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    countdown_started_at: datetime = Field(sa_type=UTCDateTime)
    stage: str = Field(max_length=16)  # started | 3_days | 1_day
    sent_to: str = Field(max_length=254)
    sent_at: datetime = Field(sa_type=UTCDateTime)
