"""The command line: one module per command group. Commands read options, maybe
prompt, call the client, and render. Nothing here imports store/, services/ or server/."""
