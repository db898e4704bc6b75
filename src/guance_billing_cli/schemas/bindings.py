"""Bindings as code (issue 25): the desired state, a plan of it, and an apply's result.

The desired state says, per cloud account, which workspaces settle through it
(``exclusive``: and no other), and which workspaces settle through the billing
center. A plan compares it with the store row by row; each row records a
``fingerprint`` of the state it was planned against, so applying a saved plan can
refuse when anything it relied on changed since. No SQLAlchemy here: this module
is on the remote path.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from guance_billing_cli.schemas.wire_rules import WireBool, WireInt, WireRequest

PLAN_VERSION = 1
ACTIONS = ("bind", "move", "unbind", "unchanged", "refused")
PlanAction = Literal["bind", "move", "unbind", "unchanged", "refused"]
ID_LIST_LIMIT = 200_000


class DesiredCloud(WireRequest):
    """One ``[cloud.<id>]`` table: the workspaces that should settle through it."""

    model_config = ConfigDict(extra="forbid")
    #: as the desired-state file says them (``[cloud.ID]``, its ``workspaces``)
    refusal_fields: ClassVar[dict[str, str]] = {
        "cloud_account_id": "cloud.ID",
        "workspaces": "cloud.ID.workspaces",
    }

    cloud_account_id: str = Field(min_length=1, max_length=64)
    workspaces: list[str] = Field(default_factory=list, max_length=ID_LIST_LIMIT)
    exclusive: WireBool = False  # any other workspace bound to it is to be unbound


class DesiredState(WireRequest):
    """A whole desired-state file (``bindings plan FILE``), as the service reads it."""

    model_config = ConfigDict(extra="forbid")
    refusal_fields: ClassVar[dict[str, str]] = {
        "clouds": "cloud.*",
        "billing_center": "billing_center.workspaces",
    }

    clouds: list[DesiredCloud] = Field(default_factory=list, max_length=10_000)
    #: workspaces that should settle through the billing center; None: the file has no such table
    billing_center: list[str] | None = Field(default=None, max_length=ID_LIST_LIMIT)


class PlanRow(BaseModel):
    """One workspace of a plan: what would change, or why it cannot."""

    workspace_id: str
    action: PlanAction
    from_: str | None = Field(default=None, alias="from", serialization_alias="from")
    to: str | None = None
    #: ``listed`` (named in the file) or ``exclusive`` (bound to an exclusive cloud account
    #: but not listed under it)
    source: Literal["listed", "exclusive"] = "listed"
    #: English words (the API's); ``reason_code`` and ``params`` let a face write its own
    reason: str | None = None
    reason_code: str | None = None
    params: dict[str, Any] | None = None
    state: str | None = None  # active | countdown | locked | dissolved (None: not found)
    locks_at: str | None = None  # in a countdown: when the workspace locks
    fingerprint: str

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class BindingsPlanRequest(WireRequest):
    desired: DesiredState
    account: str | None = Field(default=None, max_length=320)


class BindingsPlan(BaseModel):
    """A plan; ``--out`` writes this document, ``apply --plan`` reads it back."""

    version: WireInt = PLAN_VERSION
    account: str | None = None
    planned_at: str
    desired: DesiredState
    rows: list[PlanRow]
    summary: dict[str, int]

    @property
    def changes(self) -> int:
        return sum(self.summary.get(k, 0) for k in ("bind", "move", "unbind"))

    @property
    def refused(self) -> int:
        return self.summary.get("refused", 0)


class PlannedRow(WireRequest):
    """What a saved plan expects of one row when it is applied."""

    workspace_id: str
    action: PlanAction
    to: str | None = None
    fingerprint: str


class BindingsApplyRequest(WireRequest):
    desired: DesiredState
    account: str | None = Field(default=None, max_length=320)
    #: the saved plan's rows: apply refuses (``plan_stale``) if any differs now; None: plan now
    expected: list[PlannedRow] | None = Field(default=None, max_length=ID_LIST_LIMIT)
    #: apply the other rows when some are refused (reported as ``skipped``)
    skip_refused: WireBool = False


class BindingsApplied(BaseModel):
    """The rows as applied: the same rows as the plan, ``refused`` ones skipped."""

    account: str | None = None
    applied_at: str
    rows: list[PlanRow]
    summary: dict[str, int]
    skipped: int = 0

    @property
    def changes(self) -> int:
        return sum(self.summary.get(k, 0) for k in ("bind", "move", "unbind"))
