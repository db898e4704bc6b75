"""`guance-billing store`: create, migrate, back up, restore and verify a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import render
from guance_billing_cli.cli.toolkit.options import JSON, takes
from guance_billing_cli.cli.toolkit.state import get_state, given
from guance_billing_cli.i18n import _

app = typer.Typer(
    no_args_is_help=True,
)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store URL or SQLite path "
        "(default: the global --store / GUANCE_BILLING_STORE / profile).",
        metavar="URL",
    ),
]
DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="Say what would be applied; change nothing.")
]


def store_url(ctx: typer.Context, store: str | None) -> str:
    from guance_billing_cli.config import normalize_store_url

    return normalize_store_url(store) if store else get_state(ctx).settings.store_url


def run_migrate(url: str, *, dry_run: bool, as_json: bool) -> None:
    """`store migrate` (and its alias `server migrate`)."""
    from guance_billing_cli.client import maintenance

    result = maintenance.migrate(url, dry_run=dry_run)
    if as_json:
        render.write_json(result)
        return
    if dry_run:
        if result["pending"]:
            render.info(
                _("{store} is at schema {value}; migrating would apply: {pending}").format(
                    store=result["store"],
                    value=result["from"] or "empty",
                    pending=", ".join(result["pending"]),
                )
            )
        else:
            render.info(
                _("{store} is up to date (schema {to}).").format(
                    store=result["store"], to=result["to"]
                )
            )
        return
    if result["changed"]:
        render.success(
            _("Migrated {store} from {value} to {to}.").format(
                store=result["store"], value=result["from"] or "empty", to=result["to"]
            )
        )
    else:
        render.info(
            _("{store} is up to date (schema {to}).").format(store=result["store"], to=result["to"])
        )


@app.command("migrate")
@takes(JSON)
def migrate(ctx: typer.Context, store: StoreOption = None, dry_run: DryRunFlag = False) -> None:
    """Apply pending schema migrations: the one way a PostgreSQL store changes schema.

    A SQLite store is first copied beside itself (billing.db.bak-REVISION). A store
    written by a newer guance-billing is refused (exit 10) and left untouched.
    Stop or drain servers of the previous release first (docs/upgrade.md).

    \b
    Example:
      guance-billing store migrate --store postgresql+psycopg://billing@db/billing --dry-run
    """
    run_migrate(store_url(ctx, store), dry_run=dry_run, as_json=given(ctx).json)


@app.command("init")
@takes(JSON)
def init(ctx: typer.Context, store: StoreOption = None) -> None:
    """Create the store at the current schema (a SQLite file, or the tables of an empty
    PostgreSQL database). A store that exists is migrated if behind, else left as is.

    \b
    Example:
      guance-billing store init --store ~/billing/billing.db
    """
    run_migrate(store_url(ctx, store), dry_run=False, as_json=given(ctx).json)


@app.command("backup")
@takes(JSON)
def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The new backup file.", metavar="FILE")],
    store: StoreOption = None,
) -> None:
    """Copy a SQLite store to FILE, consistent while others write (SQLite's backup API).

    For PostgreSQL use pg_dump (docs/upgrade.md).

    \b
    Example:
      guance-billing store backup ~/backups/billing-$(date +%F).db
    """
    from guance_billing_cli.client import maintenance

    result = maintenance.backup(store_url(ctx, store), file)
    if given(ctx).json:
        render.write_json(result)
        return
    render.success(
        _("Backed up {store} (schema {schema}) to {file}.").format(
            store=result["store"], schema=result["schema"] or "-", file=result["file"]
        )
    )


@app.command("restore")
@takes(JSON)
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file made by `store backup`.", metavar="FILE")],
    store: StoreOption = None,
) -> None:
    """Replace a SQLite store with FILE; the replaced store is kept beside it.

    FILE must pass SQLite's integrity check and carry a schema revision this
    guance-billing knows (exit 2 otherwise, nothing changed). Stop servers first.

    \b
    Example:
      guance-billing store restore ~/backups/billing-2026-12-06.db
    """
    from guance_billing_cli.client import maintenance

    result = maintenance.restore(store_url(ctx, store), file)
    if given(ctx).json:
        render.write_json(result)
        return
    render.success(
        _("Restored {store} from {file} (schema {schema}).").format(
            store=result["store"], file=result["file"], schema=result["schema"]
        )
    )
    if result["replaced_kept_at"]:
        render.info(
            _("The replaced store is kept at {path}.").format(path=result["replaced_kept_at"])
        )


@app.command("verify")
@takes(JSON)
def verify(ctx: typer.Context, store: StoreOption = None) -> None:
    """Check the store: integrity (SQLite), schema revision, audit chain.

    Exit 0 when all hold, 6 when the audit chain is broken, 10 when the store is
    damaged or not at the schema this guance-billing serves.

    \b
    Example:
      guance-billing store verify --store postgresql+psycopg://billing@db/billing --json
    """
    from guance_billing_cli.client import maintenance
    from guance_billing_cli.errors import RuleViolation, Unavailable

    state = get_state(ctx)
    url = store_url(ctx, store)
    report = maintenance.verify(url, settings=state.settings)
    if given(ctx).json:
        render.write_json(report)
    else:
        _render_report(report)
    maintenance.unavailable_if_not_ok(report)
    if report["schema_status"] in ("ahead", "pre_release"):
        raise maintenance.schema_refusal(report["schema"])
    if report["schema_status"] == "behind":
        raise Unavailable(
            "store_behind",
            store=report["store"],
            version=report["schema"] or "none",
            head=report["head"],
            next_step="migrate_store",
        )
    audit = report["audit"]
    if audit and not audit["ok"]:
        raise RuleViolation(
            "audit_chain_broken",
            problem=audit["problem"],
            first_bad_id=audit["first_bad_id"],
            checked=audit["checked"],
            checkpoint=None,
        )


def _render_report(report: dict[str, Any]) -> None:
    render.info(_("Store: {store}").format(store=report["store"]))
    render.info(_("Integrity: {value}").format(value=report["integrity"]))
    render.info(
        _("Schema: {schema} ({status}; this guance-billing serves {head})").format(
            schema=report["schema"] or "-", status=report["schema_status"], head=report["head"]
        )
    )
    audit = report["audit"]
    if audit is not None and audit["ok"]:
        render.info(
            _("Audit chain intact: {checked} events verified.").format(checked=audit["checked"])
        )
