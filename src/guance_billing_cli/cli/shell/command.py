"""`guance-billing shell`: a warm session at a terminal, or a script of commands.

At a terminal it is an interactive prompt (``cli/shell/terminal.py``); with commands
on stdin or ``--file`` it runs them one by one (script mode, below). Both run every
line through ``cli/shell/session.py``, which keeps the store engine or the server
connection open between commands.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from guance_billing_cli.cli.toolkit.options import Live
from guance_billing_cli.cli.toolkit.state import get_state
from guance_billing_cli.errors import ExitCode, InvalidInput

app = typer.Typer()


@app.command("shell")
def shell(
    ctx: typer.Context,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="Billing account to act on in this session (id, username, email or phone).",
            metavar="ACCOUNT",
        ),
        Live("accounts"),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="Run the commands in FILE (script mode); default: stdin when not a terminal.",
            metavar="FILE",
        ),
    ] = None,
    keep_going: Annotated[
        bool,
        typer.Option(
            "--keep-going", "-k", help="Script mode: run on after a failure; exit 9 if any failed."
        ),
    ] = False,
    echo: Annotated[
        bool,
        typer.Option("--echo", help="Script mode: print each command to stderr before it runs."),
    ] = False,
) -> None:
    """Run guance-billing commands in one session, without paying start-up per command.

    At a terminal: a prompt such as `billing acme@local>` that takes every command
    without the program name, with completion (Tab) and history. `use ACCOUNT` switches
    the account, `exit` or Ctrl-D leaves, Ctrl-C cancels the line or the running
    command. History is kept in a 0600 file; a line with a secret (--code,
    --password..., --id-number, a token) is never written to it.

    Script mode (commands on stdin, or --file): one command a line, `#` comments and
    blank lines skipped, quoting as in the shell. It stops at the first failing
    command with that command's exit code; with --keep-going it runs every line and
    exits 9 if any failed.

    \b
    Example:
      guance-billing shell --account acme
      guance-billing shell --echo < steps.txt
      guance-billing shell --file steps.txt --keep-going
    """
    from guance_billing_cli.cli.shell.session import Session

    state = get_state(ctx)
    account = account or state.account  # `shell --account A` or the global `--account A shell`
    script = _script_source(file)
    with Session(state, account=account) as session:
        if account and script is None:
            # a mistyped --account is said at once, not at the first command
            code = session.use([account])
            if code:
                raise typer.Exit(code)
        if script is None:
            from guance_billing_cli.cli.shell.terminal import run_terminal

            raise typer.Exit(run_terminal(session))
        with script:
            try:
                code = run_script(session, script, keep_going=keep_going, echo=echo)
            except UnicodeDecodeError:  # the lines before it ran, as `sh` would have
                where = str(file) if file is not None else "stdin"
                raise InvalidInput("not_a_text_file", field="file", path=where) from None
            raise typer.Exit(code)


def _script_source(file: Path | None) -> Any:
    """The open script, or None for the interactive prompt."""
    if file is not None:
        try:
            return open(file, encoding="utf-8")  # closed by the caller's `with`
        except OSError as exc:
            raise InvalidInput(
                "file_unreadable", field="file", path=str(file), why=exc.strerror
            ) from None
    if sys.stdin.isatty() and sys.stdout.isatty():
        return None
    if sys.stdin.isatty():  # a terminal, but output piped: no prompt to draw
        raise InvalidInput("no_commands", field="file")
    return _Borrowed(sys.stdin)


class _Borrowed:
    """stdin as a script source: used in a `with` block, but never closed.

    While the script comes from stdin, a command finds stdin empty: its lines are the
    script's, not data (`--code-stdin`, `--from-file -` then fail at once instead of
    eating the next commands). With --file, stdin is the commands' to read.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def readline(self) -> str:
        return str(self.stream.readline())

    @contextmanager
    def command_stdin(self) -> Iterator[None]:
        saved = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
        try:
            yield
        finally:
            sys.stdin = saved


def run_script(session: Any, source: Any, *, keep_going: bool, echo: bool) -> int:
    """Run each line; the exit code of the first failure, or 9 with ``keep_going``."""
    from guance_billing_cli.cli.shell.secrets import masked_line
    from guance_billing_cli.cli.shell.session import logical_lines

    failed: list[int] = []
    for number, line in logical_lines(source):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if echo:
            sys.stderr.write(f"+ {masked_line(line.strip())}\n")
            sys.stderr.flush()
        with getattr(source, "command_stdin", nullcontext)():
            outcome = session.run_line(line)
        if outcome.leave:
            return outcome.exit_code
        if outcome.exit_code == 0:
            continue
        if outcome.exit_code == int(ExitCode.INTERRUPTED):
            _note(f"line {number}: interrupted; stopped")
            return outcome.exit_code
        if not keep_going:
            _note(f"line {number} failed with exit {outcome.exit_code}; stopped")
            return outcome.exit_code
        failed.append(number)
    if failed:
        lines = ", ".join(str(n) for n in failed)
        _note(f"{len(failed)} command(s) failed (line {lines})")
        return int(ExitCode.PARTIAL)
    return 0


def _note(message: str) -> None:
    sys.stderr.write(f"shell: {message}\n")
    sys.stderr.flush()
