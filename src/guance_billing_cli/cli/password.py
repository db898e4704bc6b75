"""`guance-billing password`: change the password, or reset it with a verification code."""

from __future__ import annotations

from typing import Annotated

import typer

from guance_billing_cli.cli import prompts, render
from guance_billing_cli.cli.options import AccountOption, JsonFlag
from guance_billing_cli.cli.state import account_ref, client, get_state
from guance_billing_cli.errors import InputRequired, InvalidInput

app = typer.Typer(help="Change or reset the account's login password.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the passwords from stdin, one a line (see the command's help).",
    ),
]
NEW_PASSWORD_TRIES = 3


def ask_new_password() -> str:
    """The new password, typed twice at a terminal (hidden)."""
    for _ in range(NEW_PASSWORD_TRIES):
        first = prompts.secret("New password:")
        if first == prompts.secret("Repeat the new password:"):
            return first
        render.warn("the two passwords differ; try again")
    raise InvalidInput("the new password was not repeated identically", field="password")


@app.command("change")
def change(
    ctx: typer.Context,
    account: AccountOption = None,
    password_stdin: PasswordStdin = False,
    as_json: JsonFlag = False,
) -> None:
    """Change the password: give the current one, then the new one.

    At a terminal both are asked for hidden (the new one twice). Without a terminal
    pass --password-stdin with two lines: the current password, then the new one.
    Policy: 8-64 characters, three of lower case, upper case, digits, symbols; not
    the username, email or phone; not a common password. Five wrong current
    passwords within 15 minutes lock `password change` (exit 8) until the window
    passes. An account without a password sets one with `password reset`.

    \b
    Example:
      printf '%s\\n%s\\n' "$OLD" "$NEW" | guance-billing password change --password-stdin --json
    """
    from guance_billing_cli.schemas.credentials import PasswordChange

    ref = account_ref(ctx, account)
    api = client(ctx)
    if not api.get_account(ref).has_password:
        # Nothing to ask for: the service refuses (exit 6) and points to `password reset`.
        current = new = ""
    elif password_stdin:
        current, new = prompts.read_stdin_lines(2, flag="--password-stdin")
    elif get_state(ctx).interactive:
        current = prompts.secret("Current password:")
        new = ask_new_password()
    else:
        raise InputRequired(
            "missing --password-stdin (no terminal to ask for the passwords)",
            field="password-stdin",
        )
    result = api.change_password(ref, PasswordChange(current_password=current, new_password=new))
    if as_json:
        render.write_json(result)
    else:
        render.success(f"Password changed at {result.changed_at:%Y-%m-%d %H:%M:%S} UTC.")
