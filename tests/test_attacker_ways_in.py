"""Issue 22, the last ways in, tried against the real server (uvicorn on 127.0.0.1,
SQLite and PostgreSQL) as an attacker would:

- no oracle before the code: a reset's completion answers a wrong code alike for a
  registered and an unknown address, whatever new password comes with it;
- probing costs budget: "is this new address free?" is answered at most
  ``PROBE_BUDGET`` times an account a day, each answer audited;
- not yours = not found: another account's change or reset request, session or
  invoice address answers exactly like a missing one.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import test_attacker
from tests.support.mail import mail_code
from tests.test_attacker import EMAIL, PASSWORD, Live

pytestmark = pytest.mark.slow  # the slow tier: attack simulations

live = test_attacker.live  # the real server (uvicorn on 127.0.0.1), SQLite and PostgreSQL

UNKNOWN = "nobody@acme.com"


def _error(answer: httpx.Response) -> dict[str, Any]:
    return dict(answer.json()["error"])


# -- 1. no oracle before the code ---------------------------------------------------


def test_reset_completion_answers_alike_before_a_valid_code(live: Live, home: Path) -> None:
    """The issue's probe: a wrong code with the address itself (capitalised, so that it
    passes the length and class rules) as the new password. A registered address once
    answered 422 ``password_is_identity``, an unknown one 400 ``wrong_code``."""
    tries = 25
    seen: dict[str, list[tuple[int, str]]] = {EMAIL: [], UNKNOWN: []}
    times: dict[str, list[float]] = {EMAIL: [], UNKNOWN: []}
    for _ in range(tries):
        live.clock.advance(hours=25)  # a first try each time: no cooldown, no throttle
        for address in (EMAIL, UNKNOWN):
            sent = live.post("/v1/auth/password-reset", {"email": address})
            assert sent.status_code == 200, sent.text
            body = {
                "request_id": sent.json()["request_id"],
                "code": "000000" if address == UNKNOWN else _wrong(mail_code(home, EMAIL)),
                "new_password": address[0].upper() + address[1:],
            }
            began = time.perf_counter()
            answer = live.post("/v1/auth/password-reset/complete", body)
            times[address].append(time.perf_counter() - began)
            error = _error(answer)
            shape = json.dumps(
                {k: v for k, v in error.items() if k != "message"} | {"message": "…"},
                sort_keys=True,
            )
            seen[address].append((answer.status_code, shape))
            assert error["reason"] == "wrong_code", answer.text
    assert seen[EMAIL] == seen[UNKNOWN]  # status, reason, params, keys: every try alike
    assert {s for s, _ in seen[EMAIL]} == {400}
    known, unknown = statistics.median(times[EMAIL]), statistics.median(times[UNKNOWN])
    ratio = known / unknown
    print(
        f"\n[{live.store_url.split(':')[0]}] reset completion with an identity password: "
        f"{tries}/{tries} alike (400 wrong_code); median known {known * 1000:.1f} ms, "
        f"unknown {unknown * 1000:.1f} ms, ratio {ratio:.3f}"
    )
    assert 1 / 1.5 <= ratio <= 1.5


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_identity_rule_comes_after_a_valid_code_and_keeps_it(live: Live, home: Path) -> None:
    sent = live.post("/v1/auth/password-reset", {"email": EMAIL}).json()
    code = mail_code(home, EMAIL)
    body = {"request_id": sent["request_id"], "code": code, "new_password": "Ops@acme.com"}
    refused = live.post("/v1/auth/password-reset/complete", body)
    assert refused.status_code == 422 and _error(refused)["reason"] == "password_is_identity"
    # the refusal rolled back: the same code still works, once
    done = live.post("/v1/auth/password-reset/complete", {**body, "new_password": "N3w-Passw0rd!x"})
    assert done.status_code == 200, done.text
    again = live.post(
        "/v1/auth/password-reset/complete", {**body, "new_password": "Th1rd-Passw0rd!"}
    )
    assert again.status_code == 400 and _error(again)["reason"] == "code_used"


# -- 2. probing costs budget -----------------------------------------------------------


def _owner(live: Live, email: str, password: str = PASSWORD) -> tuple[str, dict[str, str]]:
    answer = live.post("/v1/auth/login", {"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    who = httpx.get(live.url + "/v1/auth/whoami", headers=headers).json()
    return str(who["account_id"]), headers


def _make_accounts(live: Live, count: int) -> list[str]:
    from pydantic import SecretStr

    from guance_billing_cli.client.local import LocalClient
    from guance_billing_cli.schemas.accounts import AccountCreate

    local = LocalClient(live.store_url, migrate=False)
    made = []
    for i in range(count):
        email = f"victim{i}@example.com"
        local.create_account(
            AccountCreate(
                username=f"victim{i}",
                company_name=f"Victim {i}",
                email=email,
                phone=f"+86139{i:08d}",
                password=SecretStr(PASSWORD),
            )
        )
        made.append(email)
    local.close()
    return made


def test_probing_new_addresses_is_held_to_the_budget_for_a_day(live: Live) -> None:
    """An owner asks, for 24 simulated hours, whether other accounts' addresses are
    free, waiting exactly as long as told. Before: 240 answers of 240 (409 taken).
    Now at most ``PROBE_BUDGET`` answers say taken or free; the rest are 429."""
    from guance_billing_cli.services import throttles

    taken = _make_accounts(live, 5)
    account, headers = _owner(live, EMAIL)
    start = live.clock.now
    answers = {"taken": 0, "free": 0, "throttled": 0}
    asked = 0
    while live.clock.now - start < timedelta(hours=24) and asked < 2000:
        probe = taken[asked % len(taken)] if asked else "free@example.com"
        asked += 1
        answer = live.post(
            f"/v1/accounts/{account}/changes",
            {"kind": "email", "new_address": probe},
            headers=headers,
        )
        if answer.status_code == 409:
            answers["taken"] += 1
        elif answer.status_code == 201:
            answers["free"] += 1
        else:
            assert answer.status_code == 429, answer.text
            answers["throttled"] += 1
            live.clock.advance(seconds=int(_error(answer)["params"]["retry_after"]))
    told = answers["taken"] + answers["free"]
    print(
        f"\n[{live.store_url.split(':')[0]}] address probing, 24 h, {asked} tries: "
        f"{told} answered ({answers}), budget {throttles.PROBE_BUDGET}"
    )
    assert told <= throttles.PROBE_BUDGET
    assert told == throttles.PROBE_BUDGET  # the budget is what holds it, not the send cap
    assert answers["free"] == 1  # the owner's own change still works
    checks = _audit_actions(live, "email.change.address_check")
    assert len(checks) == told  # every answer audited, taken and free alike


def test_a_taken_address_starts_the_cooldown_like_a_free_one(live: Live) -> None:
    (victim,) = _make_accounts(live, 1)
    account, headers = _owner(live, EMAIL)
    path = f"/v1/accounts/{account}/changes"
    first = live.post(path, {"kind": "email", "new_address": victim}, headers=headers)
    assert first.status_code == 409, first.text
    second = live.post(path, {"kind": "email", "new_address": victim}, headers=headers)
    assert second.status_code == 429 and _error(second)["reason"] == "cooldown"
    live.clock.advance(seconds=61)
    free = live.post(path, {"kind": "email", "new_address": "new@acme.com"}, headers=headers)
    assert free.status_code == 201, free.text
    # a phone change is independent of the email change's cooldown, but not free
    phone = live.post(path, {"kind": "phone", "new_address": "+8613912345678"}, headers=headers)
    assert phone.status_code == 201, phone.text
    assert len(_audit_actions(live, "email.change.address_check")) == 2
    assert len(_audit_actions(live, "phone.change.address_check")) == 1


def _audit_actions(live: Live, action: str) -> list[Any]:
    from sqlalchemy import create_engine, text

    from guance_billing_cli.store.engine import driver_url

    engine = create_engine(driver_url(live.store_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT after FROM audit_events WHERE action = :a"), {"a": action}
            )
            return [r[0] for r in rows]
    finally:
        engine.dispose()


# -- 3. not yours = not found ------------------------------------------------------------


def _same_as_missing(
    live: Live,
    method: str,
    path: str,
    theirs: str,
    missing: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
) -> str:
    def ask(ref: str) -> httpx.Response:
        return httpx.request(
            method, live.url + path.format(ref), json=body, headers=headers, timeout=30
        )

    mine, gone = ask(theirs), ask(missing)
    assert mine.status_code == gone.status_code == 404, (mine.text, gone.text)
    assert mine.text.replace(theirs, "ID") == gone.text.replace(missing, "ID"), (
        mine.text,
        gone.text,
    )
    return str(_error(gone)["reason"])


def test_another_accounts_objects_answer_like_missing_ones(live: Live, home: Path) -> None:
    _make_accounts(live, 1)
    _, mine = _owner(live, EMAIL)
    victim, theirs = _owner(live, "victim0@example.com")
    # the victim's own objects: a change request, a reset, a session, an invoice address
    change = live.post(
        f"/v1/accounts/{victim}/changes", {"kind": "email", "new_address": "v@acme.com"},
        headers=theirs,
    ).json()["request_id"]  # fmt: skip
    reset = live.post(
        f"/v1/accounts/{victim}/password-resets", {"via": "email"}, headers=theirs
    ).json()["request_id"]
    address = live.post(
        f"/v1/accounts/{victim}/invoice-addresses",
        {"recipient": "V", "phone": "+8613900000009", "email": "v@acme.com", "address": "1 Rd"},
        headers=theirs,
    ).json()["id"]
    sessions = httpx.get(live.url + "/v1/auth/sessions", headers=theirs).json()["items"]
    session = sessions[0]["id"]  # a JSON page since issue 24

    reasons = {
        "change status": _same_as_missing(
            live, "GET", "/v1/changes/{}?kind=email", change, "chg_000000000000", mine
        ),
        "change verify": _same_as_missing(
            live,
            "POST",
            "/v1/changes/{}/verify",
            change,
            "chg_000000000000",
            mine,
            {"kind": "email", "data": {"code": "123456"}},
        ),
        "change cancel": _same_as_missing(
            live,
            "POST",
            "/v1/changes/{}/cancel",
            change,
            "chg_000000000000",
            mine,
            {"kind": "email"},
        ),
        "reset status": _same_as_missing(
            live, "GET", "/v1/password-resets/{}", reset, "pwr_000000000000", mine
        ),
        "reset resend": _same_as_missing(
            live, "POST", "/v1/password-resets/{}/resend", reset, "pwr_000000000000", mine, {}
        ),
        "session revoke": _same_as_missing(
            live, "DELETE", "/v1/auth/sessions/{}", session, "tok_000000000000", mine
        ),
        "invoice address": _same_as_missing(
            live,
            "PATCH",
            "/v1/invoice-addresses/{}",
            address,
            "adr_000000000000",
            mine,
            {"data": {"recipient": "X"}},
        ),
    }
    print(f"\n[{live.store_url.split(':')[0]}] another account's ids: {reasons}")
    # nothing of the victim's changed
    status = httpx.get(live.url + f"/v1/changes/{change}?kind=email", headers=theirs).json()
    assert status["state"] == "awaiting_current_code"
