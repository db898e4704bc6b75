"""`guance-billing keys`: the store's secret key (issue 19)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from guance_billing_cli.cli.toolkit import render
from guance_billing_cli.cli.toolkit.options import JSON, takes
from guance_billing_cli.cli.toolkit.state import get_state, given
from guance_billing_cli.errors import InvalidInput
from guance_billing_cli.i18n import _, ngettext

app = typer.Typer(no_args_is_help=True)


@app.callback()
def keys_group() -> None:
    """The store's secret key: rotate it."""


@app.command("rotate")
@takes(JSON)
def rotate(
    ctx: typer.Context,
    new_key_file: Annotated[
        Path,
        typer.Option(
            "--new-key-file",
            metavar="PATH",
            help="File with the new key (64 hex characters, mode 0600).",
        ),
    ],
    generate: Annotated[
        bool,
        typer.Option(
            "--generate", help="Make --new-key-file first, with a fresh key (it must not exist)."
        ),
    ] = False,
    store: Annotated[
        str | None, typer.Option("--store", help="Store URL (default: the configured one).")
    ] = None,
) -> None:
    """Move the store to a new secret key without breaking the audit chain.

    Run it on one host, with the store's current key configured. The chain is
    verified, open one-time codes are voided (their holders ask for new ones), a
    `keys.rotate` event is linked under the old key, and the old chain keys are
    sealed under the new one, so that the whole trail still verifies with the new
    key alone. From then on a process with the old key refuses to write (exit 10):
    put the new key on every host and restart them (docs/server.md, Several servers).

    \b
    Example:
      guance-billing keys rotate --new-key-file /etc/guance-billing/secret.key.new --generate
    """
    from guance_billing_cli.client import maintenance
    from guance_billing_cli.config import normalize_store_url
    from guance_billing_cli.keys import derive as keys

    state = get_state(ctx)
    if state.settings.server_url and not store:
        raise InvalidInput("keys_rotate_local", field="store")
    url = normalize_store_url(store) if store else state.settings.store_url
    made = generate
    if generate:
        try:
            keys.write_key_file(new_key_file)
        except OSError as exc:
            raise InvalidInput(
                "not_writable", field="new_key_file", path=str(new_key_file)
            ) from exc
    try:
        new_master = keys._read_file(new_key_file)
    except keys.BadSecretKey as exc:
        raise keys.unavailable(exc) from None
    done = maintenance.rotate_key(url, settings=state.settings, new_master=new_master)
    if given(ctx).json:
        render.write_json(
            {
                "old_fingerprint": done.old_fingerprint,
                "new_fingerprint": done.new_fingerprint,
                "event_id": done.event_id,
                "codes_voided": done.codes_voided,
                "new_key_file": str(new_key_file),
                "new_key_file_created": made,
            }
        )
        return
    render.success(
        _("Store moved from key {old} to key {new} (audit event {event}).").format(
            old=done.old_fingerprint, new=done.new_fingerprint, event=done.event_id
        )
    )
    render.info(
        ngettext(
            "{count} open one-time code voided: whoever was waiting for it asks again.",
            "{count} open one-time codes voided: whoever was waiting for one asks again.",
            done.codes_voided,
        ).format(count=done.codes_voided)
    )
    render.info(
        _(
            "Now configure the new key ({path}) on every host and restart them; until then "
            "a process with the old key refuses to write."
        ).format(path=new_key_file)
    )
