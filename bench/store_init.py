"""`store init` on a fresh SQLite file: the baseline ``0005`` against the pre-release
chain it replaced (issue 20): `python bench/store_init.py [--runs 11]`.

The old chain (``0001``–``0005`` as they were at ``BASE``, read with ``git show``) is
put in a temporary copy of the migrations folder beside the revisions that follow
it; alembic runs on that copy or on the package's own folder, exactly as
``store init`` runs it (``store/engine.py``, ``upgrade``: one write transaction).
Rounds alternate (old, new) so a noisy machine shifts both; prints the median and
the fastest time of each and their ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "src" / "guance_billing_cli" / "store" / "migrations"
#: the last commit with the pre-release chain 0001 → 0005
BASE = "4ca5967"
OLD = (
    "0001_accounts.py",
    "0002_verification.py",
    "0003_credentials_realname_invoices.py",
    "0004_cloud_workspaces.py",
    "0005_server_tokens.py",
)


def old_migrations(into: Path) -> Path:
    """A copy of the migrations folder with the pre-release chain instead of the baseline."""
    folder = into / "migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "0005_release_0_1_0.py").unlink()
    for name in OLD:
        path = f"src/guance_billing_cli/store/migrations/versions/{name}"
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{BASE}:{path}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (folder / "versions" / name).write_text(text)
    return folder


def init_once(workdir: Path, script_location: str | None) -> tuple[float, str]:
    """Seconds to create a store at head on a new SQLite file; its schema."""
    from alembic import command

    from guance_billing_cli.store import engine as store_engine
    from tests.support.schema import sqlite_schema

    db = workdir / f"init-{time.monotonic_ns()}.db"
    url = f"sqlite:///{db}"
    engine = store_engine.create_store_engine(url)
    cfg = store_engine.alembic_config(engine)
    if script_location is not None:
        cfg.set_main_option("script_location", script_location)
    start = time.perf_counter()
    with engine.connect() as conn:
        conn = conn.execution_options(**store_engine.WRITE, schema_guard=False)
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    took = time.perf_counter() - start
    engine.dispose()
    schema = sqlite_schema(str(db))
    db.unlink()
    return took, schema


def main() -> None:
    import sys

    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        old = str(old_migrations(workdir))
        _, old_schema = init_once(workdir, old)  # warm-up: imports, both folders
        _, new_schema = init_once(workdir, None)
        assert old_schema == new_schema, "the baseline's schema differs from the chain's"
        times: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(args.runs):
            times["old"].append(init_once(workdir, old)[0])
            times["new"].append(init_once(workdir, None)[0])
    old_ms, new_ms = (statistics.median(times[k]) * 1000 for k in ("old", "new"))
    old_min, new_min = (min(times[k]) * 1000 for k in ("old", "new"))
    print(f"store init, fresh SQLite file, {args.runs} runs each (same schema at head):")
    print(f"  chain 0001..0005 + 6 revisions: median {old_ms:6.1f} ms, min {old_min:6.1f} ms")
    print(f"  baseline 0005   + 6 revisions: median {new_ms:6.1f} ms, min {new_min:6.1f} ms")
    print(f"  ratio new/old: median {new_ms / old_ms:.2f}, min {new_min / old_min:.2f}")


if __name__ == "__main__":
    main()
