"""Cloud accounts, workspaces and settlement batches: request and response models.

Also the domain's fixed vocabularies (sites, providers, settlement methods,
workspace states), which the CLI, the services and the docs share.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from guance_billing_cli.errors import BillingError
from guance_billing_cli.schemas import wire_rules as rules

PROVIDERS: tuple[str, ...] = ("aws", "aliyun", "huawei")
PROVIDER_NAMES: dict[str, str] = {
    "aws": "AWS",
    "aliyun": "Alibaba Cloud",
    "huawei": "Huawei Cloud",
}
SETTLEMENTS: tuple[str, ...] = ("billing_center", *PROVIDERS)
WORKSPACE_STATES: tuple[str, ...] = ("active", "countdown", "locked", "dissolved")
CLOUD_STATUSES: tuple[str, ...] = ("subscribed", "unsubscribed")
LOCK_COUNTDOWN_DAYS = 14
MAX_PAGE = 1_000_000  # rows of one list request
MAX_OFFSET = 1_000_000_000
INSTANCE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


class Site(BaseModel):
    code: str
    name: str
    cloud: str
    provider: str | None  # the settlement provider of the site's cloud; None: none supported


# DESIGN §2. `id1` runs on Tencent Cloud, which has no settlement integration:
# its workspaces settle through the billing center unless the account may settle
# arbitrarily.
SITES: dict[str, Site] = {
    s.code: s
    for s in (
        Site(code="cn1", name="Hangzhou", cloud="Alibaba Cloud", provider="aliyun"),
        Site(code="cn2", name="Ningxia", cloud="AWS China", provider="aws"),
        Site(code="cn4", name="Guangzhou", cloud="Huawei Cloud", provider="huawei"),
        Site(code="cn6", name="Hong Kong", cloud="Alibaba Cloud Intl", provider="aliyun"),
        Site(code="us1", name="Oregon", cloud="AWS", provider="aws"),
        Site(code="eu1", name="Frankfurt", cloud="AWS", provider="aws"),
        Site(code="ap1", name="Singapore", cloud="AWS", provider="aws"),
        Site(code="za1", name="South Africa", cloud="Huawei Cloud", provider="huawei"),
        Site(code="id1", name="Jakarta", cloud="Tencent Cloud", provider=None),
    )
}


# -- cloud accounts -------------------------------------------------------------
class CloudAccountCreate(rules.WireRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # the account id's form and the instance id depend on the provider
                {
                    "properties": {
                        "provider": {"const": "aws"},
                        "account_id": {"pattern": r"^[0-9]{12}$"},
                        "instance_id": {"type": "null"},
                    }
                },
                {
                    "properties": {
                        "provider": {"const": "aliyun"},
                        "account_id": {"pattern": r"^[0-9]{16}$"},
                        "instance_id": {"type": "string", "pattern": INSTANCE_ID},
                    },
                    "required": ["instance_id"],
                },
                {
                    "properties": {
                        "provider": {"const": "huawei"},
                        "account_id": {"pattern": r"^[0-9a-f]{32}$"},
                        "instance_id": {"type": "string", "pattern": INSTANCE_ID},
                    },
                    "required": ["instance_id"],
                },
            ]
        }
    )

    provider: str = rules.enum(PROVIDERS)
    account_id: str  # the provider's account id (AWS account, Alibaba UID, Huawei account ID)
    instance_id: str | None = None  # marketplace product instance (aliyun, huawei)


class CloudAccountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    provider: str
    account_id: str
    instance_id: str | None
    status: str
    billing_account_id: str
    workspaces: int = 0  # workspaces currently settling through it
    created_at: datetime
    unsubscribed_at: datetime | None = None


class CloudAccountAdded(CloudAccountPublic):
    """``cloud add``: a new cloud account, or an unsubscribed one of the same id re-subscribed."""

    resubscribed: bool = False
    unlocked: list[str] = []  # workspaces whose countdown or lock the re-subscription lifted


class AffectedWorkspace(BaseModel):
    workspace_id: str
    effect: Literal["fallback_billing_center", "countdown", "unlocked"]
    locks_at: datetime | None = None


class UnsubscribeResult(CloudAccountPublic):
    """The cloud account after (un/re)subscribing, and what happened to its workspaces."""

    changed: bool
    affected: list[AffectedWorkspace]
    notice_sent_to: str | None = None  # masked by the CLI for people


# -- workspaces -----------------------------------------------------------------
class WorkspaceCreate(rules.WireRequest):
    id: str = rules.pattern(rules.WORKSPACE_ID)
    name: str = rules.text(128)
    site: str = rules.enum(SITES)


class WorkspacePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    site: str
    account_id: str
    settlement: str
    cloud_account_id: str | None
    state: str
    settlement_changed_at: datetime | None
    countdown_started_at: datetime | None
    locks_at: datetime | None
    days_left: int | None = None  # whole days until locks_at (0 once locked); None: no countdown
    dissolved_at: datetime | None
    created_at: datetime


class WorkspaceFilter(rules.WireRequest):
    # "" means "no filter", as for a flag not given
    site: str | None = rules.enum([*SITES, ""], None)
    settlement: str | None = rules.enum([*SETTLEMENTS, ""], None)
    cloud_account: str | None = None
    state: str | None = rules.enum([*WORKSPACE_STATES, ""], None)
    limit: int | None = Field(default=None, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class UnlockRequest(rules.WireRequest):
    """The remedy that unlocks: rebind to a subscribed cloud account, or billing center."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # exactly one remedy
                {
                    "properties": {
                        "rebind": {"type": "string"},
                        "billing_center": {"const": False},
                    },
                    "required": ["rebind"],
                },
                {
                    "properties": {"rebind": {"type": "null"}, "billing_center": {"const": True}},
                    "required": ["billing_center"],
                },
            ]
        }
    )

    rebind: str | None = rules.pattern(r"^cld_[0-9a-f]{12}$", None)
    billing_center: rules.WireBool = False


