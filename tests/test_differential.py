"""Differential test: random sequences of operations run through ``LocalClient`` on
SQLite and ``HttpClient`` on the real FastAPI app over PostgreSQL, side by side; after
every step both must give the same result or the same error (code, exit code, field,
message). Ids are random on each side, so results are compared with every id replaced
by the order in which that side first showed it (``acc#1``, ``cld#2``, ...).

Without GUANCE_BILLING_TEST_PG_URL the server runs over a second SQLite file (still
local against remote); .ci/run always has PostgreSQL. Examples per run:
GUANCE_BILLING_DIFF_EXAMPLES (default 30), steps per example 30.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from guance_billing_cli.errors import BillingError
from tests.support.clock import Clock
from tests.support.pg import PG_URL, pg_admin, pg_new_database, pg_url
from tests.support.remote import SyncASGITransport, bootstrap_token

pytestmark = pytest.mark.slow  # the slow tier: a hypothesis campaign

EXAMPLES = int(os.environ.get("GUANCE_BILLING_DIFF_EXAMPLES", "30"))
# CI replays the same examples every run (read at import: the tests' env drops CI).
DERANDOMIZE = bool(os.environ.get("CI"))
ID_RE = re.compile(r"\b(acc|cld|ttl|adr|inv|rn|chg|tok|pwr|lgn)_[0-9a-f]{12}\b")

USERNAMES = ["acme", "globex", "initech"]
EMAILS = ["ops@acme.com", "billing@globex.com", "a@initech.io", "not-an-email"]
PHONES = ["+8613800138000", "+8613900139000", "+8613700137000", "12345"]
SITES = ["cn1", "cn2", "cn4", "us1", "za1", "id1", "zz9"]
WS_IDS = ["w1", "w2", "w3", "w4", "bad id!", "x" * 70]
# Bodies never carry a NUL: over HTTP the server refuses a body with a NUL whole
# (exit 2, "text must not contain NUL") where LocalClient checks the field (a refused
# batch row, exit 9; or exit 2 with the field's own message). The CLI's batch-file
# reader refuses such a line itself, so no command reaches the difference.
BATCH_IDS = WS_IDS
# KNOWN DIVERGENCE (issue 10 report): a malformed workspace or cloud id in a URL path
# (and, since the gate of issue 12, an account ref with an encoded "/")
# is refused by the server's path patterns (422, exit 2, pydantic's message) where the
# local store answers "not found" (exit 3). Until one rule serves both, lookups use
# well-formed ids (a NUL still gives exit 2 on both sides) and batches keep the rest.
PATH_WS_IDS = ["w1", "w2", "w3", "w4", "w\x00x"]
TAX_IDS = ["91110000600037341L", "91330106MA27XK2C16", "91110000600037341X", "123"]
AMOUNTS = ["100", "0.01", "1234.5", "1e3", "1_000", "\u0661\u0660", "0", "-5", "1.001", "abc"]
CLOUDS = [
    ("aws", "123456789012", None),
    ("aws", "210987654321", None),
    ("aliyun", "1234567890123456", "i-aliyun-1"),
    ("huawei", "0123456789abcdef0123456789abcdef", "i-hw-1"),
    ("aws", "12345", None),
    ("aliyun", "1234567890123456", None),
    ("gcp", "x", None),
]
JUNK_REFS = ["nosuch", "acc_000000000000", " ", "ws?x=1", "%2e%2e"]  # "a/b": see KNOWN DIVERGENCE


@dataclass(frozen=True)
class Pair:
    """One object, known by its id on each side."""

    local: str
    remote: str

    def on(self, side: str) -> str:
        return self.local if side == "local" else self.remote


Ref = Pair | str


def on(ref: Ref | None, side: str) -> Any:
    return ref.on(side) if isinstance(ref, Pair) else ref


class Canon:
    """Replaces a side's ids by the order it first showed them."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _name(self, match: re.Match[str]) -> str:
        value = match.group(0)
        if value not in self.names:
            self.names[value] = f"{match.group(1)}#{len(self.names) + 1}"
        return self.names[value]

    def __call__(self, data: Any) -> Any:
        if isinstance(data, str):
            return ID_RE.sub(self._name, data)
        if isinstance(data, dict):
            return {k: self(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self(v) for v in data]
        return data


def plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def outcome(fn: Callable[[], Any]) -> tuple[Any, Any]:
    """("ok", data) or ("error", (code, exit code, field, message)); data raw for ids."""
    try:
        return "ok", plain(fn())
    except BillingError as error:
        return "error", (error.code, int(error.exit_code), error.field, error.message)


class Divergence(AssertionError):
    pass


class LocalVsRemote(RuleBasedStateMachine):
    """Built per example by ``test_local_and_remote_agree`` (see ``make_machine``)."""

    store_factory: Callable[[], tuple[Any, Any, Callable[[], None]]]
    clock: Clock

    accounts = Bundle("accounts")
    clouds = Bundle("clouds")
    titles = Bundle("titles")
    addresses = Bundle("addresses")

    def __init__(self) -> None:
        super().__init__()
        self.local, self.remote, self._close = type(self).store_factory()
        self.canon = {"local": Canon(), "remote": Canon()}
        self.steps: list[str] = []

    def teardown(self) -> None:
        self._close()

    # -- the comparison -------------------------------------------------------------
    def both(self, label: str, call: Callable[[Any, str], Any]) -> tuple[Any, Any]:
        """Run ``call(client, side)`` on each side; the raw local and remote data."""
        self.steps.append(label)
        local = outcome(lambda: call(self.local, "local"))
        remote = outcome(lambda: call(self.remote, "remote"))
        # Both sides ran at the same instant; the next step runs a second later, so
        # objects made in different steps never tie on created_at (ties are broken by
        # the random ids, which differ between the sides by design).
        self.clock.advance(seconds=1)
        seen = {side: (kind, self.canon[side](data))
                for side, (kind, data) in (("local", local), ("remote", remote))}  # fmt: skip
        if seen["local"] != seen["remote"]:
            raise Divergence(
                f"{label}: local and remote differ\n"
                f"  local : {seen['local']!r}\n  remote: {seen['remote']!r}\n"
                f"  steps : {self.steps!r}"
            )
        return local, remote

    def created(self, label: str, call: Callable[[Any, str], Any], key: str = "id") -> Any:
        (kind, local), (_, remote) = self.both(label, call)
        if kind != "ok":
            return multiple()
        return Pair(_dig(local, key), _dig(remote, key))

    # -- time -----------------------------------------------------------------------
    @rule(days=st.sampled_from([1, 16, 32]))
    def time_passes(self, days: int) -> None:
        self.steps.append(f"time +{days}d")
        self.clock.advance(days=days)

    # -- accounts and profile ---------------------------------------------------------
    @initialize(target=accounts)
    def first_account(self) -> Any:
        return self._create_account("acme", EMAILS[0], PHONES[0], "Acme Ltd")

    @rule(
        target=accounts,
        username=st.sampled_from([*USERNAMES, "ab", "Bad Name"]),
        email=st.sampled_from(EMAILS),
        phone=st.sampled_from(PHONES),
        company=st.sampled_from(["Globex Corp", "", "x" * 300]),
    )
    def create_account(self, username: str, email: str, phone: str, company: str) -> Any:
        return self._create_account(username, email, phone, company)

    def _create_account(self, username: str, email: str, phone: str, company: str) -> Any:
        from guance_billing_cli.schemas.accounts import AccountCreate

        data = AccountCreate(username=username, email=email, phone=phone, company_name=company)
        return self.created(f"account create {username}", lambda c, _s: c.create_account(data))

    @rule(ref=accounts | st.sampled_from(JUNK_REFS + USERNAMES + EMAILS[:2] + PHONES[:2]))
    def show_account(self, ref: Ref) -> None:
        self.both(f"account show {ref}", lambda c, s: c.get_account(on(ref, s)))

    @rule()
    def list_accounts(self) -> None:
        self.both("account list", lambda c, _s: list(c.list_accounts()))

    @rule(
        ref=accounts,
        field=st.sampled_from(["company_name", "industry", "region", "description"]),
        value=st.sampled_from(["Acme Group", "internet", "finance", "no-such", "", "r" * 65]),
    )
    def update_profile(self, ref: Ref, field: str, value: str) -> None:
        from guance_billing_cli.schemas.accounts import ProfileUpdate

        update = ProfileUpdate(**{field: value})
        self.both(f"profile update {field}={value[:10]}",
                  lambda c, s: c.update_profile(on(ref, s), update))  # fmt: skip

    @rule(ref=accounts, on_=st.booleans())
    def arbitrary_settlement(self, ref: Ref, on_: bool) -> None:
        from guance_billing_cli.schemas.accounts import AccountAdminUpdate

        update = AccountAdminUpdate(arbitrary_settlement=on_)
        self.both(f"account update arbitrary={on_}",
                  lambda c, s: c.admin_update_account(on(ref, s), update))  # fmt: skip

    # -- real-name authentication ---------------------------------------------------------
    @rule(ref=accounts, name=st.sampled_from(["Acme Ltd", "Globex Corp", ""]),
          tax_id=st.sampled_from(TAX_IDS))  # fmt: skip
    def submit_realname(self, ref: Ref, name: str, tax_id: str) -> None:
        from guance_billing_cli.schemas.realname import RealnameSubmit

        data = RealnameSubmit(type="enterprise", name=name, tax_id=tax_id, replace=True)
        self.both(f"realname submit {name} {tax_id}",
                  lambda c, s: c.submit_realname(on(ref, s), data))  # fmt: skip

    @rule(ref=accounts, approve=st.booleans())
    def review_realname(self, ref: Ref, approve: bool) -> None:
        from guance_billing_cli.schemas.realname import RealnameReview

        data = RealnameReview(
            decision="approve" if approve else "reject", reason=None if approve else "blurry"
        )
        self.both(f"realname review {data.decision}",
                  lambda c, s: c.review_realname(on(ref, s), data))  # fmt: skip

    @rule(ref=accounts)
    def show_realname(self, ref: Ref) -> None:
        self.both("realname show", lambda c, s: c.get_realname(on(ref, s)))

    # -- cloud accounts ---------------------------------------------------------------
    @rule(target=clouds, ref=accounts, cloud=st.sampled_from(CLOUDS))
    def add_cloud(self, ref: Ref, cloud: tuple[str, str, str | None]) -> Any:
        from guance_billing_cli.schemas.settlement import CloudAccountCreate

        provider, account_id, instance = cloud
        data = CloudAccountCreate(provider=provider, account_id=account_id, instance_id=instance)
        return self.created(f"cloud add {provider} {account_id}",
                            lambda c, s: c.add_cloud_account(on(ref, s), data))  # fmt: skip

    @rule(cloud=clouds | st.sampled_from(["cld_000000000000"]),
          account=st.none() | accounts)  # fmt: skip
    def show_cloud(self, cloud: Ref, account: Ref | None) -> None:
        self.both(
            f"cloud show {cloud}",
            lambda c, s: c.get_cloud_account(on(cloud, s), account=on(account, s)),
        )

    @rule(ref=accounts)
    def list_clouds(self, ref: Ref) -> None:
        self.both("cloud list", lambda c, s: list(c.list_cloud_accounts(on(ref, s))))

    @rule(cloud=clouds)
    def unsubscribe(self, cloud: Ref) -> None:
        self.both(f"cloud unsubscribe {cloud}",
                  lambda c, s: c.unsubscribe_cloud_account(on(cloud, s)))  # fmt: skip

    # -- workspaces and batches -----------------------------------------------------------
    @rule(ref=accounts, ws=st.sampled_from(WS_IDS), site=st.sampled_from(SITES))
    def add_workspace(self, ref: Ref, ws: str, site: str) -> None:
        from guance_billing_cli.schemas.settlement import WorkspaceCreate

        data = WorkspaceCreate(id=ws, name=f"Name {ws[:8]}", site=site)
        self.both(f"workspace add {ws!r} {site}",
                  lambda c, s: c.add_workspace(on(ref, s), data))  # fmt: skip

    @rule(
        ref=accounts,
        site=st.none() | st.sampled_from(SITES[:3]),
        settlement=st.none() | st.sampled_from(["billing_center", "aws", "aliyun", "nope"]),
        state=st.none() | st.sampled_from(["active", "countdown", "dissolved"]),
    )
    def list_workspaces(self, ref: Ref, site: str | None, settlement: str | None,
                        state: str | None) -> None:  # fmt: skip
        from guance_billing_cli.schemas.settlement import WorkspaceFilter

        filters = WorkspaceFilter(site=site, settlement=settlement, state=state)
        self.both(f"workspace list {site} {settlement} {state}",
                  lambda c, s: list(c.list_workspaces(on(ref, s), filters)))  # fmt: skip

    @rule(ws=st.sampled_from(PATH_WS_IDS), account=st.none() | accounts)
    def show_workspace(self, ws: str, account: Ref | None) -> None:
        self.both(f"workspace show {ws!r}",
                  lambda c, s: c.get_workspace(ws, account=on(account, s)))  # fmt: skip

    @rule(cloud=clouds, ws=st.lists(st.sampled_from(BATCH_IDS), min_size=1, max_size=4),
          dry_run=st.booleans())  # fmt: skip
    def bind(self, cloud: Ref, ws: list[str], dry_run: bool) -> None:
        from guance_billing_cli.schemas.settlement import BatchItem

        items = [BatchItem(workspace_id=w, line=n) for n, w in enumerate(ws, 1)]
        self.both(f"cloud bind {cloud} {ws!r} dry={dry_run}",
                  lambda c, s: c.bind_workspaces(on(cloud, s), items, dry_run=dry_run))  # fmt: skip

    @rule(ws=st.lists(st.sampled_from(BATCH_IDS), min_size=1, max_size=3), dry_run=st.booleans(),
          account=st.none() | accounts)  # fmt: skip
    def unbind(self, ws: list[str], dry_run: bool, account: Ref | None) -> None:
        from guance_billing_cli.schemas.settlement import BatchItem

        items = [BatchItem(workspace_id=w, line=n) for n, w in enumerate(ws, 1)]
        self.both(f"cloud unbind {ws!r} dry={dry_run}",
                  lambda c, s: c.unbind_workspaces(items, dry_run=dry_run,
                                                   account=on(account, s)))  # fmt: skip

    # -- bindings as code (issue 25) --------------------------------------------------
    @rule(ref=accounts, cloud=clouds, exclusive=st.booleans(),
          listed=st.lists(st.sampled_from(BATCH_IDS), max_size=3),
          center=st.none() | st.lists(st.sampled_from(BATCH_IDS), max_size=2),
          mode=st.sampled_from(["plan", "apply", "apply-saved", "apply-skip"]))  # fmt: skip
    def bindings(self, ref: Ref, cloud: Ref, exclusive: bool, listed: list[str],
                 center: list[str] | None, mode: str) -> None:  # fmt: skip
        from guance_billing_cli.schemas.bindings import (
            BindingsApplyRequest,
            BindingsPlanRequest,
            DesiredCloud,
            DesiredState,
            PlannedRow,
        )

        def call(c: Any, s: str) -> Any:
            desired = DesiredState(
                clouds=[DesiredCloud(cloud_account_id=on(cloud, s), workspaces=listed,
                                     exclusive=exclusive)],
                billing_center=center,
            )  # fmt: skip
            plan = c.plan_bindings(BindingsPlanRequest(desired=desired, account=on(ref, s)))
            if mode == "plan":
                return _unprinted(plan)
            expected = None
            if mode == "apply-saved":
                expected = [PlannedRow(workspace_id=r.workspace_id, action=r.action, to=r.to,
                                       fingerprint=r.fingerprint) for r in plan.rows]  # fmt: skip
            request = BindingsApplyRequest(
                desired=desired,
                account=on(ref, s),
                expected=expected,
                skip_refused=mode == "apply-skip",
            )
            return _unprinted(c.apply_bindings(request))

        self.both(f"bindings {mode} {cloud} {listed!r} excl={exclusive} bc={center!r}", call)

    @rule(ws=st.sampled_from(PATH_WS_IDS), to=accounts)
    def move(self, ws: str, to: Ref) -> None:
        self.both(f"workspace move {ws!r}", lambda c, s: c.move_workspace(ws, on(to, s)))

    @rule(ws=st.sampled_from(PATH_WS_IDS))
    def unlock_to_billing_center(self, ws: str) -> None:
        from guance_billing_cli.schemas.settlement import UnlockRequest

        remedy = UnlockRequest(billing_center=True)
        self.both(f"workspace unlock {ws!r}", lambda c, _s: c.unlock_workspace(ws, remedy))

    @rule(ws=st.sampled_from(PATH_WS_IDS))
    def dissolve(self, ws: str) -> None:
        self.both(f"workspace dissolve {ws!r}", lambda c, _s: c.dissolve_workspace(ws))

    # -- invoices -------------------------------------------------------------------------
    @rule(target=titles, ref=accounts,
          kind=st.sampled_from(["vat_ordinary", "electronic_ordinary", "vat_special", "paper"]),
          title=st.sampled_from(["Acme Ltd", "Globex Corp"]),
          tax_id=st.sampled_from([*TAX_IDS[:2], None]))  # fmt: skip
    def add_title(self, ref: Ref, kind: str, title: str, tax_id: str | None) -> Any:
        from guance_billing_cli.schemas.invoices import InvoiceTitleCreate

        data = InvoiceTitleCreate(type=kind, title=title, tax_id=tax_id)
        return self.created(f"invoice title add {kind} {title}",
                            lambda c, s: c.add_invoice_title(on(ref, s), data))  # fmt: skip

    @rule(target=addresses, ref=accounts, email=st.sampled_from(EMAILS),
          phone=st.sampled_from(PHONES))  # fmt: skip
    def add_address(self, ref: Ref, email: str, phone: str) -> Any:
        from guance_billing_cli.schemas.invoices import InvoiceAddressCreate

        data = InvoiceAddressCreate(recipient="Li Lei", phone=phone, email=email,
                                    address="1 West Lake Road, Hangzhou")  # fmt: skip
        return self.created(f"invoice address add {email} {phone}",
                            lambda c, s: c.add_invoice_address(on(ref, s), data))  # fmt: skip

    @rule(ref=accounts, title=titles, address=addresses, amount=st.sampled_from(AMOUNTS))
    def request_invoice(self, ref: Ref, title: Pair, address: Pair, amount: str) -> None:
        from guance_billing_cli.schemas.invoices import InvoiceRequestCreate

        def call(c: Any, s: str) -> Any:
            data = InvoiceRequestCreate(title_id=title.on(s), address_id=address.on(s),
                                        amount=amount)  # fmt: skip
            return c.request_invoice(on(ref, s), data)

        self.both(f"invoice request {amount!r}", call)

    @rule(ref=accounts)
    def list_invoices(self, ref: Ref) -> None:
        self.both("invoice list", lambda c, s: list(c.list_invoices(on(ref, s))))
        self.both("invoice title list", lambda c, s: list(c.list_invoice_titles(on(ref, s))))
        self.both("invoice address list",
                  lambda c, s: list(c.list_invoice_addresses(on(ref, s))))  # fmt: skip

    @invariant()
    def same_accounts(self) -> None:
        if self.steps:
            self.both("(invariant) account list", lambda c, _s: list(c.list_accounts()))


def _unprinted(result: Any) -> Any:
    """A plan or an apply without its fingerprints (they hash each side's own ids)."""
    data = result.model_dump(mode="json")
    for row in data["rows"]:
        row["fingerprint"] = "-"
    return data


def _dig(data: Any, key: str) -> str:
    return str(data[key])


@pytest.fixture
def sides(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], Any]:
    """A factory of fresh (LocalClient on SQLite, HttpClient on the app over PostgreSQL)."""
    monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", os.urandom(32).hex())  # a PG server needs it
    from guance_billing_cli.client.http import HttpClient
    from guance_billing_cli.client.local import LocalClient
    from guance_billing_cli.config import resolve_settings
    from guance_billing_cli.server.app import create_app

    template = request.getfixturevalue("_pg_template") if PG_URL else None
    counter = iter(range(1_000_000))

    def make() -> tuple[Any, Any, Callable[[], None]]:
        n = next(counter)
        local_url = f"sqlite:///{tmp_path / f'local-{n}.db'}"
        pg_name = pg_new_database(template=template) if template else None
        remote_url = pg_url(pg_name) if pg_name else f"sqlite:///{tmp_path / f'server-{n}.db'}"
        app = create_app(remote_url, migrate=True)
        asgi = SyncASGITransport(app)
        token = bootstrap_token(app.state.backend.engine)
        previous = HttpClient.transport_factory
        HttpClient.transport_factory = lambda _base: asgi  # type: ignore[assignment]
        local = LocalClient(local_url, settings=resolve_settings(store=local_url))
        remote = HttpClient("http://billing.test", token=token)

        def close() -> None:
            HttpClient.transport_factory = previous  # type: ignore[assignment]
            local.close()
            remote.close()
            asgi.shutdown()
            app.state.backend.dispose()
            if pg_name:
                pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

        return local, remote, close

    return make


def test_local_and_remote_agree(sides: Callable[[], Any], clock: Clock) -> None:
    machine = type(
        "LocalSqliteVsServerPostgres",
        (LocalVsRemote,),
        {"store_factory": staticmethod(sides), "clock": clock},
    )
    start = clock.now

    class Fresh(machine):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            clock.now = start  # every example starts at the same instant
            super().__init__()

    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        Fresh,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=DERANDOMIZE,
        ),
    )
