"""The FastAPI server: one REST endpoint per ``BillingClient`` operation (``server/app.py``)."""
