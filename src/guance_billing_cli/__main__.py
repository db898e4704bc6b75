"""The program's entry point: ``guance-billing`` and ``python -m guance_billing_cli``.

Above ``app`` (the root command) and ``cli/completion/engine.py`` (which walks that
command), so neither imports the other's module to start.
"""

import sys


def main() -> None:
    if sys.argv[1:2] == ["__complete"]:  # the shell completion scripts call this
        from guance_billing_cli.cli.completion.engine import main as complete

        raise SystemExit(complete(sys.argv[2:]))
    from guance_billing_cli.app import app

    app(prog_name="guance-billing")


if __name__ == "__main__":
    main()
