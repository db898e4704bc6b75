"""One shell session: command lines run through the CLI's own tree, with warm clients.

Each line is parsed like a command line (``shlex``) and handed to the root command
exactly as ``guance-billing WORDS`` would be, after the session's global options
(``--store``, ``--server``, ``--profile``, ...), so errors, exit codes and ``--json``
are the CLI's own and a command's options never reach the next command: each command
resolves its own settings (``AppState``), speaks its own language (``--lang``) and
restores the session's when it ends. What does carry over is deliberate, and is handed
to each command as a ``SessionLink`` (never through a module global or the process
environment): the session's account (``use``) and the open store engine or HTTP
connection (``ClientPool``), which is where the speed comes from.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from guance_billing_cli.cli.toolkit.state import AppState, SessionLink, make_client
from guance_billing_cli.errors import BillingError, ExitCode, InvalidInput

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient
    from guance_billing_cli.config import Settings

PROG = "guance-billing"
# After these a client may hold a half-read response or an interrupted statement:
# it is closed and the next command opens a fresh one.
SUSPECT_EXITS = (int(ExitCode.INTERNAL), int(ExitCode.UNAVAILABLE), int(ExitCode.INTERRUPTED))
BUILTINS_HELP = """Shell commands:
  use ACCOUNT   act on ACCOUNT for the rest of this session (`use` alone shows it)
  help          this text and the command list (`help COMMAND` for one command)
  exit, quit    leave the shell (also Ctrl-D)
Every other line is a guance-billing command without the program name."""


class ClientPool:
    """Clients kept open across a session's commands: one per store, one per server."""

    def __init__(self) -> None:
        self._clients: dict[tuple[Any, ...], Any] = {}

    @staticmethod
    def _key(settings: Settings) -> tuple[Any, ...]:
        if settings.server_url:
            return (
                "server",
                settings.server_url,
                settings.ca_bundle,
                settings.get("timeout"),
                settings.insecure_http,
            )
        return ("store", settings.store_url)

    def __call__(self, settings: Settings) -> BillingClient:
        key = self._key(settings)
        client: Any = self._clients.get(key)
        if client is None:
            client = self._clients[key] = make_client(settings)
        # Settings are read afresh by every command (a `config set` is seen by the
        # next one); so is the server token (`auth login` / `logout` change it).
        client.settings = settings
        if hasattr(client, "_token"):
            client._token = None
        return client  # type: ignore[no-any-return]

    def settle(self, exit_code: int) -> None:
        """After a command: no connection stays checked out, no suspect client stays."""
        for key, client in list(self._clients.items()):
            if exit_code in SUSPECT_EXITS or self._busy(client):
                self._drop(key, client)

    @staticmethod
    def _busy(client: Any) -> bool:
        engine = getattr(client, "_engine", None)  # LocalClient's engine, if opened
        if engine is None or not hasattr(engine.pool, "checkedout"):
            return False
        if engine.pool.checkedout():
            gc.collect()  # an abandoned result stream gives its connection back here
        return bool(engine.pool.checkedout())

    def _drop(self, key: tuple[Any, ...], client: Any) -> None:
        del self._clients[key]
        with contextlib.suppress(Exception):  # a broken connection may fail to close
            client.close()

    def close(self) -> None:
        for key, client in list(self._clients.items()):
            self._drop(key, client)


@dataclass
class Outcome:
    exit_code: int = 0
    leave: bool = False  # `exit` / `quit`


