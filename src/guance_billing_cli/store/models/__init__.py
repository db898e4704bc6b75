"""All tables. Importing this package registers every table on ``SQLModel.metadata``.

One module per domain; add yours to the import list below.
"""

from guance_billing_cli.store.models.accounts import Account
from guance_billing_cli.store.models.audit import AuditEvent
from guance_billing_cli.store.models.cloud import CloudAccount, Workspace
from guance_billing_cli.store.models.credentials import PasswordAttempt
from guance_billing_cli.store.models.invoices import InvoiceAddress, InvoiceRequest, InvoiceTitle
from guance_billing_cli.store.models.realname import RealnameSubmission
from guance_billing_cli.store.models.tokens import ApiToken, LoginFailure
from guance_billing_cli.store.models.verification import ChangeRequest, StoreSecret

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "ChangeRequest",
    "CloudAccount",
    "InvoiceAddress",
    "InvoiceRequest",
    "InvoiceTitle",
    "LoginFailure",
    "PasswordAttempt",
    "RealnameSubmission",
    "StoreSecret",
    "Workspace",
]
