"""What a service call gets: a session in a transaction, the clock, the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from guance_billing_cli.services import clock

if TYPE_CHECKING:
    from sqlmodel import Session


@dataclass(frozen=True)
class Actor:
    """Who acts. ``support`` reaches any account; ``owner`` only ``account_id``.

    ``scopes`` empty means unrestricted; otherwise the operations allowed
    (e.g. ``{"bindings"}`` for a CI token).
    """

    name: str
    role: str = "support"
    account_id: str | None = None
    scopes: frozenset[str] = frozenset()
    token_id: str | None = None  # the server token this actor authenticated with


@dataclass
class ServiceContext:
    session: Session
    actor: Actor
    settings: Any = None  # config.Settings of the local side, for delivery set-up
    request_id: str | None = None
    #: who is calling, for the per-client throttle: the peer address on the server
    client: str = "local"

    def now(self) -> datetime:
        return clock.now()