class WorkspaceChange(BaseModel):
    """Result of a single-workspace change (move, unlock, dissolve)."""

    workspace: WorkspacePublic
    changed: bool


# -- batches --------------------------------------------------------------------
class BatchItem(rules.WireRequest):
    """One requested row: a workspace id, or the reason its input line was unusable."""

    workspace_id: str | None = None  # a malformed id is refused in its row's result
    # constraints before the validator, so the schema says minimum/maximum
    line: Annotated[int, Field(ge=1, le=10_000_000), rules.NOT_BOOL_OR_TEXT] | None = None
    error: str | None = None
    name: str | None = None  # `workspace add --from-file` rows
    site: str | None = None  # an unknown site is refused in the row's result


BatchResultKind = Literal["bound", "unbound", "added", "unchanged", "refused"]


class BatchRowResult(BaseModel):
    workspace_id: str | None
    result: BatchResultKind
    #: English words (the API's); ``reason_code`` and ``params`` let a face write its own
    reason: str | None = None
    reason_code: str | None = None
    params: dict[str, Any] | None = None
    from_: str | None = Field(default=None, alias="from", serialization_alias="from")
    to: str | None = None
    line: int | None = None

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class BatchResult(BaseModel):
    operation: Literal["bind", "unbind", "add"]
    cloud_account_id: str | None = None
    dry_run: bool = False
    results: list[BatchRowResult]
    summary: dict[str, int]

    @property
    def refused(self) -> int:
        return self.summary.get("refused", 0)


RowResult = dict[str, Any]


def why(reason: str | BillingError | None) -> dict[str, Any]:
    """A row's ``reason`` (English words), and for an error its ``reason_code`` and ``params``.

    A plain string is an input line the CLI could not read (already in words)."""
    if not isinstance(reason, BillingError):
        return {"reason": reason}
    params = dict(reason.params)
    if reason.field:
        params["field"] = reason.field
    if reason.next_step:
        params["next"] = reason.next_step
    return {"reason": reason.message, "reason_code": reason.reason, "params": params}


def row_result(
    *,
    workspace_id: str | None,
    result: str,
    reason: str | BillingError | None = None,
    from_: str | None = None,
    to: str | None = None,
    line: int | None = None,
) -> RowResult:
    """One row's result as a plain dict (a ``BatchRowResult`` once the batch is built).

    Batches make thousands of these; pydantic validates the whole list at once in
    ``batch_result``, much faster than a model per row.
    """
    return {
        "workspace_id": workspace_id,
        "result": result,
        **why(reason),
        "from": from_,
        "to": to,
        "line": line,
    }


def batch_result(
    operation: str,
    results: list[RowResult],
    kinds: tuple[str, ...],
    *,
    dry_run: bool,
    cloud_account_id: str | None = None,
) -> BatchResult:
    summary = dict.fromkeys(kinds, 0)
    for row in results:
        summary[row["result"]] = summary.get(row["result"], 0) + 1
    return BatchResult.model_validate(
        {
            "operation": operation,
            "cloud_account_id": cloud_account_id,
            "dry_run": dry_run,
            "results": results,
            "summary": summary,
        }
    )


def batch_items(rows: list[dict[str, Any]]) -> list[BatchItem]:
    """Validate a whole parsed batch file at once (pydantic-core, not a model per call)."""
    from pydantic import TypeAdapter

    return TypeAdapter(list[BatchItem]).validate_python(rows)


# -- lock-countdown reminders (issue 15) --------------------------------------------
REMINDER_STAGES: tuple[str, ...] = ("started", "3_days", "1_day")


class RemindRequest(rules.WireRequest):
    account: str | None = None  # only this billing account (default: every account; support)
    dry_run: rules.WireBool = False


class Reminder(BaseModel):
    workspace_id: str
    account_id: str
    stage: str  # started | 3_days | 1_day
    locks_at: datetime
    days_left: int
    sent_to: str  # the account's email (masked by the CLI for people)
    result: Literal["sent", "would_send"]


class RemindResult(BaseModel):
    dry_run: bool
    reminders: list[Reminder]
    already_sent: int  # workspaces in countdown whose due reminder went out before
    # another run (a server's timer, a cron job on another host) was sending at that
    # moment: this one sent nothing, and nothing is lost (each reminder goes out once)
    busy: bool = False
