"""Bindings-as-code benchmark (issue 25): `.venv/bin/python bench/bindings.py` (also `make bench`).

`bindings plan FILE --json` and `bindings apply FILE --yes --json` of a desired-state
file naming N workspaces (default 10,000) under one cloud account, on a local SQLite
store, end to end as subprocesses. Baseline, measured in the same run on copies of
the same store: `cloud bind --from-file` of the same workspaces (the batch that
plan and apply run through), as a dry run for the plan and for real for the apply.

Targets: plan <= 2 s and apply <= 2 s. The ratios to the baseline show what the
desired state costs on top of the batch (reading the file, the unchanged check,
the fingerprints). Medians of --runs runs; each apply starts from a fresh copy of
the store (a rerun would find every row `unchanged`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BENCH_ACCOUNT, cli_cmd, like_an_install

PY = sys.executable


def run(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    out = subprocess.run(cmd, env=env, text=True, capture_output=True)
    if out.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd[:4])}... exit {out.returncode}: {out.stderr[-500:]}")
    return out.stdout


CPU: dict[str, list[float]] = {}  # label -> CPU seconds of the child, per run


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(
    cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,), label: str = ""
) -> tuple[str, float]:
    """(stdout, wall seconds); the child's CPU seconds go to CPU[label]."""
    cpu, start = child_cpu(), time.perf_counter()
    out = run(cmd, env, ok)
    wall = time.perf_counter() - start
    CPU.setdefault(label, []).append(child_cpu() - cpu)
    return out, wall


def fresh(pristine: Path, store: Path) -> None:
    shutil.copyfile(pristine, store)
    for suffix in ("-wal", "-shm"):
        Path(str(store) + suffix).unlink(missing_ok=True)


def main() -> int:
    like_an_install()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="gb-bench-bindings-"))
    home = work / "home"
    env = {**os.environ, "GUANCE_BILLING_HOME": str(home), "NO_COLOR": "1"}
    for name in ("GUANCE_BILLING_SERVER", "GUANCE_BILLING_STORE", "GUANCE_BILLING_ACCOUNT"):
        env.pop(name, None)
    try:
        run(cli_cmd(*BENCH_ACCOUNT), env)
        run(cli_cmd("account", "use", "bench"), env)
        add = cli_cmd("cloud", "add", "--provider", "aws", "--account-id", "123456789012", "--json")
        cloud = json.loads(run(add, env))["id"]
        sites = ("us1", "eu1", "ap1", "cn2")
        ids = [f"wksp_{n:06d}" for n in range(args.rows)]
        csv_path = work / "workspaces.csv"
        csv_path.write_text(
            "id,name,site\n"
            + "".join(f"{i},Workspace {n},{sites[n % 4]}\n" for n, i in enumerate(ids)),
            encoding="utf-8",
        )
        run(cli_cmd("workspace", "add", "--from-file", str(csv_path), "--json"), env)
        ids_path = work / "ids.txt"
        ids_path.write_text("\n".join(ids) + "\n", encoding="utf-8")
        desired = work / "bindings.toml"
        desired.write_text(
            f"version = 1\n\n[cloud.{cloud}]\nexclusive = true\nworkspaces = [\n"
            + "".join(f'  "{i}",\n' for i in ids)
            + "]\n",
            encoding="utf-8",
        )
        store, pristine = home / "billing.db", work / "pristine.db"
        checkpoint = (
            f"import sqlite3; sqlite3.connect({str(store)!r})"
            ".execute('PRAGMA wal_checkpoint(TRUNCATE)')"
        )
        run([PY, "-c", checkpoint], env)
        shutil.copyfile(store, pristine)

        plan_s, apply_s, dry_s, bind_s = [], [], [], []
        for _ in range(args.runs):
            # Interleaved, each from the same pristine store, so all see the same load.
            fresh(pristine, store)
            out, wall = timed(
                cli_cmd("bindings", "plan", str(desired), "--json"), env, label="plan"
            )
            assert json.loads(out)["summary"]["bind"] == args.rows
            plan_s.append(wall)
            out, wall = timed(
                cli_cmd(
                    "cloud", "bind", cloud, "--from-file", str(ids_path), "--dry-run", "--json"
                ),
                env,
                label="dry",
            )
            assert json.loads(out)["summary"]["bound"] == args.rows
            dry_s.append(wall)
            out, wall = timed(
                cli_cmd("bindings", "apply", str(desired), "--yes", "--json"), env, label="apply"
            )
            assert json.loads(out)["summary"]["bind"] == args.rows
            apply_s.append(wall)
            fresh(pristine, store)
            out, wall = timed(
                cli_cmd("cloud", "bind", cloud, "--from-file", str(ids_path), "--json"),
                env,
                label="bind",
            )
            assert json.loads(out)["summary"]["bound"] == args.rows
            bind_s.append(wall)
        # After the last `cloud bind`: every row is as the file says.
        out, again_s = timed(cli_cmd("bindings", "apply", str(desired), "--yes", "--json"), env)
        assert json.loads(out)["summary"]["unchanged"] == args.rows
        _, noop_plan_s = timed(
            cli_cmd("bindings", "plan", str(desired), "--detailed-exitcode", "--json"), env
        )

        for _ in range(args.runs):  # the floor: any local command (start-up, imports, store)
            timed(cli_cmd("profile", "show", "--json"), env, label="floor")
        plan, apply_, dry, bind = (statistics.median(v) for v in (plan_s, apply_s, dry_s, bind_s))
        cpu = {label: statistics.median(v) for label, v in CPU.items() if label}
        print(f"rows: {args.rows}, runs: {args.runs} (medians)")
        print(
            f"bindings plan --json:                 {plan:7.3f} s   target <= 2 s "
            f"{'ok' if plan <= 2 else 'MISSED'}"
        )
        print(
            f"bindings apply --yes --json:          {apply_:7.3f} s   target <= 2 s "
            f"{'ok' if apply_ <= 2 else 'MISSED'}"
        )
        print(f"baseline cloud bind --dry-run --json:  {dry:7.3f} s")
        print(f"baseline cloud bind --json:            {bind:7.3f} s")
        print(f"ratio plan / cloud bind --dry-run:     {plan / dry:7.2f}x")
        print(f"ratio apply / cloud bind:              {apply_ / bind:7.2f}x")
        print(
            f"CPU plan / apply:                      {cpu['plan']:7.3f} s / {cpu['apply']:.3f} s"
            "  (the wall times above include waiting for a loaded machine)"
        )
        print(
            f"CPU ratios: plan / bind --dry-run {cpu['plan'] / cpu['dry']:.2f}x, "
            f"apply / bind {cpu['apply'] / cpu['bind']:.2f}x; "
            f"floor (profile show --json) CPU {cpu['floor']:.3f} s"
        )
        print(f"apply again (all unchanged):           {again_s:7.3f} s")
        print(f"plan with nothing to change:           {noop_plan_s:7.3f} s")
        return 0 if plan <= 2 and apply_ <= 2 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
