"""`email` and `phone` command groups, built from one implementation.

``build_app("email")`` and ``build_app("phone")`` differ only in names and the
flag that supplies the new address. At a terminal, ``change`` drives the whole
flow with prompts; without one each step is one command.
"""

# No ``from __future__ import annotations`` here: the option types are built per
# kind inside ``build_app`` and Typer must see real objects, not strings.

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import prompts, render
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, Live, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, get_state, given
from guance_billing_cli.errors import (
    InputRequired,
    InvalidInput,
    RateLimited,
    RuleViolation,
    VerificationFailed,
)
from guance_billing_cli.i18n import N_, _

OPEN_STATES = ("awaiting_current_code", "awaiting_new_code")
REQUEST_FIELDS = (
    "request_id",
    "kind",
    "state",
    "sent_to",
    "new_address",
    "expires_at",
    "attempts_left",
    "sends_left",
    "resend_available_at",
)
AGAIN, RESEND, CANCEL = "again", "resend", "cancel"
CHOICES = {
    AGAIN: N_("Enter the code again"),
    RESEND: N_("Send a new code"),
    CANCEL: N_("Cancel the change"),
}


@dataclass(frozen=True)
class Flow:
    kind: str  # email | phone
    label: str  # login email / login phone
    flag: str  # --new-email / --new-phone
    example: str  # an example new address

    @property
    def cmd(self) -> str:
        return f"guance-billing {self.kind}"


FLOWS = {
    "email": Flow("email", N_("login email"), "--new-email", "new@acme.com"),
    "phone": Flow("phone", N_("login phone"), "--new-phone", "+8613912345678"),
}

#: the help summary of each command (the group's: ``cli/commands/__init__.py``)
SUMMARIES = {
    "email": {
        "change": N_("Start changing the login email: a code goes to the current one."),
        "new": N_("The new login email (checked before a code is sent to it)."),
    },
    "phone": {
        "change": N_("Start changing the login phone: a code goes to the current one."),
        "new": N_("The new login phone (checked before a code is sent to it)."),
    },
}
#: the paragraphs of each command's help, written out per kind so the catalog holds them
#: as shown (``i18n.summary`` translates a help paragraph by paragraph)
PARAGRAPHS = {
    "email": {
        "change": (
            N_(
                "At a terminal (and without --json) this drives the whole flow with prompts.\n"
                "Without one, it prints the request id and state; continue with `verify`.\n"
                "Starting a change cancels the account's open email change request."
            ),
            N_(
                "Exit codes: 2 missing or malformed --new-email, 3 unknown account, 6 same as the\n"
                "current login email or used by another account, 8 a code went out less than 60 s"
                " ago,\n10 the code could not be delivered (nothing changed)."
            ),
        ),
        "verify": (
            N_(
                "The code for the current login email moves the request to awaiting_new_code and"
                " sends a\ncode to the new one; the code for the new login email completes the"
                " change. With\n--new-email (and no code) give the new login email if the"
                " request has none yet."
            ),
            N_(
                "Exit codes: 3 unknown request, 6 the new login email was taken meanwhile, 7"
                " wrong,\nmalformed or expired code, or a finished request (the JSON error"
                " carries\nattempts_left and state), 10 the next code could not be delivered."
            ),
        ),
    },
    "phone": {
        "change": (
            N_(
                "At a terminal (and without --json) this drives the whole flow with prompts.\n"
                "Without one, it prints the request id and state; continue with `verify`.\n"
                "Starting a change cancels the account's open phone change request."
            ),
            N_(
                "Exit codes: 2 missing or malformed --new-phone, 3 unknown account, 6 same as the\n"
                "current login phone or used by another account, 8 a code went out less than 60 s"
                " ago,\n10 the code could not be delivered (nothing changed)."
            ),
        ),
        "verify": (
            N_(
                "The code for the current login phone moves the request to awaiting_new_code and"
                " sends a\ncode to the new one; the code for the new login phone completes the"
                " change. With\n--new-phone (and no code) give the new login phone if the"
                " request has none yet."
            ),
            N_(
                "Exit codes: 3 unknown request, 6 the new login phone was taken meanwhile, 7"
                " wrong,\nmalformed or expired code, or a finished request (the JSON error"
                " carries\nattempts_left and state), 10 the next code could not be delivered."
            ),
        ),
    },
}
RESEND_PARAGRAPH = N_(
    "At most one code a minute and 5 codes per address in a request (exit 8).\n"
    "Exit codes: 3 unknown request, 7 finished request, 10 delivery failed."
)
CANCEL_PARAGRAPH = N_(
    "Exit codes: 0 also if already cancelled, 3 unknown request, 7 completed, failed\nor expired."
)
VERIFY_SUMMARY = N_("Confirm the code of the current step.")
RESEND_SUMMARY = N_("Send a new code for the current step; the old one stops working.")
STATUS_SUMMARY = N_("Show a change request (default: the account's latest).")
CANCEL_SUMMARY = N_("Cancel an open change request; nothing changes.")