@dataclass
class Session:
    """The state a shell keeps between lines, and how one line runs."""

    state: AppState  # the `shell` invocation's own global options
    account: str | None = None  # set by --account / `use`; None: the profile's
    pool: ClientPool = field(default_factory=ClientPool)
    _root: Any = None
    _names: dict[str, str] = field(default_factory=dict)  # account ref -> username

    # -- lifetime --------------------------------------------------------------
    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.close()

    @property
    def root(self) -> Any:
        """The root click command, built once so command groups stay built."""
        if self._root is None:
            from typer.main import get_command

            from guance_billing_cli.app import app

            self._root = get_command(app)
        return self._root

    def global_args(self) -> list[str]:
        s = self.state
        args: list[str] = []
        for flag, value in (
            ("--store", s.store),
            ("--server", s.server),
            ("--profile", s.profile),
            ("--ca-bundle", s.ca_bundle),
            ("--lang", s.lang),
        ):
            if value:
                args += [flag, value]
        if s.debug:
            args.append("--debug")
        if s.no_input:
            args.append("--no-input")
        if s.insecure_http:
            args.append("--insecure-http")
        return args

    def completion_args(self) -> list[str]:
        """The global options a line is completed with: the session's, and its account."""
        return [*self.global_args(), *(["--account", self.account] if self.account else [])]

    def link(self) -> SessionLink:
        """What the next command gets from this session."""
        return SessionLink(client_source=self.pool, account=self.account)

    def fresh_state(self) -> AppState:
        """An AppState as a command of this session starts with."""
        s = self.state
        return AppState(
            debug=s.debug,
            no_input=s.no_input,
            store=s.store,
            server=s.server,
            profile=s.profile,
            account=self.account,
            lang=s.lang,
            ca_bundle=s.ca_bundle,
            insecure_http=s.insecure_http,
        )

    def settings(self) -> Settings:
        return self.fresh_state().settings

    # -- one line --------------------------------------------------------------
    def run_line(self, line: str) -> Outcome:
        """Run one line; errors are printed as the CLI prints them."""
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            return Outcome(self._fail(InvalidInput("unreadable_line", why=str(exc))))
        if not words:
            return Outcome()
        name, rest = words[0], words[1:]
        if name in ("exit", "quit"):
            return self._exit(rest)
        if name == "help":  # `help` lists everything, `help cloud bind` = `cloud bind --help`
            if not rest:
                sys.stdout.write(BUILTINS_HELP + "\n\n")
            return Outcome(self.run_args([*rest, "--help"]))
        if name == "use":
            return Outcome(self.use(rest))
        if name == "shell":
            return Outcome(self._fail(InvalidInput("already_in_shell")))
        return Outcome(self.run_args(words))

    def run_args(self, words: list[str]) -> int:
        args = [*self.global_args(), *words]
        saved_argv = sys.argv
        # the error boundary reads --json / --debug from argv
        sys.argv = [PROG, *args]
        code = int(ExitCode.INTERRUPTED)
        try:
            code = int(
                self.root.main(args=args, prog_name=PROG, standalone_mode=False, obj=self.link())
                or 0
            )
        except KeyboardInterrupt:  # Ctrl-C outside the boundary (parsing, rendering)
            sys.stderr.write("interrupted\n")
        finally:
            sys.argv = saved_argv
            sys.stdout.flush()
            self.pool.settle(code)
        return code

    def _exit(self, rest: list[str]) -> Outcome:
        if not rest:
            return Outcome(0, leave=True)
        if len(rest) == 1 and rest[0].isdigit():
            return Outcome(int(rest[0]), leave=True)
        return Outcome(self._fail(InvalidInput("builtin_usage", usage="exit [CODE]")))

    def use(self, rest: list[str]) -> int:
        """``use ACCOUNT``: check the account exists, then act on it from now on."""
        as_json = "--json" in rest
        refs = [w for w in rest if w != "--json"]
        if not refs:
            current = self.settings().account
            sys.stdout.write(f"{current or '(no account selected)'}\n")
            return 0
        if len(refs) > 1:
            return self._fail(InvalidInput("builtin_usage", usage="use ACCOUNT"), as_json=as_json)
        try:
            account = self.pool(self.settings()).get_account(refs[0])
        except BillingError as error:
            code = self._fail(error, as_json=as_json)
            self.pool.settle(code)
            return code
        self.account = account.username
        return 0

    @staticmethod
    def _fail(error: BillingError, *, as_json: bool = False) -> int:
        from guance_billing_cli.cli.toolkit import render

        render.error(error.to_dict(), as_json=as_json)
        return int(error.exit_code)

    # -- what the prompt shows ---------------------------------------------------
    def prompt_label(self) -> str:
        """``billing acme@local> ``: profile (unless default), account, store or server."""
        try:
            settings = self.settings()
        except BillingError:
            return "billing ?> "
        name = "billing" if settings.profile == "default" else f"billing[{settings.profile}]"
        account = settings.account
        where = target_label(settings)
        if not account:
            return f"{name} {where}> "
        return f"{name} {self._username(account, settings)}@{where}> "

    def _username(self, ref: str, settings: Settings) -> str:
        """The username of an account id, email or phone (they read badly in a prompt)."""
        if not ref.startswith(("acc_", "+")) and "@" not in ref:
            return ref  # already a username: no lookup
        if ref not in self._names:
            self._names[ref] = ref
            # the prompt shows the reference as given if the lookup fails for any reason
            with contextlib.suppress(Exception):
                client = self.pool(settings)
                self._names[ref] = client.get_account(ref).username
        return self._names[ref]


def target_label(settings: Settings) -> str:
    """``local`` for the default store, else the store file or server host."""
    from urllib.parse import urlsplit

    from guance_billing_cli import paths

    if settings.server_url:
        return urlsplit(settings.server_url).netloc or settings.server_url
    url = settings.store_url
    if url == f"sqlite:///{paths.default_store_path()}":
        return "local"
    if url.startswith("sqlite:///"):
        return "local:" + os.path.basename(url.split("?", 1)[0])
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme.split('+', 1)[0]}:{host}{parts.path}"


def logical_lines(stream: Any) -> Iterator[tuple[int, str]]:
    """Lines of a script with their numbers; a trailing backslash joins the next line.

    Read one line at a time, so a command that reads stdin (``--code-stdin``,
    ``--from-file -``) gets the lines after its own, as in ``sh < steps.txt``.
    """
    number = 0
    while True:
        raw = stream.readline()
        if not raw:
            return
        number += 1
        start, line = number, raw.rstrip("\r\n")
        while line.endswith("\\"):
            more = stream.readline()
            if not more:
                break
            number += 1
            line = line[:-1] + more.rstrip("\r\n")
        yield start, line
