"""Many writers at once: every answer must be explained by one serial order (issue 19).

Two real ``guance-billing server run`` processes on one PostgreSQL database (and,
separately, one server with two workers on one SQLite file). A dozen clients, released
together by a barrier, run a random mix of bind / unbind / unsubscribe / resubscribe on a
few workspaces and cloud accounts for a bounded time, while two more contest one new
email address round after round. Every request carries its own ``X-Request-Id``, so each
answer is matched with the audit events it wrote. The checker then replays the audit
trail in id order (the trail is the one serial order the store committed) and demands:

- per workspace, the successful results link owner to owner: each ``from`` is the
  previous ``to``, starting at ``billing_center``;
- no workspace moves away from a cloud account that is subscribed at that point;
- each answer agrees with its audit event (bound / unbound rows and their ``from`` are
  exactly the event's ``before``; refused and unchanged rows are in no event);
- an unsubscribe / resubscribe answers ``changed`` exactly when it wrote an event, and
  each event's ``before`` status is the status the previous event left;
- the final store equals the last success; no answer is a 5xx;
- a contested address has exactly one holder, and exactly one contestant won it.

``GUANCE_BILLING_CONCURRENCY_SECONDS`` sets how long the mix runs (default 8 s);
``GUANCE_BILLING_CONCURRENCY_REPORT`` names a file to append the figures to (JSON
lines); ``GUANCE_BILLING_CONCURRENCY_SEED`` changes the clients' random draws.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.mail import mail_code
from tests.support.servers import spawn_server, stop, wait_healthy
from tests.support.store import StoreDB

CLIENTS = 12
WORKSPACES = 6
CLOUDS = 3
SECONDS = float(os.environ.get("GUANCE_BILLING_CONCURRENCY_SECONDS", "8"))
# read at import: the suite's fixtures clear GUANCE_BILLING_* before each test
REPORT = os.environ.get("GUANCE_BILLING_CONCURRENCY_REPORT")
SEED = os.environ.get("GUANCE_BILLING_CONCURRENCY_SEED", "19")
CONTEST_ROUNDS = 3
POOL = [f"new-{i}" for i in range(8)]  # workspaces the clients race to add
KEY = "5" * 64  # one master key for every process of the test (a shared deployment's)

pytestmark = pytest.mark.slow


@dataclass
class Answer:
    """One request and what came back."""

    client: int
    op: str
    rid: str
    args: dict[str, Any]
    status: int = 0
    body: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Run:
    answers: list[Answer] = field(default_factory=list)
    contests: list[tuple[str, list[Answer]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env["GUANCE_BILLING_HOME"] = str(home)
    env["GUANCE_BILLING_SECRET_KEY"] = KEY
    return env


def _admin(home: Path, store: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", "--store", store, *args],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _start(home: Path, store: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    return spawn_server(
        "--store", store, "--workers", str(workers), "--no-access-log", env=_env(home)
    )


def _wait_ready(proc: subprocess.Popen[bytes], url: str) -> None:
    wait_healthy(proc, url, timeout=90)


class Api:
    """A thin HTTP client: every call sends its own request id and never raises."""

    def __init__(self, url: str, token: str, client: int, run: Run) -> None:
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        self.client = client
        self.run = run
        self.n = 0

    def call(self, op: str, method: str, path: str, body: Any = None, **args: Any) -> Answer:
        self.n += 1
        rid = f"c{self.client}-{self.n}-{op}"
        answer = Answer(self.client, op, rid, args)
        try:
            response = self.http.request(method, path, json=body, headers={"X-Request-Id": rid})
            answer.status = response.status_code
            answer.body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            answer.error = f"{type(exc).__name__}: {exc}"
        self.run.add(answer)
        return answer

    def must(self, op: str, method: str, path: str, body: Any = None) -> Any:
        answer = self.call(op, method, path, body)
        assert answer.ok, (answer.status, answer.body, answer.error)
        return answer.body


def _set_up(api: Api) -> tuple[list[str], list[str]]:
    people = [("acme", "ops@acme.com", "+8613800138000")] + [
        (f"contender{n}", f"contender{n}@example.com", f"+86138001381{n:02d}")
        for n in range(CONTEST_ROUNDS)
    ]
    for name, email, phone in people:
        api.must(
            "setup",
            "POST",
            "/v1/accounts",
            {"username": name, "company_name": name.title(), "email": email, "phone": phone},
        )
    workspaces = [f"ws-{i}" for i in range(WORKSPACES)]
    for ws in workspaces:
        api.must(
            "setup", "POST", "/v1/accounts/acme/workspaces", {"id": ws, "name": ws, "site": "us1"}
        )
    clouds = [
        api.must(
            "setup",
            "POST",
            "/v1/accounts/acme/cloud-accounts",
            {"provider": "aws", "account_id": f"12345678901{i}"},
        )["id"]
        for i in range(CLOUDS)
    ]
    api.run.answers.clear()
    return workspaces, clouds


def _mix(api: Api, rng: random.Random, workspaces: list[str], clouds: list[str]) -> None:
    roll = rng.random()
    picked = rng.sample(workspaces + POOL, rng.randint(1, 3))
    items = [{"workspace_id": ws, "line": n + 1} for n, ws in enumerate(picked)]
    cloud = rng.choice(clouds)
    if roll < 0.5:
        api.call("bind", "POST", f"/v1/cloud-accounts/{cloud}/bind", {"items": items}, cloud=cloud)
    elif roll < 0.55:
        api.call("unbind", "POST", "/v1/workspaces/unbind", {"items": items})
    elif roll < 0.6:
        ws = rng.choice(POOL)  # a new workspace: added once, whoever asks first
        body = {"id": ws, "name": ws, "site": "us1"}
        api.call("add", "POST", "/v1/accounts/acme/workspaces", body, ws=ws)
    elif roll < 0.8:
        api.call("unsubscribe", "POST", f"/v1/cloud-accounts/{cloud}/unsubscribe", {}, cloud=cloud)
    else:
        api.call("resubscribe", "POST", f"/v1/cloud-accounts/{cloud}/resubscribe", {}, cloud=cloud)


def _contest(apis: list[Api], home: Path, run: Run, stop_at: float) -> None:
    """Round after round, one account is one code away from a new email address when
    another account is created with that same address, at the same moment: exactly one
    of them may hold it. (A fresh contender each round: codes to one address are 60 s
    apart.)"""
    for n in range(CONTEST_ROUNDS):
        if time.monotonic() > stop_at:
            return
        new = f"contest-{n}@shared.example"
        account = f"contender{n}"
        req = apis[0].must("setup", "POST", f"/v1/accounts/{account}/changes", {"kind": "email"})
        path = f"/v1/changes/{req['request_id']}"
        code = mail_code(home, f"{account}@example.com")
        apis[0].must("setup", "POST", f"{path}/verify", {"data": {"code": code}, "kind": "email"})
        apis[0].must(
            "setup", "POST", f"{path}/new-address", {"data": {"new_address": new}, "kind": "email"}
        )
        code = mail_code(home, new)
        gate = threading.Barrier(2)
        finals: list[Answer] = []

        def last_step(
            code: str = code, path: str = path, gate: Any = gate, finals: Any = finals
        ) -> None:
            gate.wait(timeout=30)
            body = {"data": {"code": code}, "kind": "email"}
            finals.append(apis[0].call("email_change", "POST", f"{path}/verify", body))

        def rival(n: int = n, new: str = new, gate: Any = gate, finals: Any = finals) -> None:
            gate.wait(timeout=30)
            body = {"username": f"rival{n}", "company_name": "Rival", "email": new,
                    "phone": f"+86139001390{n:02d}"}  # fmt: skip
            finals.append(apis[1].call("account_create", "POST", "/v1/accounts", body))

        threads = [threading.Thread(target=last_step), threading.Thread(target=rival)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        run.contests.append((new, finals))


def _audit(db: StoreDB) -> list[dict[str, Any]]:
    rows = db.rows(
        "SELECT id, action, target, before, after, request_id FROM audit_events ORDER BY id"
    )

    def load(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    return [
        {"id": r[0], "action": r[1], "target": r[2], "before": load(r[3]) or {},
         "after": load(r[4]) or {}, "request_id": r[5]}
        for r in rows
    ]  # fmt: skip


def check(run: Run, db: StoreDB, workspaces: list[str], clouds: list[str]) -> list[str]:
    """Every anomaly: an answer or an event that no serial order explains."""
    anomalies: list[str] = []
    events = _audit(db)
    by_request: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_request.setdefault(event["request_id"] or "", []).append(event)
    for a in run.answers:
        if a.error is not None or a.status >= 500:
            anomalies.append(f"{a.rid}: {a.status} {a.error or a.body}")
    # 1. answers agree with their events
    for a in run.answers:
        mine = by_request.get(a.rid, [])
        if a.op in ("bind", "unbind") and a.ok:
            done = {r["workspace_id"]: r["from"] for r in a.body["results"]
                    if r["result"] in ("bound", "unbound")}  # fmt: skip
            written: dict[str, str] = {}
            for event in mine:
                written.update(event["before"].get("workspaces", {}))
            if done != written:
                anomalies.append(f"{a.rid}: answered {done}, audit before {written}")
        elif a.op in ("unsubscribe", "resubscribe") and a.ok:
            if a.body["changed"] != bool(mine):
                anomalies.append(f"{a.rid}: changed={a.body['changed']}, {len(mine)} event(s)")
        elif a.op in ("bind", "unbind", "unsubscribe", "resubscribe") and mine:
            anomalies.append(f"{a.rid}: refused ({a.status}) but wrote {len(mine)} event(s)")
    adds = [a for a in run.answers if a.op == "add"]
    added = Counter(a.args["ws"] for a in adds if a.ok and a.body["changed"])
    for a in adds:
        mine = by_request.get(a.rid, [])
        if (a.ok and a.body["changed"]) != bool(mine):
            anomalies.append(f"{a.rid}: add answered {a.status} with {len(mine)} event(s)")
        elif not a.ok and a.status != 409:
            anomalies.append(f"{a.rid}: add lost with {a.status} {a.body}")
    stored = set(db.column("SELECT id FROM workspaces"))
    for ws in POOL:
        if added[ws] > 1 or (added[ws] == 1) != (ws in stored):
            anomalies.append(f"{ws}: added {added[ws]} time(s), in the store: {ws in stored}")
    # 2. the audit trail, replayed in order, obeys the rules and links owner to owner
    state = dict.fromkeys(workspaces + [ws for ws in POOL if ws in stored], "billing_center")
    status = dict.fromkeys(clouds, "subscribed")
    for event in events:
        action, before = event["action"], event["before"]
        if action in ("cloud.bind", "cloud.unbind"):
            to = event["after"]["to"]
            for ws, came_from in before["workspaces"].items():
                if came_from != state.get(ws):
                    anomalies.append(
                        f"event {event['id']} ({event['request_id']}): {ws} from {came_from}, "
                        f"but the previous success left it at {state.get(ws)}"
                    )
                held = state.get(ws, "").partition(":")[2]
                if held and status.get(held) == "subscribed":
                    anomalies.append(
                        f"event {event['id']} ({event['request_id']}): {ws} moved away from "
                        f"{held} while it was subscribed"
                    )
                state[ws] = to
        elif action in ("cloud.unsubscribe", "cloud.resubscribe"):
            want = "subscribed" if action == "cloud.unsubscribe" else "unsubscribed"
            if status.get(event["target"]) != want or before.get("status") != want:
                anomalies.append(
                    f"event {event['id']} ({event['request_id']}): {action} of "
                    f"{event['target']} recorded before={before.get('status')}, "
                    f"the previous success left {status.get(event['target'])}"
                )
            status[event["target"]] = "unsubscribed" if want == "subscribed" else "subscribed"
    # 3. the final store is the last success
    for ws, settlement, cloud in db.rows(
        "SELECT id, settlement, cloud_account_id FROM workspaces ORDER BY id"
    ):
        now = settlement if cloud is None else f"{settlement}:{cloud}"
        if now != state[ws]:
            anomalies.append(f"{ws} is {now} in the store; the last success left {state[ws]}")
    for cloud, now in db.rows("SELECT id, status FROM cloud_accounts"):
        if now != status[cloud]:
            anomalies.append(f"{cloud} is {now}; the last success left {status[cloud]}")
    # 4. a contested address has one holder, won by exactly one contestant
    for address, finals in run.contests:
        holders = db.scalar("SELECT count(*) FROM accounts WHERE email = :e", e=address)
        won = [a for a in finals if a.ok]
        if holders != 1 or len(won) != 1:
            anomalies.append(f"{address}: {holders} holder(s), {len(won)} winner(s)")
        for a in finals:
            if not a.ok and a.status != 409:
                anomalies.append(f"{a.rid}: lost the contest with {a.status} {a.body}")
    return anomalies


def race(urls: list[str], token: str, home: Path, db: StoreDB) -> tuple[Run, list[str]]:
    run = Run()
    setup = Api(urls[0], token, 99, run)
    workspaces, clouds = _set_up(setup)
    stop_at = [0.0]
    # every mixer and the contest pass together; the clock starts as they do
    start = threading.Barrier(
        CLIENTS + 1, action=lambda: stop_at.__setitem__(0, time.monotonic() + SECONDS)
    )

    def client(n: int) -> None:
        api = Api(urls[n % len(urls)], token, n, run)
        rng = random.Random(f"{SEED}-{n}")
        start.wait(timeout=60)
        while time.monotonic() < stop_at[0]:
            _mix(api, rng, workspaces, clouds)

    def contest() -> None:
        apis = [Api(url, token, 50 + i, run) for i, url in enumerate(urls * 2)][:2]
        start.wait(timeout=60)
        _contest(apis, home, run, stop_at[0])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=contest))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=SECONDS + 180)
    anomalies = check(run, db, workspaces, clouds)
    return run, anomalies


def report(name: str, run: Run, anomalies: list[str]) -> None:
    ops = Counter(a.op for a in run.answers)
    results = Counter(
        r["result"] for a in run.answers if a.op in ("bind", "unbind") and a.ok
        for r in a.body["results"]
    )  # fmt: skip
    statuses = Counter(a.status for a in run.answers)
    figures = {
        "setup": name,
        "operations": dict(ops),
        "row_results": dict(results),
        "statuses": {str(k): v for k, v in statuses.items()},
        "contests": len(run.contests),
        "anomalies": len(anomalies),
        "first_anomalies": anomalies[:20],
    }
    print(json.dumps(figures, indent=1))
    if REPORT:
        with open(REPORT, "a") as fh:
            fh.write(json.dumps(figures) + "\n")


def _token(home: Path, store: str) -> str:
    made = _admin(home, store, "server", "token", "create", "--name", "race", "--role", "support",
                  "--json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    return str(json.loads(made.stdout)["token"])


def _serve(tmp_path: Path, store: str, servers: int, workers: int) -> None:
    home = tmp_path / "server-home"
    migrated = _admin(home, store, "server", "migrate", "--store", store)
    assert migrated.returncode == 0, migrated.stderr
    token = _token(home, store)
    procs = [_start(home, store, workers) for _ in range(servers)]
    try:
        for proc, url in procs:
            _wait_ready(proc, url)
        run, anomalies = race([url for _, url in procs], token, home, StoreDB(store))
    finally:
        for proc, _ in procs:
            stop(proc)  # type: ignore[arg-type]
    report(f"{servers} server(s) x {workers} worker(s) on {store.split(':')[0]}", run, anomalies)
    assert sum(a.op in ("bind", "unbind") for a in run.answers) > 20, "the mix hardly ran"
    assert anomalies == [], "\n".join(anomalies[:30])
    verify = _admin(home, store, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_two_servers_on_one_postgresql_answer_in_one_serial_order(
    tmp_path: Path, pg_store: str
) -> None:
    _serve(tmp_path, pg_store, servers=2, workers=1)


def test_one_server_with_two_workers_on_sqlite_answers_in_one_serial_order(
    tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'server-home' / 'billing.db'}"
    _serve(tmp_path, store, servers=1, workers=2)