def describe(error: Exception, *, label: str | None = None) -> str:
    """An error's sentence in the operator's language (imported when needed: --help);
    at a prompt the field at fault is named by the prompt's ``label``."""
    from guance_billing_cli.cli.toolkit.words import describe as words

    return words(error, label=label)  # type: ignore[arg-type]


def _time(value: datetime | None) -> str:
    return value.strftime("%H:%M:%S UTC") if value else "-"


def show(req: Any, flow: Flow, *, as_json: bool) -> None:
    """The request (JSON, or a table plus what to do next on stderr)."""
    if as_json:
        render.write_json(req)
        return
    render.emit(req, as_json=False, title=_("Change request"), fields=REQUEST_FIELDS)
    rid = req.request_id
    label = _(flow.label)
    expires = _time(req.expires_at)
    awaiting_code = req.state == "awaiting_current_code" or (
        req.state == "awaiting_new_code" and req.code_target == "new"
    )
    if awaiting_code:
        sent = (
            _("A code was sent to {sent_to} (the current {label}); it expires at {expires}.")
            if req.state == "awaiting_current_code"
            else _("A code was sent to {sent_to} (the new {label}); it expires at {expires}.")
        )
        render.info(
            sent.format(sent_to=req.sent_to, label=label, expires=expires)
            + "\n"
            + _("Next: {command}").format(command=f"{flow.cmd} verify {rid} --code-stdin")
        )
    elif req.state == "awaiting_new_code":
        render.info(
            _("The current {label} is confirmed. Next, before {expires}: {command}").format(
                label=label, expires=expires, command=f"{flow.cmd} verify {rid} {flow.flag} ADDRESS"
            )
        )
    elif req.state == "completed":
        render.success(
            _(
                "The {label} is now {address}; the account logs in with it and the old one "
                "no longer works."
            ).format(label=label, address=req.new_address)
        )
    elif req.state == "cancelled":
        render.success(
            _("Change request {request_id} is cancelled; nothing was changed.").format(
                request_id=rid
            )
        )


# -- the guided flow (a terminal) ------------------------------------------------


def _confirm_step(ctx: typer.Context, flow: Flow, req: Any, which: str) -> Any:
    """Ask for the code until it is right; offer a resend or cancel after a wrong one."""
    from pydantic import SecretStr

    from guance_billing_cli.schemas.verification import CodeSubmit

    cl = client(ctx)
    sent = (
        _(
            "A verification code was sent to {sent_to} (the current {label}). "
            "It expires at {expires}."
        )
        if which == "current"
        else _(
            "A verification code was sent to {sent_to} (the new {label}). It expires at {expires}."
        )
    )
    render.info(
        sent.format(sent_to=req.sent_to, label=_(flow.label), expires=_time(req.expires_at))
    )
    choices = {_(text): key for key, text in CHOICES.items()}
    while True:
        code = prompts.verification_code(_("Code sent to {sent_to}:").format(sent_to=req.sent_to))
        try:
            return cl.verify_change(
                req.request_id, CodeSubmit(code=SecretStr(code)), kind=flow.kind
            )
        except VerificationFailed as exc:
            if exc.details.get("state") not in OPEN_STATES:
                raise  # failed or expired: the request is over
            render.warn(describe(exc))
        picked = prompts.select(_("What next?"), list(choices), default=_(CHOICES[AGAIN]))
        choice = choices.get(picked, AGAIN)
        if choice == RESEND:
            try:
                req = cl.resend_change(req.request_id, kind=flow.kind)
                render.info(
                    _(
                        "A new code was sent to {sent_to}; the previous one no longer works. "
                        "It expires at {expires}."
                    ).format(sent_to=req.sent_to, expires=_time(req.expires_at))
                )
            except RateLimited as exc:
                render.warn(describe(exc))
        elif choice == CANCEL:
            cl.cancel_change(req.request_id, kind=flow.kind)
            render.info(
                _("Change request {request_id} cancelled; nothing was changed.").format(
                    request_id=req.request_id
                )
            )
            raise typer.Exit(0)


