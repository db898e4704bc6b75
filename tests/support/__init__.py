"""Helpers for the tests, imported as ``from tests.support.<module> import ...``.

- ``cli``: ``Run`` (one CLI run: exit code, stdout, stderr, ``.json``, ``.error``), ``CliFn``
- ``accounts``: the account set-up, written once (``account_args``, ``AccountMaker``)
- ``backends``: the backend matrix (names, ``--backends`` parsing, markers, tiers)
- ``store``: SQL on the running test's store (``StoreDB``, ``store_dump``, ``active_store``)
- ``pg``: the test PostgreSQL server (``PG_URL``, databases, ``pg_dump``)
- ``remote``: the in-process server of the remote backends (``RemoteServer``)
- ``servers``: real servers: ``free_port``, uvicorn in a thread, ``server run`` processes
- ``terminal``: the CLI on a pseudo-terminal; ``tmux``: a real terminal (bash in tmux)
- ``mail``: the outbox (mails, SMS, codes); ``settlement``: clouds, workspaces, bindings
- ``race``: processes that really race (``race_runner.py`` is the process)
- ``clock``, ``memory_keyring``, ``cn_ids``, ``pseudo_locale``, ``audit_attacker``,
  ``hanging_keyring`` (a keyring backend for real processes)
"""
