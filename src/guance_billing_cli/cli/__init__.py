"""The command line. ``commands/``: one module per command group (read options, maybe prompt,
call the client, render); ``toolkit/``: what the groups share; ``completion/`` and ``shell/``:
the two subsystems. Nothing here imports store/, services/ or server/ except the exceptions
listed in tests/test_layers.py."""