def _ask_new_address(ctx: typer.Context, flow: Flow, req: Any) -> Any:
    """Ask for the new address until the service accepts it (it then sends the code)."""
    from guance_billing_cli.schemas.verification import NewAddress

    render.success(_("The current {label} is confirmed.").format(label=_(flow.label)))
    while True:
        prompt = _("New {label}:").format(label=_(flow.label))
        value = prompts.text(prompt)
        try:
            return client(ctx).set_change_address(
                req.request_id, NewAddress(new_address=value), kind=flow.kind
            )
        except (InvalidInput, RuleViolation) as exc:  # malformed, same, or taken: ask again
            # named by the prompt's label, not by a flag the user never typed
            render.warn(describe(exc, label=prompt.rstrip(":：")))


def guided(ctx: typer.Context, flow: Flow, req: Any) -> None:
    """Drive the request from whatever step it is at to the end (also when resumed)."""
    try:
        if req.state == "awaiting_current_code":
            req = _confirm_step(ctx, flow, req, "current")
        if req.state == "awaiting_new_code" and req.code_target != "new":
            req = _ask_new_address(ctx, flow, req)
        if req.state == "awaiting_new_code":
            req = _confirm_step(ctx, flow, req, "new")
    except KeyboardInterrupt:
        render.info(
            _(
                "Request {request_id} stays open until it expires; continue with {verify} or "
                "stop it with {cancel}."
            ).format(
                request_id=req.request_id,
                verify=f"`{flow.cmd} verify {req.request_id}`",
                cancel=f"`{flow.cmd} cancel {req.request_id}`",
            )
        )
        raise
    render.success(
        _(
            "Done: the {label} is now {address}. The account logs in with it; the old one no "
            "longer works."
        ).format(label=_(flow.label), address=req.new_address)
    )


# -- the command group ----------------------------------------------------------


