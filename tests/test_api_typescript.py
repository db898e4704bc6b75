"""Issue 24: a second generator, in another language: `openapi-typescript` + `tsc --strict`.

The npm packages are pinned in clients/typescript/package-lock.json (`npm ci` there;
.ci/run does it). From a live server's `/openapi.json` the generator writes the types,
clients/typescript/ci_bind_workspaces.ts (the CI job of examples/ci_bind_workspaces.py,
written only against those types) compiles with `tsc --strict --noEmit`, then runs
against the server: lists the cloud accounts, binds three workspaces (one row refused),
reads them back, and tells a missing cloud account apart by the error's `reason`. A
misspelt field or an enum value the document does not have fails the compile.

Without node/npm the test skips, except under CI (CI set), where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_api_contract import Live, start, stop
from tests.test_api_generated_client import seed

pytestmark = [pytest.mark.slow, pytest.mark.local_only]  # the slow tier: a live server, npm, tsc
ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "clients" / "typescript"
BIN = CLIENT / "node_modules" / ".bin"


def tools() -> tuple[str, Path, Path]:
    """node, openapi-typescript and tsc, or a skip (a failure under CI)."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed (apt-get install nodejs npm)"
    elif not (BIN / "openapi-typescript").exists() or not (BIN / "tsc").exists():
        missing = f"no node_modules in {CLIENT}: run `npm ci` there"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing + " (.ci/run installs them)")
        pytest.skip(missing)
    assert node is not None
    return node, BIN / "openapi-typescript", BIN / "tsc"


@pytest.fixture(scope="module")
def typescript() -> tuple[str, Path, Path]:
    return tools()


@pytest.fixture(scope="module")
def live(
    typescript: tuple[str, Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    server = start(tmp_path_factory.mktemp("typescript"))
    try:
        yield server
    finally:
        stop(server.proc)


def run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **(env or {})},
    )  # fmt: skip


BROKEN = """
import type { operations } from "./generated/api";
type Answer = operations["bind_workspaces"]["responses"][200]["content"]["application/json"];
type Row = Answer["results"][number];
export function check(row: Row): string {
  if (row.result === "skipped") return "no such result";
  return row.reason_kode ?? "";
}
"""


def test_openapi_typescript_types_compile_strictly_and_the_example_runs(
    typescript: tuple[str, Path, Path], live: Live, tmp_path: Path
) -> None:
    node, generator, tsc = typescript
    work = tmp_path / "ts"
    work.mkdir()
    for name in ("ci_bind_workspaces.ts", "tsconfig.json"):
        shutil.copy(CLIENT / name, work / name)
    spec = work / "openapi.json"
    spec.write_text(httpx.get(live.url + "/openapi.json", timeout=60).text)

    generated = run(generator, spec, "-o", work / "generated" / "api.d.ts", cwd=work)
    print(generated.stdout, generated.stderr)  # the generator's words (warnings) in the log
    assert generated.returncode == 0, generated.stdout + generated.stderr
    said = (generated.stdout + generated.stderr).lower()
    assert "warn" not in said and "error" not in said, said
    types = (work / "generated" / "api.d.ts").read_text()
    assert (
        "reason?: string | null" in types
        and '"application/json": components["schemas"]["CloudAccountPublicPage"]' in types
    )

    checked = run(tsc, "--strict", "--noEmit", "-p", work, cwd=work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == checked.stderr == ""

    # the compile can fail: a misspelt field and an enum value the document does not have
    broken = tmp_path / "broken"
    (broken / "generated").mkdir(parents=True)
    shutil.copy(work / "generated" / "api.d.ts", broken / "generated" / "api.d.ts")
    (broken / "broken.ts").write_text(BROKEN)
    refused = run(tsc, "--strict", "--noEmit", "--lib", "ES2022", "broken.ts", cwd=broken)
    assert refused.returncode != 0
    assert "Property 'reason_kode' does not exist" in refused.stdout, refused.stdout
    assert "TS2367" in refused.stdout and '"skipped"' in refused.stdout, refused.stdout

    # and it runs: the same job as the Python example, against the live server
    emitted = run(tsc, "--noCheck", "-p", work, "--outDir", work / "build", cwd=work)
    assert emitted.returncode == 0, emitted.stdout + emitted.stderr
    cloud_id, token = seed(live)
    job = [node, work / "build" / "ci_bind_workspaces.js"]
    env = {"BILLING_URL": live.url, "BILLING_TOKEN": token, "BILLING_ACCOUNT": "ci-corp"}
    bound = run(*job, "wksp_ci0", "wksp_ci1", "wksp_ci2", "wksp_nope", cwd=work, env=env)
    assert bound.returncode == 9, bound.stdout + bound.stderr  # three bound, one refused
    assert f"cloud account {cloud_id}" in bound.stdout
    assert "refused wksp_nope: workspace_not_in_this_account" in bound.stdout, bound.stdout
    assert "read back: 3 workspace(s)" in bound.stdout, bound.stdout
    listed = httpx.get(
        f"{live.url}/v1/accounts/ci-corp/workspaces",
        params={"cloud_account": cloud_id},
        headers={"Authorization": f"Bearer {live.token}"},
    ).json()
    assert sorted(w["id"] for w in listed["items"]) == ["wksp_ci0", "wksp_ci1", "wksp_ci2"]
    gone = run(*job, "wksp_ci3", cwd=work, env={**env, "BILLING_CLOUD": "cld_000000000000"})
    assert gone.returncode == 3, gone.stdout + gone.stderr
    assert "reason cloud_account_not_found" in gone.stdout, gone.stdout
