"""Every business rule lives here. Services are keyword-only functions taking a
``ServiceContext``; they raise ``errors`` and never print or touch a terminal. Their own
tools live here too: ``clock`` (the one source of now), ``ids``, ``notices`` (the emails
and texts they send)."""