def build_app(kind: str) -> typer.Typer:
    flow = FLOWS[kind]
    summary = SUMMARIES[kind]
    app = typer.Typer(no_args_is_help=True)
    NewAddressOption = Annotated[
        str | None,
        typer.Option(
            flow.flag,
            help=summary["new"],
            metavar="ADDRESS" if kind == "email" else "PHONE",
        ),
    ]
    requests = Live(f"{kind}_requests")  # email_requests, phone_requests
    RequestArg = Annotated[
        str, typer.Argument(help="Change request id (chg_...).", metavar="REQUEST_ID"), requests
    ]
    CodeOption = Annotated[
        str | None, typer.Option("--code", help="The 6-digit code (see also --code-stdin).")
    ]
    CodeStdin = Annotated[
        bool, typer.Option("--code-stdin", help="Read the code from the first line of stdin.")
    ]

    @app.command(
        "change",
        help=summary["change"]
        + "\n\n"
        + "\n\n".join(PARAGRAPHS[kind]["change"])
        + f"""

\b
Example:
  {flow.cmd} change --account acme {flow.flag} {flow.example} --json
""",
    )
    @takes(ACCOUNT, JSON)
    def change(ctx: typer.Context, new_address: NewAddressOption = None) -> None:
        from guance_billing_cli.schemas.verification import ChangeStart

        state = get_state(ctx)
        is_guided = state.interactive and not given(ctx).json
        if new_address is None and not is_guided:
            raise InputRequired("input_missing", field=flow.flag.lstrip("-").replace("-", "_"))
        req = client(ctx).start_change(
            account_ref(ctx), ChangeStart(kind=kind, new_address=new_address)
        )
        if is_guided:
            guided(ctx, flow, req)
        else:
            show(req, flow, as_json=given(ctx).json)

    @app.command(
        "verify",
        help=VERIFY_SUMMARY
        + "\n\n"
        + "\n\n".join(PARAGRAPHS[kind]["verify"])
        + f"""

\b
Example:
  echo 123456 | {flow.cmd} verify chg_0123456789ab --code-stdin --json
""",
    )
    @takes(ACCOUNT, JSON)
    def verify(
        ctx: typer.Context,
        request_id: RequestArg,
        code: CodeOption = None,
        code_stdin: CodeStdin = False,
        new_address: NewAddressOption = None,
    ) -> None:
        from pydantic import SecretStr

        from guance_billing_cli.schemas.verification import CodeSubmit, NewAddress

        if code is not None and code_stdin:
            raise InvalidInput("one_of_not_both", field="code", other_field="code_stdin")
        if code_stdin:
            code = prompts.read_stdin_lines(1, flag="--code-stdin")[0]
        cl = client(ctx)
        if (
            code is None
            and new_address is None
            and get_state(ctx).interactive
            and not given(ctx).json
        ):
            # at a terminal, resuming a request carries on to the end
            req = cl.get_change(request_id, kind=kind, account=given(ctx).account)
            if req.state not in OPEN_STATES:
                from guance_billing_cli.schemas.verification import ENDED

                raise VerificationFailed(
                    ENDED.get(req.state, "request_completed"),
                    state=req.state,
                    request_id=req.request_id,
                    kind=kind,
                    next_step="start_change",
                )
            guided(ctx, flow, req)
            return
        if code is None and new_address is not None:
            req = cl.set_change_address(
                request_id,
                NewAddress(new_address=new_address),
                kind=kind,
                account=given(ctx).account,
            )
        else:
            if code is None:
                code = prompts.missing_code(
                    _("Verification code:"), interactive=get_state(ctx).interactive
                )
            req = cl.verify_change(
                request_id, CodeSubmit(code=SecretStr(code)), kind=kind, account=given(ctx).account
            )
            if (
                new_address is not None
                and req.state == "awaiting_new_code"
                and (req.code_target != "new")
            ):
                req = cl.set_change_address(
                    request_id,
                    NewAddress(new_address=new_address),
                    kind=kind,
                    account=given(ctx).account,
                )
        show(req, flow, as_json=given(ctx).json)

    def step_command(name: str, help_: str, step: Callable[..., Any]) -> None:
        """``name``: one step on a request, ``step(client, request_id, account=...)``,
        then where the request stands."""

        @app.command(name, help=help_)
        @takes(ACCOUNT, JSON)
        def command(ctx: typer.Context, request_id: RequestArg) -> None:
            show(
                step(client(ctx), request_id, account=given(ctx).account),
                flow,
                as_json=given(ctx).json,
            )

    step_command(
        "resend",
        RESEND_SUMMARY
        + "\n\n"
        + RESEND_PARAGRAPH
        + f"""

\b
Example:
  {flow.cmd} resend chg_0123456789ab --json
""",
        lambda cl, request_id, account: cl.resend_change(request_id, kind=kind, account=account),
    )

    @app.command(
        "status",
        help=STATUS_SUMMARY
        + f"""

\b
Example:
  {flow.cmd} status chg_0123456789ab --json
""",
    )
    @takes(ACCOUNT, JSON)
    def status(
        ctx: typer.Context,
        request_id: Annotated[
            str | None,
            typer.Argument(
                help="Change request id; default: the account's latest.", metavar="[REQUEST_ID]"
            ),
            requests,
        ] = None,
    ) -> None:
        cl = client(ctx)
        if request_id is None:
            req = cl.latest_change(account_ref(ctx), kind=kind)
        else:
            req = cl.get_change(request_id, kind=kind, account=given(ctx).account)
        show(req, flow, as_json=given(ctx).json)

    step_command(
        "cancel",
        CANCEL_SUMMARY
        + "\n\n"
        + CANCEL_PARAGRAPH
        + f"""

\b
Example:
  {flow.cmd} cancel chg_0123456789ab
""",
        lambda cl, request_id, account: cl.cancel_change(request_id, kind=kind, account=account),
    )

    return app
