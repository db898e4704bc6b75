"""Print a store's schema as sorted text (tests/support/schema.py), to ``diff`` two.

    python scripts/schema_dump.py STORE_URL            # the store as it is
    python scripts/schema_dump.py STORE_URL --to 0005  # first migrate it to 0005 (or head)

STORE_URL is ``sqlite:///path`` or ``postgresql+psycopg://...``; ``--to`` on an empty
store creates it at that revision. Used to prove that squashing migrations changed no
table, column, constraint or index (docs/upgrade.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guance_billing_cli.store import engine as store_engine
from tests.support.schema import store_schema


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--to", help="migrate to this revision first (e.g. 0005, head)")
    args = parser.parse_args(argv)
    if args.to:
        engine = store_engine.create_store_engine(args.url)
        try:
            store_engine.upgrade(engine, args.to)
        finally:
            engine.dispose()
    print(store_schema(args.url))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
