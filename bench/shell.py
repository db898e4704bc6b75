"""Shell benchmark (issue 16): run with `python bench/shell.py [--commands 200]`.

`guance-billing shell` runs 200 `profile show --json` from stdin (script mode) on a
local SQLite store; the same run measures a cold `guance-billing profile show --json`
(one process per command) as the baseline.

- per warm command: (time of a script of N+1 commands - time of a script of 1) / N,
  i.e. what one more command costs once the session is up (target <= 20 ms);
- per command, start-up included: time of the N+1 script / (N+1);
- cold: the median wall time of one `profile show --json` process;
- speed-up: cold / per warm command (target >= 15x).

Medians over --runs repetitions, scripts and cold runs interleaved so both see the
same machine load. Bytecode cached, as after `pip install` (see bench/common.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import BENCH_ACCOUNT, cli_cmd, like_an_install

LINE = "profile show --json\n"


def timed(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        cmd, env=env, input=stdin, capture_output=True, text=True, check=False, timeout=300
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed * 1000, done.stdout


def prepare(env: dict[str, str]) -> None:
    for args in (BENCH_ACCOUNT, ("account", "use", "bench")):
        timed(cli_cmd(*args), env)


def main() -> int:
    like_an_install()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    n = args.commands

    home = Path(tempfile.mkdtemp(prefix="gb-bench-shell-"))
    env = {**os.environ, "GUANCE_BILLING_HOME": str(home), "NO_COLOR": "1"}
    for name in ("GUANCE_BILLING_SERVER", "GUANCE_BILLING_STORE", "GUANCE_BILLING_ACCOUNT"):
        env.pop(name, None)
    try:
        prepare(env)
        shell = cli_cmd("shell")
        timed(shell, env, LINE)  # warm the page cache
        timed(cli_cmd("profile", "show", "--json"), env)
        one, many, cold = [], [], []
        for _ in range(args.runs):
            one.append(timed(shell, env, LINE)[0])
            elapsed, out = timed(shell, env, LINE * (n + 1))
            many.append(elapsed)
            for _ in range(3):
                cold.append(timed(cli_cmd("profile", "show", "--json"), env)[0])
        check_output(out, n + 1)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    one_ms, many_ms, cold_ms = (statistics.median(x) for x in (one, many, cold))
    warm = (many_ms - one_ms) / n
    amortized = many_ms / (n + 1)
    speedup = cold_ms / warm
    ok_time, ok_ratio = warm <= 20, speedup >= 15
    print(f"commands per script: {n + 1}; repetitions: {args.runs}; local SQLite store")
    print(f"shell with 1 command:         {one_ms:8.1f} ms (start-up + 1 command)")
    print(f"shell with {n + 1} commands:     {many_ms:8.1f} ms")
    print(f"per warm command:             {warm:8.2f} ms   target <= 20 ms: "
          f"{'ok' if ok_time else 'MISSED'}")  # fmt: skip
    print(f"per command, start-up shared: {amortized:8.2f} ms")
    print(f"cold profile show --json:     {cold_ms:8.1f} ms (median of {len(cold)})")
    print(f"speed-up, cold / warm:        {speedup:8.1f}x  target >= 15x: "
          f"{'ok' if ok_ratio else 'MISSED'}")  # fmt: skip
    return 0 if ok_time and ok_ratio else 1


def check_output(out: str, expected: int) -> None:
    """Every command really ran: one JSON document per line of the script."""
    decoder, index, count = json.JSONDecoder(), 0, 0
    while index < len(out):
        if out[index].isspace():
            index += 1
            continue
        doc, index = decoder.raw_decode(out, index)
        assert doc["username"] == "bench", doc
        count += 1
    if count != expected:
        raise SystemExit(f"expected {expected} profiles on stdout, got {count}")


if __name__ == "__main__":
    raise SystemExit(main())
