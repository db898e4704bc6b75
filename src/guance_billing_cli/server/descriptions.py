"""One sentence per operation for the OpenAPI document (issue 24): what it does and
what an integrator must know. A new row of ``client/operations.py`` gets one here
(``tests/test_api_http.py`` checks every operation has one)."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    # accounts and profile
    # email / phone change
    # tokens and login
    # passwords, real-name, invoices
    # audit
    # completion
}
