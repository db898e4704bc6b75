"""`make schemas`: write the JSON Schema of every command's --json output.

Writes src/guance_billing_cli/data/output_schemas/<command>.json from the models in
schemas/cli_output.py (removing files of commands no longer listed) and refuses a
change that breaks readers without a version bump (docs/output-schemas.md).

`--release` also copies them to docs/output-schemas/released/: the baseline that
tests/test_output_schemas.py holds the next versions to (run it when cutting a release).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from guance_billing_cli.schemas import cli_output
from guance_billing_cli.schemas.output_compat import against_baseline

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "docs" / "output-schemas" / "released"


def baseline() -> dict[str, dict]:
    return {f.stem: json.loads(f.read_text()) for f in sorted(RELEASED.glob("*.json"))}


def main(argv: list[str]) -> int:
    built = cli_output.build_all()
    refused = against_baseline(baseline(), built)
    if refused:
        print("these changes break readers of --json output:", file=sys.stderr)
        for line in refused:
            print("  " + line, file=sys.stderr)
        print(
            "bump the command's version in src/guance_billing_cli/schemas/cli_output.py "
            "(OUTPUTS), or keep the old shape; nothing written",
            file=sys.stderr,
        )
        return 1
    target = cli_output.PACKAGE_DATA
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.json"):
        if stale.stem not in built:
            stale.unlink()
    for name, schema in built.items():
        (target / f"{name}.json").write_text(cli_output.dumps(schema))
    print(f"wrote {len(built)} schemas to {target.relative_to(ROOT)}")
    if "--release" in argv:
        RELEASED.mkdir(parents=True, exist_ok=True)
        for old in RELEASED.glob("*.json"):
            old.unlink()
        for name in built:
            shutil.copy(target / f"{name}.json", RELEASED / f"{name}.json")
        print(f"copied them to {RELEASED.relative_to(ROOT)} (the baseline of the next release)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
