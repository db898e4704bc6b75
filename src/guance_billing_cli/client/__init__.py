"""The thin client: one interface (``protocol.BillingClient``), two transports."""
