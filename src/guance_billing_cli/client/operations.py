"""The HTTP surface of ``BillingClient``: one row per operation.

Exposing an operation over HTTP is one line in ``ROUTES``: its HTTP method and
path. Everything else is derived from the protocol method's signature, so the
FastAPI routes (``server/app.py``) and the ``HttpClient`` calls
(``client/http.py``) are generated from the same description and cannot drift:

- parameters named in the path (``{ref}``) travel in the path;
- for ``GET``, the others travel as query parameters (a pydantic model's fields
  are flattened into the query);
- otherwise they travel as a JSON body: a single pydantic model parameter *is*
  the body, several parameters are embedded by name (``{"ref": ..., "data": {...}}``);
- a method returning ``Iterator[X]`` streams: the response is NDJSON, one ``X``
  a line (an error after the first row arrives as a last line ``{"_error": ...}``);
- any other return annotation is the JSON response body.

``large_body=True`` marks a body that may be larger than others (a batch, a
licence scan): the server's larger body limit applies. ``scope`` names the token
scope that may call an operation: a token limited to
scopes (``--scope bindings``) reaches only operations carrying one of them (or
``ANY``) — everything else is denied by default. ``auth=False`` marks the
operations that need no token (login). A callback parameter (``progress``) stays
on the caller's side: the server runs the batch and the client reports the end.

No SQLAlchemy here: this module is on the remote path.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from guance_billing_cli.client.protocol import SCHEMA_MODULES, BillingClient


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    scope: str | None = None
    auth: bool = True  # False: public (login); no token needed, none sent
    large_body: bool = False  # batches, licence scans: the larger body limit applies
    # issue 24 (docs/api.md): ``created``: the new resource's path, ``{id}`` (or a dotted
    # ``{workspace.id}``) filled from the answer: 201 with ``Location``; ``idempotent``:
    # an ``Idempotency-Key`` is honoured (creates and batch writes); ``etag_from``: the read
    # whose ``ETag`` an ``If-Match`` on this update/delete is checked against (412 if stale)
    created: str | None = None
    idempotent: bool = False
    etag_from: str | None = None


# name of the BillingClient method -> how it travels over HTTP. Keep grouped by issue.
# Scope ANY: every token may call it, scoped or not (who am I, log out).
ANY = "*"
BINDINGS = "bindings"
ROUTES: dict[str, Route] = {
    # accounts and profile
    "create_account": Route("POST", "/v1/accounts", created="/v1/accounts/{id}", idempotent=True),
    "list_accounts": Route("GET", "/v1/accounts"),
    "get_account": Route("GET", "/v1/accounts/{ref}"),
    "admin_update_account": Route("PATCH", "/v1/accounts/{ref}", etag_from="get_account"),
    "update_profile": Route("PATCH", "/v1/accounts/{ref}/profile", etag_from="get_account"),
    # email / phone change (issue 3)
    "start_change": Route("POST", "/v1/accounts/{ref}/changes", created="/v1/changes/{request_id}"),
    "latest_change": Route("GET", "/v1/accounts/{ref}/changes/latest"),
    "get_change": Route("GET", "/v1/changes/{request_id}"),
    "verify_change": Route("POST", "/v1/changes/{request_id}/verify"),
    "set_change_address": Route("POST", "/v1/changes/{request_id}/new-address"),
    "resend_change": Route("POST", "/v1/changes/{request_id}/resend"),
    "cancel_change": Route("POST", "/v1/changes/{request_id}/cancel"),
    # server tokens and login (issue 6)
    "login": Route("POST", "/v1/auth/login", auth=False),
    "send_login_code": Route("POST", "/v1/auth/login-code", auth=False),
    "whoami": Route("GET", "/v1/auth/whoami", scope=ANY),
    "logout": Route("POST", "/v1/auth/logout", scope=ANY),
    "create_token": Route("POST", "/v1/tokens", created="/v1/tokens/{id}"),
    "list_tokens": Route("GET", "/v1/tokens"),
    "revoke_token": Route("DELETE", "/v1/tokens/{ref}"),
    # sessions and password reset without a token (issue 11)
    "list_sessions": Route("GET", "/v1/auth/sessions", scope=ANY),
    "revoke_session": Route("DELETE", "/v1/auth/sessions/{token_id}", scope=ANY),
    "revoke_other_sessions": Route("POST", "/v1/auth/sessions/revoke-others", scope=ANY),
    "logout_all": Route("POST", "/v1/auth/logout-all", scope=ANY),
    "forgot_password": Route("POST", "/v1/auth/password-reset", auth=False),
    "reset_forgotten_password": Route("POST", "/v1/auth/password-reset/complete", auth=False),
    # passwords, real-name authentication, invoices (issue 4)
    "change_password": Route("POST", "/v1/accounts/{ref}/password"),
    "start_password_reset": Route(
        "POST", "/v1/accounts/{ref}/password-resets", created="/v1/password-resets/{request_id}"
    ),
    "complete_password_reset": Route("POST", "/v1/password-resets/{request_id}/complete"),
    "resend_password_reset": Route("POST", "/v1/password-resets/{request_id}/resend"),
    "get_password_reset": Route("GET", "/v1/password-resets/{request_id}"),
    "get_realname": Route("GET", "/v1/accounts/{ref}/realname"),
    "submit_realname": Route("POST", "/v1/accounts/{ref}/realname", large_body=True),
    "review_realname": Route(
        "POST", "/v1/accounts/{ref}/realname/review", etag_from="get_realname"
    ),
    "add_invoice_title": Route(
        "POST",
        "/v1/accounts/{ref}/invoice-titles",
        created="/v1/invoice-titles/{id}",
        idempotent=True,
    ),
    "list_invoice_titles": Route("GET", "/v1/accounts/{ref}/invoice-titles"),
    "add_invoice_address": Route(
        "POST",
        "/v1/accounts/{ref}/invoice-addresses",
        created="/v1/invoice-addresses/{id}",
        idempotent=True,
    ),
    "list_invoice_addresses": Route("GET", "/v1/accounts/{ref}/invoice-addresses"),
    "request_invoice": Route(
        "POST", "/v1/accounts/{ref}/invoices", created="/v1/invoices/{id}", idempotent=True
    ),
    "list_invoices": Route("GET", "/v1/accounts/{ref}/invoices"),
    # invoice upkeep (issue 15)
    "update_invoice_title": Route("PATCH", "/v1/invoice-titles/{title_id}"),
    "delete_invoice_title": Route("POST", "/v1/invoice-titles/{title_id}/delete"),
    "update_invoice_address": Route("PATCH", "/v1/invoice-addresses/{address_id}"),
    "delete_invoice_address": Route("POST", "/v1/invoice-addresses/{address_id}/delete"),
    "get_invoice": Route("GET", "/v1/invoices/{request_id}"),
    "cancel_invoice": Route("POST", "/v1/invoices/{request_id}/cancel", etag_from="get_invoice"),
    # cloud accounts, workspaces, settlement batches (issue 5)
    "add_cloud_account": Route(
        "POST",
        "/v1/accounts/{ref}/cloud-accounts",
        created="/v1/cloud-accounts/{id}",
        idempotent=True,
    ),
    "list_cloud_accounts": Route("GET", "/v1/accounts/{ref}/cloud-accounts", scope=BINDINGS),
    "get_cloud_account": Route("GET", "/v1/cloud-accounts/{cloud_id}"),
    "unsubscribe_cloud_account": Route(
        "POST", "/v1/cloud-accounts/{cloud_id}/unsubscribe", etag_from="get_cloud_account"
    ),
    "resubscribe_cloud_account": Route(
        "POST", "/v1/cloud-accounts/{cloud_id}/resubscribe", etag_from="get_cloud_account"
    ),
    "bind_workspaces": Route(
        "POST",
        "/v1/cloud-accounts/{cloud_id}/bind",
        scope=BINDINGS,
        large_body=True,
        idempotent=True,
    ),
    "unbind_workspaces": Route(
        "POST", "/v1/workspaces/unbind", scope=BINDINGS, large_body=True, idempotent=True
    ),
    "add_workspace": Route(
        "POST",
        "/v1/accounts/{ref}/workspaces",
        created="/v1/workspaces/{workspace.id}",
        idempotent=True,
    ),
    "add_workspaces": Route(
        "POST", "/v1/accounts/{ref}/workspaces/batch", large_body=True, idempotent=True
    ),
    "list_workspaces": Route("GET", "/v1/accounts/{ref}/workspaces", scope=BINDINGS),
    "get_workspace": Route("GET", "/v1/workspaces/{ws_id}"),
    "move_workspace": Route("POST", "/v1/workspaces/{ws_id}/move", etag_from="get_workspace"),
    "unlock_workspace": Route("POST", "/v1/workspaces/{ws_id}/unlock", etag_from="get_workspace"),
    "dissolve_workspace": Route(
        "POST", "/v1/workspaces/{ws_id}/dissolve", etag_from="get_workspace"
    ),
    "remind_workspaces": Route("POST", "/v1/workspaces/remind"),
    # bindings as code (issue 25): plan and apply a desired-state file
    "plan_bindings": Route("POST", "/v1/bindings/plan", scope=BINDINGS, large_body=True),
    "apply_bindings": Route(
        "POST", "/v1/bindings/apply", scope=BINDINGS, large_body=True, idempotent=True
    ),
    # audit trail
    "list_audit_events": Route("GET", "/v1/audit/events"),
    # body: every checkpoint (about 2 MB per 100,000 events): the larger limit applies
    "verify_audit": Route("POST", "/v1/audit/verify", large_body=True),
    "write_audit_checkpoint": Route("POST", "/v1/audit/checkpoints"),
    "audit_public_key": Route("GET", "/v1/audit/public-key"),
    "export_audit": Route("GET", "/v1/audit/export"),
    # completion values (issue 15): every token may ask; the service filters by role
    "suggest": Route("GET", "/v1/suggest", scope=ANY),
}

# Protocol members that are not operations.
NOT_OPERATIONS = frozenset({"close"})


@dataclass(frozen=True)
class Param:
    name: str
    annotation: Any
    where: Literal["path", "query", "body", "local"]
    default: Any = inspect.Parameter.empty

    @property
    def is_model(self) -> bool:
        return inspect.isclass(self.annotation) and issubclass(self.annotation, BaseModel)

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


@dataclass(frozen=True)
class Operation:
    name: str
    route: Route
    params: tuple[Param, ...]
    returns: Any  # the annotation of the result (the item type when streaming)
    streams: bool
    signature: inspect.Signature

    @property
    def method(self) -> str:
        return self.route.method

    @property
    def path(self) -> str:
        return self.route.path

    @property
    def body_is_model(self) -> bool:
        """A single pydantic parameter is the whole body (not embedded by name)."""
        body = [p for p in self.params if p.where == "body"]
        return len(body) == 1 and body[0].is_model


def protocol_methods() -> list[str]:
    """Every operation the protocol declares."""
    return sorted(
        name
        for name, member in vars(BillingClient).items()
        if inspect.isfunction(member) and not name.startswith("_") and name not in NOT_OPERATIONS
    )


def _is_callable(annotation: Any) -> bool:
    import collections.abc

    if typing.get_origin(annotation) is collections.abc.Callable:
        return True
    return any(_is_callable(arg) for arg in typing.get_args(annotation))


class _LazySchemas(dict[str, Any]):
    """Schema names for ``get_type_hints``, imported only when an annotation uses them."""

    def __missing__(self, name: str) -> Any:
        from importlib import import_module

        module = SCHEMA_MODULES.get(name)
        if module is None:
            raise KeyError(name)
        value = getattr(import_module(f"guance_billing_cli.schemas.{module}"), name)
        self[name] = value
        return value


def _describe(name: str, route: Route) -> Operation:
    func = getattr(BillingClient, name)
    hints = typing.get_type_hints(func, localns=_LazySchemas())
    signature = inspect.signature(func)
    in_path = set(re.findall(r"{(\w+)}", route.path))
    params: list[Param] = []
    for pname, p in signature.parameters.items():
        if pname == "self":
            continue
        where: Literal["path", "query", "body", "local"]
        if _is_callable(hints[pname]):
            where = "local"  # a callback (progress) stays on the caller's side
        elif pname in in_path:
            where = "path"
        elif route.method == "GET":
            where = "query"
        else:
            where = "body"
        params.append(Param(pname, hints[pname], where, p.default))
    missing = in_path - {p.name for p in params}
    if missing:
        raise TypeError(f"route {route.path} of {name} names unknown parameters {missing}")
    returns = hints.get("return", type(None))
    streams = typing.get_origin(returns) in (Iterator, typing.Iterator)
    if streams:
        returns = typing.get_args(returns)[0]
    return Operation(name, route, tuple(params), returns, streams, signature)


@cache
def _describe_cached(name: str) -> Operation:
    return _describe(name, ROUTES[name])


def operations() -> dict[str, Operation]:
    """Every exposed operation (the server builds its routes from this)."""
    return {name: _describe_cached(name) for name in ROUTES}


def token_scopes(op: Operation) -> list[str]:
    """The token scopes that reach ``op`` besides an unscoped token (which reaches every
    operation its role allows): ``[]`` only an unscoped token, every scope for ``ANY``."""
    from guance_billing_cli.schemas.tokens import TOKEN_SCOPES

    if op.route.scope == ANY:
        return sorted(TOKEN_SCOPES)
    return [op.route.scope] if op.route.scope else []


def scope_table() -> str:
    """The markdown table of docs/api.md (a test checks it is current)."""
    lines = [
        "| operationId | method and path | token scopes | Idempotency-Key | If-Match |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, op in sorted(operations().items(), key=lambda item: (item[1].path, item[0])):
        if not op.route.auth:
            scopes = "public (no token)"
        elif op.route.scope == ANY:
            scopes = "any token"
        else:
            scopes = ", ".join(["unscoped", *(f"`{s}`" for s in token_scopes(op))])
        lines.append(
            f"| `{name}` | `{op.method} {op.path}` | {scopes} | "
            f"{'yes' if op.route.idempotent else ''} | "
            f"{'yes' if op.route.etag_from else ''} |"
        )
    return "\n".join(lines) + "\n"


def get(name: str) -> Operation | None:
    """One operation, described on first use (a CLI call needs only its own)."""
    return _describe_cached(name) if name in ROUTES else None
