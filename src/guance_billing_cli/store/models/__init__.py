"""All tables. Importing this package registers every table on ``SQLModel.metadata``.

One module per domain; add yours to the import list below.
"""

from guance_billing_cli.store.models.accounts import Account
from guance_billing_cli.store.models.audit import AuditEvent

__all__ = ["Account", "AuditEvent"]
