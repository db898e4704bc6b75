"""guance-billing: administration of Guance Billing Center accounts."""

__version__ = "0.1.0"
