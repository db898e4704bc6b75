"""guance-billing: administration of Guance Billing Center accounts."""

__version__ = "0.4.0"
