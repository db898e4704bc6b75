"""`guance-billing password`: change the password, or reset it with a verification code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import prompts, render
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, Live, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, get_state, given
from guance_billing_cli.cli.toolkit.words import describe
from guance_billing_cli.errors import InputRequired, InvalidInput, VerificationFailed
from guance_billing_cli.i18n import N_, _

app = typer.Typer(no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the passwords from stdin, one a line (see the command's help).",
    ),
]
# The second step of `password reset` and `password forgot`
ResetRequest = Annotated[
    str | None,
    typer.Argument(help="The reset request to finish (printed when it starts).", metavar="REQ"),
    Live("password_resets"),
]
CodeOption = Annotated[str | None, typer.Option(help="The 6-digit code that was sent.")]
CodeStdin = Annotated[
    bool, typer.Option("--code-stdin", help="Read the code from stdin (first line).")
]
NewPasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the new password from stdin (after the code)."),
]
NEW_PASSWORD_TRIES = 3


#: the whole policy, said before the first try (services/credentials.py checks it)
POLICY = N_(
    "A password needs 8 to 64 characters and at least three of: lower case, upper case, "
    "digits, symbols. It must not be the username, email or phone, nor a common password."
)


def ask_new_password(*, policy: bool = True) -> str:
    """The new password, typed twice at a terminal (hidden); the policy is said first."""
    if policy:
        render.info(_(POLICY))
    for _try in range(NEW_PASSWORD_TRIES):
        first = prompts.secret(_("New password:"))
        if first == prompts.secret(_("Repeat the new password:")):
            return first
        render.warn(_("the two passwords differ; try again"))
    raise InvalidInput("password_not_repeated", field="password")


@app.command("change")
@takes(ACCOUNT, JSON)
def change(ctx: typer.Context, password_stdin: PasswordStdin = False) -> None:
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
    from pydantic import SecretStr

    from guance_billing_cli.schemas.credentials import PasswordChange

    ref = account_ref(ctx)
    api = client(ctx)
    if not api.get_account(ref).has_password:
        # Nothing to ask for: the service refuses (exit 6) and points to `password reset`.
        current = new = ""
    elif password_stdin:
        current, new = prompts.read_stdin_lines(
            2, flag="--password-stdin", labels=(_("Current password"), _("New password"))
        )
    elif get_state(ctx).interactive:
        current = prompts.secret(_("Current password:"))
        new = ask_new_password()
    else:
        raise InputRequired("input_missing", field="password_stdin")
    while True:
        try:
            result = api.change_password(
                ref,
                PasswordChange(current_password=SecretStr(current), new_password=SecretStr(new)),
            )
            break
        except InvalidInput as exc:  # at a terminal a refused new password is asked again
            if password_stdin or exc.field != "password" or not get_state(ctx).interactive:
                raise
            render.warn(describe(exc, label=_("New password")))
            new = ask_new_password(policy=False)
    if given(ctx).json:
        render.write_json(result)
    else:
        changed_at = f"{result.changed_at:%Y-%m-%d %H:%M:%S}"
        render.success(_("Password changed at {changed_at} UTC.").format(changed_at=changed_at))


RESET_FIELDS = (
    "request_id", "kind", "state", "via", "sent_to", "expires_at", "attempts_left",
    "sends_left", "resend_available_at",
)  # fmt: skip


def _show_reset(result: Any, *, as_json: bool, done: str | None = None) -> None:
    """The reset request as JSON, or as a table followed by ``done`` (a success line)."""
    render.result(
        result, as_json=as_json, title=_("Password reset"), fields=RESET_FIELDS, done=done
    )


def _finish_interactively(api: Any, result: Any) -> Any:
    """Ask for the code and the new password until the reset completes (or cannot)."""
    from pydantic import SecretStr

    from guance_billing_cli.schemas.credentials import PasswordResetComplete

    return _ask_until_done(
        result.sent_to,
        lambda code, new: api.complete_password_reset(
            result.request_id,
            PasswordResetComplete(code=SecretStr(code), new_password=SecretStr(new)),
        ),
    )


def _ask_until_done(sent_to: str, complete: Callable[[str, str], Any]) -> Any:
    """Ask for the code and the new password, and ``complete(code, new)``, again after
    a wrong code or a refused password, until it succeeds or the request is over."""
    code = prompts.verification_code(_("Code sent to {sent_to}:").format(sent_to=sent_to))
    new = ask_new_password()
    while True:
        try:
            return complete(code, new)
        except VerificationFailed as exc:
            if exc.details.get("state") != "awaiting_code":
                raise  # failed or expired: the request is over
            render.warn(describe(exc))
            code = prompts.verification_code(_("Code:"))
        except InvalidInput as exc:
            if exc.field not in ("password", "new_password"):
                raise
            render.warn(describe(exc, label=_("New password")))
            new = ask_new_password(policy=False)


def _code_and_new_password(
    code: str | None, *, code_stdin: bool, password_stdin: bool, interactive: bool
) -> tuple[str, str]:
    """The second step of a reset: the code (flag, stdin or prompt), then the new
    password (stdin after the code, or asked twice at a terminal)."""
    if code is not None and code_stdin:
        raise InvalidInput("one_of_not_both", field="code", other_field="code_stdin")
    count = int(code_stdin) + int(password_stdin)
    labels = [_("Verification code")] * code_stdin + [_("New password")] * password_stdin
    lines = (
        prompts.read_stdin_lines(count, flag="--code-stdin/--password-stdin", labels=labels)
        if count
        else []
    )
    if code_stdin:
        code = lines.pop(0)
    elif code is None:
        code = prompts.missing_code(_("Code:"), interactive=interactive)
    if password_stdin:
        new = lines.pop(0)
    elif interactive:
        new = ask_new_password()
    else:
        raise InputRequired("input_missing", field="password_stdin")
    return code, new


@app.command("reset")
@takes(ACCOUNT, JSON)
def reset(
    ctx: typer.Context,
    request_id: ResetRequest = None,
    via: Annotated[
        str | None,
        typer.Option(
            help="Send the code to the login email (default) or phone.", metavar="email|phone"
        ),
    ] = None,
    code: CodeOption = None,
    code_stdin: CodeStdin = False,
    password_stdin: NewPasswordStdin = False,
    resend: Annotated[
        bool, typer.Option("--resend", help="Send a new code for REQ (the old one stops working).")
    ] = False,
) -> None:
    """Reset (or first set) the password with a verification code.

    Without REQ: a code goes to the account's login email (or phone with --via phone)
    and the request id is printed. At a terminal the command then asks for the code
    and the new password (twice). Without a terminal finish in a second step: REQ with
    --code or --code-stdin, and --password-stdin (stdin: the code first if
    --code-stdin, then the new password). The code is valid 10 minutes; 5 wrong codes
    end the request. Completing it also lifts a `password change` lock.

    \b
    Example:
      guance-billing password reset --account acme --via email --json
      printf '%s\\n%s\\n' "$CODE" "$NEW" | \\
          guance-billing password reset pwr_0123456789ab --code-stdin --password-stdin
    """
    from pydantic import SecretStr

    from guance_billing_cli.schemas.credentials import PasswordResetComplete, PasswordResetStart

    api = client(ctx)
    interactive = get_state(ctx).interactive
    if request_id is None:
        if code is not None or code_stdin or resend:
            raise InvalidInput(
                "needs_request_id", field="request_id", fields=["code", "code_stdin", "resend"]
            )
        started = api.start_password_reset(account_ref(ctx), PasswordResetStart(via=via or "email"))
        if interactive and not given(ctx).json:
            render.info(_("A code was sent to {sent_to}.").format(sent_to=started.sent_to))
            done = _finish_interactively(api, started)
            render.success(_("Password set. Log in with the new password."))
            _show_reset(done, as_json=False)
            return
        _show_reset(started, as_json=given(ctx).json)
        if not given(ctx).json:
            command = f"guance-billing password reset {started.request_id} --code-stdin"
            render.info(
                _("A code was sent to {sent_to}.").format(sent_to=started.sent_to)
                + " "
                + _("Next: {command}").format(command=command + " --password-stdin")
            )
        return
    if via is not None:
        raise InvalidInput("via_only_when_starting", field="via")
    if resend:
        _show_reset(
            api.resend_password_reset(request_id, account=given(ctx).account),
            as_json=given(ctx).json,
        )
        if not given(ctx).json:
            render.info(_("A new code was sent; the previous one no longer works."))
        return
    code, new = _code_and_new_password(
        code, code_stdin=code_stdin, password_stdin=password_stdin, interactive=interactive
    )
    finished = api.complete_password_reset(
        request_id,
        PasswordResetComplete(code=SecretStr(code), new_password=SecretStr(new)),
        account=given(ctx).account,
    )
    _show_reset(
        finished, as_json=given(ctx).json, done=_("Password set. Log in with the new password.")
    )


@app.command("forgot")
@takes(JSON)
def forgot(
    ctx: typer.Context,
    request_id: ResetRequest = None,
    email: Annotated[
        str | None, typer.Option(help="The account's login email.", metavar="EMAIL")
    ] = None,
    phone: Annotated[
        str | None, typer.Option(help="The account's login phone.", metavar="PHONE")
    ] = None,
    code: CodeOption = None,
    code_stdin: CodeStdin = False,
    password_stdin: NewPasswordStdin = False,
) -> None:
    """Reset a forgotten password without logging in (no token needed).

    Without REQ: a code goes to the login email or phone given with --email or
    --phone. The answer is the same whether or not an account has that address, so
    it tells nobody who has an account. At a terminal the command then asks for the
    code and the new password (twice). Without a terminal finish in a second step:
    REQ with --code or --code-stdin, and --password-stdin (stdin: the code first if
    --code-stdin, then the new password). The code is valid 10 minutes; 5 wrong
    codes end the request. Completing it signs out the account's other sessions.

    \b
    Example:
      guance-billing --server https://billing.example.com password forgot --email ops@acme.com
      guance-billing password forgot --email ops@acme.com --json      # -> request_id
      printf '%s\\n%s\\n' "$CODE" "$NEW" | \\
          guance-billing password forgot pwr_0123456789ab --code-stdin --password-stdin
    """
    from pydantic import SecretStr

    from guance_billing_cli.schemas.tokens import ForgottenPasswordReset, PasswordForgotten

    api = client(ctx)
    interactive = get_state(ctx).interactive

    def complete(rid: str, code: str, new: str) -> Any:
        return api.reset_forgotten_password(
            ForgottenPasswordReset(
                request_id=rid, code=SecretStr(code), new_password=SecretStr(new)
            )
        )

    if request_id is None:
        if code is not None or code_stdin or password_stdin:
            raise InvalidInput(
                "needs_request_id",
                field="request_id",
                fields=["code", "code_stdin", "password_stdin"],
            )
        if bool(email) == bool(phone):
            raise InvalidInput("exactly_one_of", field="email", fields=["email", "phone"])
        sent = api.forgot_password(PasswordForgotten(email=email, phone=phone))
        if interactive and not given(ctx).json:
            done = _ask_until_done(
                sent.sent_to, lambda code, new: complete(sent.request_id, code, new)
            )
            _forgot_done(done, as_json=False)
            return
        command = f"guance-billing password forgot {sent.request_id} --code-stdin"
        render.code_sent(
            sent,
            as_json=given(ctx).json,
            title=_("Password reset"),
            next_step=_("If an account has this address, a code was sent to {sent_to}.").format(
                sent_to=sent.sent_to
            )
            + " "
            + _("Next: {command}").format(command=command + " --password-stdin"),
        )
        return
    if email or phone:
        raise InvalidInput("via_only_when_starting", field="email" if email else "phone")
    code, new = _code_and_new_password(
        code, code_stdin=code_stdin, password_stdin=password_stdin, interactive=interactive
    )
    _forgot_done(complete(request_id, code, new), as_json=given(ctx).json)


def _forgot_done(done: Any, *, as_json: bool) -> None:
    if as_json:
        render.write_json(done)
        return
    message = _("Password set. Log in with the new password.")
    if done.sessions_revoked:
        message += " " + _("{count} other session(s) signed out.").format(
            count=done.sessions_revoked
        )
    render.success(message)
