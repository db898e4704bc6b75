"""`server run --remind-every MINUTES`: lock-countdown reminders on a timer.

A daemon thread of the serving process runs ``workspace remind`` against the
store shortly after start and then every interval, as a support actor. The reminders
are idempotent (``services/reminders.py``), so a cron job or a second server on
the same store sends nothing twice. A failed run is logged on stderr and tried
again at the next tick.
"""

from __future__ import annotations

import sys
import threading


def run_once(store_url: str) -> int:
    """One reminder run; the number of reminders sent."""
    from guance_billing_cli.client.connect import store_client
    from guance_billing_cli.config import resolve_settings
    from guance_billing_cli.schemas.settlement import RemindRequest
    from guance_billing_cli.services.context import Actor

    client = store_client(
        store_url,
        settings=resolve_settings(store=store_url),
        actor=Actor(name="server:reminders", role="support"),
        migrate=False,  # migrating is `server run`'s (or `server migrate`'s) decision
    )
    try:
        return len(client.remind_workspaces(RemindRequest()).reminders)
    finally:
        client.close()


def start(store_url: str, *, every_minutes: float, first_after: float = 5.0) -> threading.Event:
    """Start the timer thread (first run after ``first_after`` seconds, once the server
    has opened and migrated the store); set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        stop.wait(first_after)
        while not stop.is_set():
            try:
                sent = run_once(store_url)
                _count_run(ok=True)
                if sent:
                    sys.stderr.write(f"reminders: sent {sent} lock-countdown reminder(s)\n")
            except Exception as exc:  # the timer must outlive a failed run; next tick retries
                _count_run(ok=False)
                sys.stderr.write(f"reminders: run failed ({type(exc).__name__}: {exc})\n")
            stop.wait(every_minutes * 60)

    threading.Thread(target=loop, name="guance-billing-reminders", daemon=True).start()
    return stop


def _count_run(*, ok: bool) -> None:
    """``guance_billing_reminder_runs_total`` on ``/metrics`` (issue 21)."""
    try:
        from guance_billing_cli.server import metrics
    except ImportError:  # prometheus-client is in the server extra
        return
    metrics.reminder_run(ok)
