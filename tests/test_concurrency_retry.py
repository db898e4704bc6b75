"""A write that loses a race (deadlock, serialization failure) is run again by the
server, a bounded number of times, then answered 503 — never 500 (issue 19)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from guance_billing_cli.errors import Unavailable
from guance_billing_cli.server.app import _retrying
from guance_billing_cli.store import engine as store_engine


class Racer:
    """Loses the race ``losses`` times, then writes."""

    def __init__(self, losses: int) -> None:
        self.losses, self.calls = losses, 0

    def bind(self, **_kwargs: object) -> str:
        self.calls += 1
        if self.calls <= self.losses:
            raise Unavailable("store_contention", store="postgresql://db/billing")
        return "bound"


def test_a_lost_race_runs_again() -> None:
    racer = Racer(losses=store_engine.WRITE_ATTEMPTS - 1)
    assert _retrying(racer, "bind", {}) == "bound"  # type: ignore[arg-type]
    assert racer.calls == store_engine.WRITE_ATTEMPTS


def test_a_race_lost_every_time_is_a_503_naming_the_store() -> None:
    racer = Racer(losses=100)
    with pytest.raises(Unavailable) as raised:
        _retrying(racer, "bind", {})  # type: ignore[arg-type]
    assert racer.calls == store_engine.WRITE_ATTEMPTS  # bounded
    assert raised.value.reason == "store_contention"
    assert raised.value.exit_code == 10 and raised.value.http_status == 503
    assert "nothing was changed, try again" in raised.value.message


def test_other_unavailability_is_not_retried() -> None:
    class Down:
        calls = 0

        def bind(self) -> None:
            self.calls += 1
            raise Unavailable("store_unavailable", store="x", why="connection refused")

    down = Down()
    with pytest.raises(Unavailable):
        _retrying(down, "bind", {})  # type: ignore[arg-type]
    assert down.calls == 1


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (psycopg.errors.DeadlockDetected, True),
        (psycopg.errors.SerializationFailure, True),
        (psycopg.errors.LockNotAvailable, True),
        (psycopg.errors.UniqueViolation, False),
        (psycopg.errors.UndefinedTable, False),
    ],
)
def test_which_database_errors_are_a_lost_race(error: type[Exception], retry: bool) -> None:
    wrapped = OperationalError("UPDATE workspaces ...", {}, error("boom"))
    assert store_engine.is_contention(wrapped) is retry
