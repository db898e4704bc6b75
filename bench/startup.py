"""Start-up benchmark (DESIGN §6): run with `make bench` or `python bench/startup.py`.

Medians of wall time over N runs, each command measured in the same run as its
baseline so a noisy machine shifts both:

- `guance-billing --version` and `--help` against `python -c "import typer"`
  (target: <= 1.5x);
- `guance-billing schema cloud bind` (reads a shipped JSON file; no model, no store)
  against `guance-billing completion bash`, the lightest command before it: typer
  0.29 builds pydantic adapters for every command it runs (target: <= 1.15x);
- `guance-billing profile show --json` on a local store against
  `python -c "import sqlmodel"` (target: <= 1.25x).

Both sides run with bytecode caching on (PYTHONDONTWRITEBYTECODE is dropped),
as after a normal `pip install`: site-packages is compiled at install time,
and comparing our compiled-from-source modules against its cached ones would
measure the compiler, not the tool.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BENCH_ACCOUNT, like_an_install

PY = sys.executable
BIN = Path(PY).parent / "guance-billing"


def cli_cmd(*args: str) -> list[str]:
    return [str(BIN), *args] if BIN.exists() else [PY, "-m", "guance_billing_cli", *args]


def median_ms(cmd: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples[1:])  # first run warms the page cache


def paired_median_ms(
    cmd: list[str], base: list[str], env: dict[str, str], runs: int
) -> tuple[float, float]:
    """Medians of ``cmd`` and ``base`` run alternately (for two commands of ours whose
    difference is small: a load that comes and goes weighs on both alike)."""
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(runs + 1):  # the first round warms the page cache
        for argv, samples in ((cmd, mine), (base, theirs)):
            start = time.perf_counter()
            subprocess.run(
                argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
            )
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(mine[1:]), statistics.median(theirs[1:])


def main() -> int:
    like_an_install()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="gb-bench-"))
    env = {**os.environ, "GUANCE_BILLING_HOME": str(home), "NO_COLOR": "1"}
    env.pop("GUANCE_BILLING_SERVER", None)
    subprocess.run(
        cli_cmd(
            *BENCH_ACCOUNT,
        ),
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(
        cli_cmd("account", "use", "bench"),
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    rows = [
        ("--version", cli_cmd("--version"), "import typer", 1.5),
        ("--help", cli_cmd("--help"), "import typer", 1.5),
        # typer 0.29 builds pydantic adapters for the parameters whenever a command runs
        # (~2.5x `import typer` alone), so `schema` is held to the lightest command that
        # existed before it: it must cost no more than `completion bash`.
        ("schema cloud bind", cli_cmd("schema", "cloud", "bind"), "completion bash", 1.15),
        ("profile show --json", cli_cmd("profile", "show", "--json"), "import sqlmodel", 1.25),
    ]
    baselines: dict[str, float] = {}
    failed = False
    print(f"{'command':<24}{'median ms':>10}  {'baseline':<24}{'base ms':>8}{'ratio':>7}  target")
    for name, cmd, base, target in rows:
        # Interleave command and baseline so both see the same machine load.
        if base == "completion bash":
            cmd_ms, baselines[base] = paired_median_ms(cmd, cli_cmd(*base.split()), env, args.runs)
        else:
            cmd_ms = median_ms(cmd, env, args.runs)
            baselines[base] = median_ms([PY, "-c", base], env, args.runs)
        ratio = cmd_ms / baselines[base]
        ok = ratio <= target
        failed |= not ok
        print(
            f"{name:<24}{cmd_ms:>10.1f}  {base:<24}{baselines[base]:>8.1f}{ratio:>7.2f}  "
            f"<= {target} {'ok' if ok else 'MISSED'}"
        )
    shutil.rmtree(home, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
