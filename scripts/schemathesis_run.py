"""schemathesis against a live server: every check, >= 50 examples per operation.

    .venv/bin/python scripts/schemathesis_run.py [--store URL] [--examples N] [--seed N|random]

The store: `--store`, else a fresh database on GUANCE_BILLING_TEST_PG_URL
(`eval "$(scripts/pg-test-server.sh start)"`), dropped afterwards; without either,
a temporary SQLite file. The store is migrated and seeded with realistic data
(accounts with Chinese company names, phones and emails, invoice titles and
addresses, cloud accounts of every provider, workspaces on every site, bindings),
then `guance-billing server run` serves it on 127.0.0.1 and schemathesis tests
`/openapi.json` with a support token. Exit status: schemathesis's (0: no failure).

The operations that can revoke the caller's own token (`logout`, `logout_all`,
`revoke_session`, `revoke_token`) run apart, after the main run, with a token of
their own: in the main run they ended its token and left most of it 401. The
checks' settings are in `scripts/schemathesis.toml`.

`--seed random` draws a seed and prints it; a failing run prints the command that
replays it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
# they can revoke the run's own token: a run of their own, after the main one
REVOKING_OPERATIONS = ("logout", "logout_all", "revoke_session", "revoke_token")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def pg_database(base_url: str) -> Iterator[str]:
    import psycopg

    dsn = base_url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"gb_schemathesis_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def store_url(args: argparse.Namespace, tmp: Path) -> Iterator[str]:
    if args.store:
        yield args.store
    elif os.environ.get("GUANCE_BILLING_TEST_PG_URL"):
        with pg_database(os.environ["GUANCE_BILLING_TEST_PG_URL"]) as url:
            yield url
    else:
        print("no GUANCE_BILLING_TEST_PG_URL: using SQLite", file=sys.stderr)
        yield f"sqlite:///{tmp / 'billing.db'}"


TAX_ID = "91110000600037341L"  # a valid Unified Social Credit Code
PROVIDER_ACCOUNT_IDS = {
    "aws": "12345678901{n}",
    "aliyun": "123456789012345{n}",
    "huawei": "0a1b2c3d4e5f60718293a4b5c6d7e8f{n}",
}
COMPANIES = (
    ("hangzhou-yunfan", "杭州云帆科技有限公司", "software", "Hangzhou"),
    ("ningxia-xibu", "宁夏西部数据服务有限公司", "internet", "Yinchuan"),
    ("guangzhou-haiyun", "广州海韵网络科技有限公司", "gaming", "Guangzhou"),
    ("shanghai-jinrong", "上海金融信息服务有限公司", "finance", "Shanghai"),
    ("beijing-zhizao", "北京智造装备股份有限公司", "manufacturing", "Beijing"),
    ("shenzhen-lingshou", "深圳零售连锁有限公司", "retail", "Shenzhen"),
)


@dataclass
class Seeded:
    token: str
    accounts: list[str] = field(default_factory=list)  # ids and usernames
    clouds: list[str] = field(default_factory=list)
    workspaces: list[str] = field(default_factory=list)


def seed(url: str) -> Seeded:
    """Realistic data through the services: a support token and the ids it made."""
    from guance_billing_cli.client.local import LocalClient
    from guance_billing_cli.schemas.accounts import AccountAdminUpdate, AccountCreate
    from guance_billing_cli.schemas.invoices import InvoiceAddressCreate, InvoiceTitleCreate
    from guance_billing_cli.schemas.realname import LicenseUpload, RealnameReview, RealnameSubmit
    from guance_billing_cli.schemas.settlement import (
        PROVIDERS,
        SITES,
        BatchItem,
        CloudAccountCreate,
        WorkspaceCreate,
    )
    from guance_billing_cli.schemas.tokens import TokenCreate

    client = LocalClient(url)
    seeded = Seeded(token="")
    try:
        sites = list(SITES)
        for n, (username, company, industry, region) in enumerate(COMPANIES):
            account = client.create_account(
                AccountCreate(
                    username=username,
                    company_name=company,
                    industry=industry,
                    region=region,
                    email=f"billing{n}@{username}.example.cn",
                    phone=f"+86 138 0013 {8000 + n:04d}",
                    contact_name="王小明",
                )
            )
            seeded.accounts += [account.id, username]
            if n % 2 == 0:
                client.admin_update_account(
                    account.id, AccountAdminUpdate(arbitrary_settlement=True)
                )
            client.submit_realname(
                account.id,
                RealnameSubmit(
                    type="enterprise",
                    name=company,
                    tax_id=TAX_ID,
                    license=LicenseUpload.from_bytes("licence.pdf", b"%PDF-1.4 licence scan"),
                ),
            )
            client.review_realname(account.id, RealnameReview(decision="approve"))
            client.add_invoice_title(
                account.id,
                InvoiceTitleCreate(type="vat_ordinary", title=company, tax_id=TAX_ID),
            )
            client.add_invoice_address(
                account.id,
                InvoiceAddressCreate(
                    recipient="王小明",
                    phone=f"+86 139 0013 {8000 + n:04d}",
                    email=f"invoice{n}@{username}.example.cn",
                    address=f"{region}市西湖区文三路 {100 + n} 号",
                ),
            )
            seeded.workspaces += [f"wksp_{username[:6]}{w:03d}" for w in range(12)]
            for w in range(12):
                client.add_workspace(
                    account.id,
                    WorkspaceCreate(
                        id=f"wksp_{username[:6]}{w:03d}",
                        name=f"{company[:4]} 工作空间 {w}",
                        site=sites[w % len(sites)],
                    ),
                )
            provider = PROVIDERS[n % len(PROVIDERS)]
            cloud = client.add_cloud_account(
                account.id,
                CloudAccountCreate(
                    provider=provider,
                    account_id=PROVIDER_ACCOUNT_IDS[provider].format(n=n),
                    instance_id=None if provider == "aws" else f"cmgj00{n:05d}",
                ),
            )
            seeded.clouds.append(cloud.id)
            same_cloud = [
                BatchItem(workspace_id=f"wksp_{username[:6]}{w:03d}")
                for w in range(12)
                if SITES[sites[w % len(sites)]].provider == provider
            ]
            client.bind_workspaces(cloud.id, same_cloud[:2], account=account.id)
        created = client.create_token(TokenCreate(name="schemathesis", role="support"))
        seeded.token = created.token.get_secret_value()
        return seeded
    finally:
        client.close()


def support_token(url: str, name: str) -> str:
    from guance_billing_cli.client.local import LocalClient
    from guance_billing_cli.schemas.tokens import TokenCreate

    client = LocalClient(url)
    try:
        return client.create_token(TokenCreate(name=name, role="support")).token.get_secret_value()
    finally:
        client.close()


def run_config(seeded: Seeded, path: Path) -> Path:
    """scripts/schemathesis.toml plus this run's ids: half the generated path
    parameters name a seeded account, cloud account or workspace, so the tests
    reach the services' rules, not only their 404s."""

    def toml_list(values: list[str]) -> str:
        return "[" + ", ".join(json.dumps(v) for v in values) + "]"

    text = (HERE / "schemathesis.toml").read_text()
    text += f"""
[dictionaries.accounts]
values = {toml_list(seeded.accounts)}

[dictionaries.clouds]
values = {toml_list(seeded.clouds)}

[dictionaries.workspaces]
values = {toml_list(seeded.workspaces)}

[parameters]
"path.ref" = {{ dictionary = "accounts", probability = 0.5 }}
"path.cloud_id" = {{ dictionary = "clouds", probability = 0.5 }}
"path.ws_id" = {{ dictionary = "workspaces", probability = 0.5 }}
"""
    path.write_text(text)
    return path


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", help="store URL (default: a fresh PostgreSQL database)")
    parser.add_argument("--examples", type=int, default=50, help="examples per operation")
    parser.add_argument(
        "--seed", default=None, help="schemathesis random seed: a number, or 'random' (printed)"
    )
    # one worker: hypothesis' lambda descriptions are not thread-safe (a spurious
    # "AST constructor recursion depth mismatch" error with several)
    parser.add_argument("--workers", default="1", help="schemathesis workers")
    args = parser.parse_args()
    if args.seed == "random":
        args.seed = str(secrets.randbelow(2**31))
    if args.seed is not None:
        args.seed = str(int(args.seed))
        print(f"schemathesis seed {args.seed} (--examples {args.examples})", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="gb-schemathesis-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(GUANCE_BILLING_HOME=str(tmp / "home"), NO_COLOR="1")
    os.environ["GUANCE_BILLING_HOME"] = str(tmp / "home")
    with store_url(args, tmp) as url:
        subprocess.run(
            [str(BIN / "guance-billing"), "server", "migrate", "--store", url], env=env, check=True
        )
        seeded = seed(url)
        token = seeded.token
        config = run_config(seeded, tmp / "schemathesis.toml")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = tmp / "server.log"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [
                    str(BIN / "guance-billing"),
                    "server",
                    "run",
                    "--store",
                    url,
                    "--port",
                    str(port),
                    "--log-format",
                    "json",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_ready(base, server)

                def command(token: str, *only: str) -> list[str]:
                    return [
                        str(BIN / "schemathesis"),
                        "--config-file",
                        str(config),
                        "run",
                        f"{base}/openapi.json",
                        "--checks",
                        "all",
                        "--max-examples",
                        str(args.examples),
                        "--workers",
                        args.workers,
                        "--header",
                        f"Authorization: Bearer {token}",
                        "--generation-database",
                        "none",
                        # NUL is refused (422, or a refused batch row; docs/server.md), which
                        # JSON Schema cannot say for free text
                        "--generation-allow-x00",
                        "false",
                        # the plain-text pattern (a long class of refused characters, since
                        # issue 22) makes drawing a whole account slow, not wrong
                        "--suppress-health-check",
                        "too_slow",
                        "--no-color",
                        *(
                            (f"--include-operation-id={op}" for op in only)
                            if only
                            else (f"--exclude-operation-id={op}" for op in REVOKING_OPERATIONS)
                        ),
                        *(["--seed", str(args.seed)] if args.seed is not None else []),
                    ]

                hooks = {"SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": str(HERE)}
                # its cache (.schemathesis/) goes to the run's temporary directory
                result = subprocess.run(command(token), env={**env, **hooks}, cwd=tmp, check=False)
                print("== the operations that revoke tokens, with a token of their own", flush=True)
                revoking = subprocess.run(
                    command(support_token(url, "schemathesis-revoking"), *REVOKING_OPERATIONS),
                    env={**env, **hooks},
                    cwd=tmp,
                    check=False,
                )
            finally:
                server.terminate()
                server.wait(timeout=30)
        tracebacks = log_path.read_text(errors="replace").count("Traceback")
        print(f"server log: {log_path} ({tracebacks} traceback(s))")
    failed = bool(tracebacks or result.returncode or revoking.returncode)
    if failed and args.seed is not None:
        print(
            "replay: .venv/bin/python scripts/schemathesis_run.py "
            f"--seed {args.seed} --examples {args.examples}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
