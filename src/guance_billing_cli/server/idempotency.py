"""``Idempotency-Key`` on creates and batch writes: a retry gets the first answer.

The operations that honour it are those declared ``idempotent`` (``api/<noun>.py``).
The first request with a key claims it (a row in ``idempotency_keys``, inserted
before the operation runs, so two servers racing on one key cannot both run it);
when the operation succeeds the row keeps its status, JSON body and ``Location``.
Then, for 24 hours, the same caller with the same key:

- and the same operation and arguments: the stored answer again (header
  ``Idempotent-Replayed: true``), nothing runs;
- and other arguments or another operation: 409 ``idempotency_key_reused``;
- while the first request still runs: 409 ``idempotency_key_in_flight``.

A request that fails (4xx/5xx) releases its key: nothing changed, a retry runs
again. Keys belong to the caller (role, account and token), so two callers never
see each other's answers. The rows live in the store, so every server process
behind a load balancer sees the same keys.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi.responses import JSONResponse, Response

from guance_billing_cli.client import wire
from guance_billing_cli.errors import Conflict, InvalidInput, Unavailable
from guance_billing_cli.services import clock

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from guance_billing_cli.client.operations import Operation
    from guance_billing_cli.server.write_queue import WriteQueue
    from guance_billing_cli.services.context import Actor

HEADER = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
TTL = timedelta(hours=24)
#: a claim whose request never answered (the process died) is void after this
ABANDONED = timedelta(minutes=10)
MAX_KEY = 255
KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces


def principal(actor: Actor) -> str:
    return f"{actor.role}:{actor.account_id or '-'}:{actor.token_id or '-'}"[:200]


def fingerprint(op: Operation, kwargs: dict[str, Any]) -> str:
    """The operation and its arguments as the server read them (JSON spacing and key
    order do not matter)."""
    text = json.dumps({"op": op.name, "args": wire.dump(kwargs)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotencyStore:
    def __init__(self, engine: Engine, write_queue: WriteQueue | None) -> None:
        from guance_billing_cli.store.models.idempotency import IdempotencyKey

        self.engine = engine
        self.write_queue = write_queue
        self.table = IdempotencyKey.__table__  # type: ignore[attr-defined]

    def run(
        self,
        actor: Actor,
        op: Operation,
        key: str,
        kwargs: dict[str, Any],
        answer: Callable[[], Response],
    ) -> Response:
        if not KEY_RE.fullmatch(key):
            raise InvalidInput("idempotency_key_invalid", limit=MAX_KEY)
        who = principal(actor)
        stored = self._claim(who, key, op.name, fingerprint(op, kwargs))
        if stored is not None:
            return stored
        try:
            response = answer()
        except BaseException:
            self._release(who, key)
            raise
        if 200 <= response.status_code < 300 and isinstance(response, JSONResponse):
            self._keep(who, key, response)
        else:
            self._release(who, key)
        return response

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        from sqlalchemy.exc import OperationalError

        from guance_billing_cli.store import engine as store_engine

        queue = self.write_queue.turn() if self.write_queue is not None else nullcontext()
        try:
            with queue, self.engine.execution_options(**store_engine.WRITE).begin() as conn:
                yield conn
        except OperationalError as exc:
            why = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
            raise Unavailable(
                "store_unavailable", store=store_engine.redact_url(str(self.engine.url)), why=why
            ) from None

    def _claim(self, who: str, key: str, operation: str, fp: str) -> Response | None:
        from sqlalchemy import delete, insert, select
        from sqlalchemy.exc import IntegrityError

        t = self.table
        now = clock.now()
        mine = (t.c.principal == who) & (t.c.key == key)
        try:
            with self._write() as conn:
                conn.execute(delete(t).where(t.c.created_at < now - TTL))
                row = conn.execute(select(t).where(mine)).one_or_none()
                if row is not None and row.status is None and row.created_at < now - ABANDONED:
                    conn.execute(delete(t).where(mine))
                    row = None
                if row is None:
                    conn.execute(
                        insert(t).values(
                            principal=who,
                            key=key,
                            operation=operation,
                            fingerprint=fp,
                            created_at=now,
                        )
                    )
                    return None
        except IntegrityError:  # another request claimed it a moment ago
            raise Conflict("idempotency_key_in_flight", key=key) from None
        if row.operation != operation or row.fingerprint != fp:
            raise Conflict("idempotency_key_reused", key=key)
        if row.status is None:
            raise Conflict("idempotency_key_in_flight", key=key)
        headers = {REPLAYED: "true"}
        if row.location:
            headers["Location"] = row.location
        return Response(
            content=row.body or "",
            status_code=row.status,
            headers=headers,
            media_type="application/json",
        )

    def _keep(self, who: str, key: str, response: JSONResponse) -> None:
        from sqlalchemy import update

        t = self.table
        with self._write() as conn:
            conn.execute(
                update(t)
                .where((t.c.principal == who) & (t.c.key == key))
                .values(
                    status=response.status_code,
                    body=bytes(response.body).decode("utf-8"),
                    location=response.headers.get("location"),
                )
            )

    def _release(self, who: str, key: str) -> None:
        from sqlalchemy import delete

        t = self.table
        with self._write() as conn:
            conn.execute(delete(t).where((t.c.principal == who) & (t.c.key == key)))
