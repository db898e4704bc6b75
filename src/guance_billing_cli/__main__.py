"""`python -m guance_billing_cli`."""

from guance_billing_cli.app import main

main()
