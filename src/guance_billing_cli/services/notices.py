"""Messages to an account — emails and SMS — in the account's language.

Each kind of notice is a subject, paragraphs and an SMS text, marked for the
catalogs; ``compose`` renders them in ``account.language`` (``en`` / ``zh-CN``),
never in the operator's. An email has a plain-text and an HTML part made from
the same paragraphs. A code stays alone on its own line, so it is the one
standalone 6-digit number of the message (DESIGN §3).

Services pick the kind and the facts; the words are here.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from guance_billing_cli.i18n import N_, translate

#: what a one-time code is for (the ``purpose`` parameter of code notices)
PURPOSES: dict[str, str] = {
    "email_current": N_("confirm a change of the login email of your Guance Billing account"),
    "email_new": N_("confirm this address as the new login email of your Guance Billing account"),
    "phone_current": N_("confirm a change of the login phone of your Guance Billing account"),
    "phone_new": N_("confirm this number as the new login phone of your Guance Billing account"),
    "password_reset": N_("reset the password of your Guance Billing account {username}"),
    "login": N_("log in to the Guance Billing command-line tool"),
}


@dataclass(frozen=True)
class Kind:
    subject: str
    paragraphs: tuple[str, ...]
    sms: str | None = None


KINDS: dict[str, Kind] = {
    "code": Kind(
        subject=N_("Your Guance Billing verification code"),  # see CODE_SUBJECTS
        paragraphs=(
            N_("Your Guance Billing verification code is:"),
            "{code}",
            N_("Purpose: {purpose}."),  # with a step: STEP_PURPOSE
            N_("It expires at {expires} and works once. A newer code replaces this one."),
            N_(
                "If you did not ask for this, ignore this message and tell your account "
                "administrator."
            ),
        ),
        sms=N_(
            "[Guance Billing] {code} is your code to {purpose}. Expires {expires}. Never share it."
        ),
    ),
    "cloud_fallback": Kind(
        subject=N_("Alibaba Cloud account {provider_account_id} unsubscribed"),
        paragraphs=(
            N_("Hello,"),
            N_(
                "The Alibaba Cloud account {provider_account_id} (product instance "
                "{instance_id}, {cloud_account_id}) was unsubscribed and no longer settles "
                "your Guance workspaces."
            ),
            N_("{count} workspace(s) now settle through the Guance Billing Center instead:"),
            "{workspaces}",
            N_("No action is needed unless you want to bind them to another cloud account."),
        ),
    ),
    "countdown": Kind(
        subject=N_("Workspace {workspace_id} locks on {locks_at}"),
        paragraphs=(
            N_("Hello,"),
            N_(
                "Workspace {workspace_id} ({name}) of your Guance Billing account {username} "
                "is in the lock countdown: it locks on {locks_at} ({days_left})."
            ),
            N_(
                "To keep it, settle the arrears, bind it to a subscribed cloud account, or "
                "switch it to billing-center settlement in the Guance console before then. "
                "Guance support can help."
            ),
        ),
        sms=N_(
            "[Guance Billing] Workspace {workspace_id} locks on {locks_at} ({days_left}). "
            "Settle arrears or rebind it in the Guance console to keep it."
        ),
    ),
    # `workspace remind`: one reminder per stage of a workspace's 14-day countdown
    "reminder": Kind(
        subject=N_("Guance workspace {workspace_id} locks on {locks_at}"),
        paragraphs=(
            N_("Hello,"),
            N_(
                "Workspace {workspace_id} is in its lock countdown: it locks on {locks_at} "
                "({days_left})."
            ),
            N_("To keep it running, do one of these in the Guance console before then:"),
            "{remedies}",
            N_("If you need help, contact Guance support and quote the workspace id."),
            N_("You receive this when the countdown starts, and 3 days and 1 day before the lock."),
        ),
    ),
    # too many failed sign-ins or codes for one address (services/challenges.py)
    "lockout": Kind(
        subject=N_("Failed sign-in attempts on your Guance Billing account"),
        paragraphs=(
            N_(
                "Someone made many failed attempts to sign in to your Guance Billing account "
                "{username} or to use its one-time codes."
            ),
            N_("Further attempts with that address are paused for up to {hours}."),
            N_(
                "Your password and codes were not revealed. If this was not you, change your "
                "password in the Guance console and tell Guance support."
            ),
        ),
    ),
}

#: the remedies a reminder lists, each on its own line (``{cloud_account_id}`` filled in)
REMEDY_LINES: dict[str, str] = {
    "resubscribe": N_("re-subscribe the cloud account {cloud_account_id}"),
    "rebind": N_("bind the workspace to another subscribed cloud account"),
    "billing_center": N_("switch the workspace to Guance Billing Center settlement"),
}


#: the purpose line of a code notice that is one step of two (email and phone change)
STEP_PURPOSE = N_("Purpose (step {step} of 2): {purpose}.")

#: the subject of a code notice by purpose (default: the "code" kind's)
CODE_SUBJECTS: dict[str, str] = {
    "password_reset": N_("Your Guance Billing password reset code"),
    "login": N_("Your Guance Billing login code"),
}


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str
    html: str
    sms: str | None


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def days_left(count: int, language: str) -> str:
    """ "3 days left" / "1 day left" in ``language`` (never "day(s)")."""
    from guance_billing_cli.i18n import translation

    words = translation(language).ngettext("{count} day left", "{count} days left", count)
    return words.format(count=count)


def hours(count: int, language: str) -> str:
    """ "24 hours" / "1 hour" in ``language``."""
    from guance_billing_cli.i18n import translation

    return (
        translation(language).ngettext("{count} hour", "{count} hours", count).format(count=count)
    )


def compose(kind: str, language: str, **params: Any) -> Notice:
    """The notice ``kind`` in ``language`` with ``params`` filled in.

    ``purpose`` (a key of ``PURPOSES``) is translated and filled in too; an integer
    ``days_left`` or ``hours`` becomes words with the right plural; ``remedies`` (keys
    of ``REMEDY_LINES``) become one line each.
    """
    spec = KINDS[kind]
    values = _Values(params)
    if "purpose" in params:
        values["purpose"] = translate(PURPOSES[params["purpose"]], language).format_map(values)
    if isinstance(params.get("days_left"), int):
        values["days_left"] = days_left(params["days_left"], language)
    if isinstance(params.get("hours"), int):
        values["hours"] = hours(params["hours"], language)
    if isinstance(params.get("remedies"), list | tuple):
        values["remedies"] = "\n".join(
            "  - " + translate(REMEDY_LINES[r], language).format_map(values)
            for r in params["remedies"]
        )

    def say(message: str) -> str:
        return translate(message, language).format_map(values) if message else ""

    subject = CODE_SUBJECTS.get(params.get("purpose", ""), spec.subject)
    templates = tuple(
        STEP_PURPOSE if p == "Purpose: {purpose}." and "step" in params else p
        for p in spec.paragraphs
    )
    paragraphs = [say(p) for p in templates]
    text = "\n\n".join(paragraphs) + "\n"
    body = "".join(
        _html_paragraph(template, rendered)
        for template, rendered in zip(templates, paragraphs, strict=True)
    )
    lang_attr = "zh-CN" if language == "zh-CN" else "en"
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang_attr}"><head><meta charset="utf-8">'
        f"<title>{html.escape(say(subject))}</title></head>\n<body>\n{body}</body></html>\n"
    )
    return Notice(
        subject=say(subject),
        text=text,
        html=page,
        sms=say(spec.sms) if spec.sms else None,
    )


def _html_paragraph(template: str, rendered: str) -> str:
    if template == "{code}":  # the code: large, alone, easy to read out
        code = html.escape(rendered)
        return f'<p style="font-size:24px;letter-spacing:4px"><strong>{code}</strong></p>\n'
    lines = "<br>\n".join(html.escape(line) for line in rendered.splitlines())
    return f"<p>{lines}</p>\n"


def email(settings: Any, to: str, notice: Notice) -> Notice:
    """Deliver ``notice`` by email to ``to`` (text and HTML parts). Delivery errors propagate."""
    from guance_billing_cli import delivery

    delivery.send_email(settings, to=to, subject=notice.subject, body=notice.text, html=notice.html)
    return notice


def send_reminder(
    settings: Any,
    recipient: Any,
    *,
    workspace_id: str,
    locks_at: datetime,
    days: int,
    cloud_account_id: str | None,
) -> Notice:
    """A lock-countdown reminder (``workspace remind``) to the ``recipient`` account's email,
    in its language: what to do in the console, never a command of this tool."""
    remedies = [*(["resubscribe"] if cloud_account_id else []), "rebind", "billing_center"]
    notice = compose(
        "reminder",
        recipient.language,
        workspace_id=workspace_id,
        locks_at=locks_at.strftime("%Y-%m-%d %H:%M UTC"),
        days_left=days,
        cloud_account_id=cloud_account_id,
        remedies=remedies,
    )
    return email(settings, recipient.email, notice)


def send_lockout(settings: Any, account: Any, *, hours: int) -> Notice:
    """The lock-out notice to ``account``: many failed sign-ins or codes for its address."""
    notice = compose("lockout", account.language, username=account.username, hours=hours)
    return email(settings, account.email, notice)


def code_deliverer(
    settings: Any, *, channel: str, to: str, language: str, purpose: str, **params: Any
) -> Callable[[str, datetime], None]:
    """What the challenge engine calls with a new code: compose the one-time-code notice
    in ``language`` and deliver it to ``to`` by ``channel`` (``email``: text and HTML
    parts; anything else: SMS). Delivery errors propagate."""

    def deliver(code: str, expires_at: datetime) -> None:
        from guance_billing_cli import delivery

        expires = expires_at.strftime("%Y-%m-%d %H:%M UTC")
        notice = compose("code", language, code=code, purpose=purpose, expires=expires, **params)
        if channel == "email":
            email(settings, to, notice)
        else:
            delivery.send_sms(settings, to=to, text=notice.sms or notice.text)

    return deliver
