"""`guance-billing phone`: change | verify | resend | status | cancel (see ``change_flow``)."""

from __future__ import annotations

from guance_billing_cli.cli.toolkit.change_flow import build_app

app = build_app("phone")
