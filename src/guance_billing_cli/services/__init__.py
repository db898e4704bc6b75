"""Every business rule lives here. Services are keyword-only functions taking a
``ServiceContext``; they raise ``errors`` and never print or touch a terminal."""
