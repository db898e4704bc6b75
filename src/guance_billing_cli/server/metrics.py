"""``/metrics``: the server in the Prometheus text format (``prometheus-client``).

Counted in the process, per request (``observe``, called by the gate for every
request): requests by method, route *template* and status, their latency, and
throttle refusals (429). Read from the store at each scrape (``StoreCollector``),
so they agree across workers and restarts: audit events written, the age of the
newest signed audit checkpoint, lock-countdown reminders sent. Reminder runs of
the timer are counted where the timer runs (``reminder_run``).

With ``--workers N`` each worker counts its own requests; set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory before starting the server and
``/metrics`` adds up every worker (prometheus-client's multiprocess mode).
Labels never carry a path a client sent, an address or an id: route templates
only, so no personal data and a bounded number of series.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

disable_created_metrics()  # no ``*_created`` series: a restart shows in the counters anyway

REQUESTS = Counter(
    "guance_billing_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "guance_billing_http_request_duration_seconds",
    "Time from a request's arrival to its answer, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
THROTTLED = Counter(
    "guance_billing_throttle_refusals",
    "Requests refused by a throttle or rate limit (HTTP 429), by route template.",
    ["route"],
)
REMINDER_RUNS = Counter(
    "guance_billing_reminder_runs",
    "Runs of the lock-countdown reminder timer, by outcome (ok, failed).",
    ["outcome"],
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
    if status == 429:
        THROTTLED.labels(route).inc()


def reminder_run(ok: bool) -> None:
    REMINDER_RUNS.labels("ok" if ok else "failed").inc()


class StoreCollector(Collector):
    """Figures the store holds, read at scrape time (one short read transaction)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Any]:
        from sqlalchemy import text

        up = GaugeMetricFamily(
            "guance_billing_store_up", "1 when the store answered this scrape, else 0."
        )
        try:
            with self.engine.connect() as conn:
                events = conn.execute(text("SELECT count(*) FROM audit_events")).scalar() or 0
                newest = conn.execute(
                    text("SELECT max(created_at) FROM audit_checkpoints")
                ).scalar()
                reminders = conn.execute(text("SELECT count(*) FROM workspace_reminders")).scalar()
        except Exception:  # a scrape reports the store down, it does not fail
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        audit = CounterMetricFamily(
            "guance_billing_audit_events", "Audit events written to the store (all processes)."
        )
        audit.add_metric([], float(events))
        yield audit
        sent = CounterMetricFamily(
            "guance_billing_reminders_sent", "Lock-countdown reminders sent (all processes)."
        )
        sent.add_metric([], float(reminders or 0))
        yield sent
        age = GaugeMetricFamily(
            "guance_billing_audit_checkpoint_age_seconds",
            "Seconds since the newest signed audit checkpoint (absent: none yet).",
        )
        if newest is not None:
            age.add_metric([], max(0.0, time.time() - _epoch(newest)))
        yield age


def _epoch(value: Any) -> float:
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def exposition(engine: Engine) -> tuple[bytes, str]:
    """The text to answer ``GET /metrics`` with, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in (REQUESTS, LATENCY, THROTTLED, REMINDER_RUNS):
            registry.register(collector)
    registry.register(StoreCollector(engine))
    return generate_latest(registry), CONTENT_TYPE_LATEST
