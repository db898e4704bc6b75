"""The shell at a terminal: a prompt_toolkit prompt with completion and history.

Completion is a thin adapter over ``cli/completion/engine.py``, the source that
``guance-billing completion`` uses too, so the shell and the login shell offer the
same commands, options and live values. History lives in a 0600 file in the state
directory; a line that carries a secret is kept for this session only, never written.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory

from guance_billing_cli import paths
from guance_billing_cli.cli.shell.secrets import carries_secret

if TYPE_CHECKING:
    from guance_billing_cli.cli.shell.session import Session

HISTORY_FILE = "shell_history"
SHELL_WORDS = (("use", "act on another account"), ("exit", "leave the shell"), ("help", ""))


def history_path() -> Path:
    return paths.state_dir() / HISTORY_FILE


class PrivateHistory(FileHistory):
    """A 0600 history file that never receives a line carrying a secret."""

    def __init__(self, path: Path) -> None:
        paths.touch_private_file(path)
        os.chmod(path, 0o600)  # also an older file created with a looser mode
        super().__init__(str(path))

    def store_string(self, string: str) -> None:
        if carries_secret(string):
            return  # still recalled with the up arrow in this session (memory only)
        super().store_string(string)


class ShellCompleter(Completer):
    """prompt_toolkit's side of completion; the candidates come from the command tree."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        from typer._click.shell_completion import split_arg_string

        text = document.text_before_cursor
        args = split_arg_string(text)
        incomplete = "" if not text or text[-1].isspace() else (args.pop() if args else "")
        for value, meta in self.candidates(args, incomplete):
            shown = shlex.quote(value) if value else value
            yield Completion(shown, start_position=-len(incomplete), display_meta=meta or None)

    def candidates(self, args: list[str], incomplete: str) -> list[tuple[str, str]]:
        from guance_billing_cli.cli.completion import engine as completion

        if args[:1] == ["use"]:
            # `use X` takes what the global `--account X` takes
            args = ["--account"] if len(args) == 1 else ["--"]
        found: list[tuple[str, str]] = []
        if not args:
            found += [(w, h) for w, h in SHELL_WORDS if w.startswith(incomplete)]
        # the session's global options select the store or server of live values
        words = [*self.session.completion_args(), *args]
        # any failure (a store or server that is down) must not break typing
        with contextlib.suppress(Exception):
            found += [(c.value, c.help) for c in completion.complete(words, incomplete)]
        return found


def run_terminal(session: Session) -> int:
    """The prompt loop. Returns the shell's exit code (0, or `exit N`)."""
    from prompt_toolkit import PromptSession

    prompt: PromptSession[str] = PromptSession(
        history=PrivateHistory(history_path()),
        completer=ShellCompleter(session),
        complete_while_typing=False,  # Tab asks; live values are not queried per keystroke
    )
    sys.stderr.write("guance-billing shell: `help` lists commands; Ctrl-D or `exit` leaves.\n")
    while True:
        try:
            line = prompt.prompt(session.prompt_label())
        except KeyboardInterrupt:  # Ctrl-C at the prompt: drop the line, stay
            continue
        except EOFError:  # Ctrl-D
            return 0
        try:
            outcome = session.run_line(line)
        except KeyboardInterrupt:  # between the boundary and the next prompt
            sys.stderr.write("interrupted\n")
            continue
        if outcome.leave:
            return outcome.exit_code
