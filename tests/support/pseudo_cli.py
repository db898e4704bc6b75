"""``guance-billing`` with the pseudo-locale served for zh-CN: tests only.

A real-terminal test runs ``python tests/support/pseudo_cli.py --lang zh-CN ...`` where a user
would run ``guance-billing --lang zh-CN ...``: the same entry point, the same code paths,
only the zh-CN catalog is the pseudo one (``pseudo_locale.py``).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pseudo_locale

pseudo_locale.serve()

from guance_billing_cli.__main__ import main  # noqa: E402

sys.argv[0] = "guance-billing"
main()
