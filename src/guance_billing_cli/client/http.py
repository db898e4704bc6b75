"""``HttpClient``: the ``BillingClient`` protocol over HTTP (httpx).

The transport alone: ``client.bind_workspaces(...)`` looks up the operation's
declaration (``api/<noun>.py``, described by ``client/operations.py``: method, path,
query, body, stream), builds the request from it and decodes the answer. mypy checks
the CLI's calls against ``BillingClient``.
Errors come back as ``{"error": {...}}`` and are re-raised as the same domain
error, so exit codes match the local store.

Reads (GET) are retried on connection failures; writes only when they carry an
``Idempotency-Key`` (creates and batch writes: the server answers a retry with the
first result, docs/api.md), never otherwise. TLS is verified
(``ca_bundle`` / ``--ca-bundle`` for a private CA). A token or a password is never
sent over plain ``http://`` to anything but loopback unless ``insecure_http`` is
set (``--insecure-http``). Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlsplit

from guance_billing_cli import __version__
from guance_billing_cli.client import wire
from guance_billing_cli.client.operations import Operation
from guance_billing_cli.client.operations import method as operation_method
from guance_billing_cli.errors import (
    AuthenticationFailed,
    BillingError,
    InvalidInput,
    NotFound,
    Unavailable,
    error_from_dict,
)
from guance_billing_cli.keys import token_store

# httpx imports its own command-line tool (click, rich, pygments) when it can, and
# falls back to a stub when that import fails. This CLI never runs it: refusing the
# import saves ~40-80 ms of every remote command and of completion against a server
# (bench/completion.py). Only when httpx is not loaded yet (then it is the first).
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    import httpx

    from guance_billing_cli.config import Settings


DEFAULT_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
READ_RETRIES = 2
RETRY_DELAYS = (0.2, 0.5)
MAX_REF = 1024  # characters in one reference sent in a URL (path or query)
LOOPBACK_HOSTS = frozenset({"localhost", "::1"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 — never resolved, so DNS cannot fool it."""
    import ipaddress

    host = host.strip("[]").lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpClient:
    # Tests (and embedders) can route requests to an in-process app:
    # a callable taking the base URL and returning an httpx transport.
    transport_factory: ClassVar[Callable[[str], httpx.BaseTransport] | None] = None

    def __init__(
        self,
        base_url: str,
        *,
        settings: Settings | None = None,
        token: str | None = None,
        ca_bundle: str | None = None,
        timeout: float | None = None,
        insecure_http: bool | None = None,
    ) -> None:
        self.base_url = token_store.normalize_server(base_url)
        if not self.base_url.startswith(("http://", "https://")):
            raise InvalidInput("server_url_scheme", field="server", value=base_url)
        self.settings = settings
        self._token = token
        self.ca_bundle = ca_bundle or (settings.get("ca_bundle") if settings is not None else None)
        if timeout is None and settings is not None and settings.get("timeout"):
            from guance_billing_cli.config import check_value

            timeout = float(check_value("timeout", str(settings.get("timeout"))))
        self.timeout = timeout or DEFAULT_TIMEOUT
        if insecure_http is None and settings is not None:
            insecure_http = str(settings.get("insecure_http") or "").lower() in TRUE_WORDS
        self.insecure_http = bool(insecure_http)
        self._http: httpx.Client | None = None

    # -- plumbing -------------------------------------------------------------
    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            import httpx

            factory = type(self).transport_factory
            kwargs: dict[str, Any] = {}
            if factory is not None:
                kwargs["transport"] = factory(self.base_url)
            else:
                kwargs["verify"] = self._ssl_context()
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=httpx.Timeout(self.timeout, connect=min(CONNECT_TIMEOUT, self.timeout)),
                headers={"User-Agent": f"guance-billing/{__version__}"},
                **kwargs,
            )
        return self._http

    def _ssl_context(self) -> Any:
        if not self.base_url.startswith("https://"):
            # no TLS on plain http; skipping the default context saves ~60 ms (CA bundle load)
            return False
        import ssl

        if self.ca_bundle:
            path = os.path.expanduser(str(self.ca_bundle))
            if not os.path.isfile(path):
                raise InvalidInput("ca_bundle_missing", field="ca_bundle", path=path)
            return ssl.create_default_context(cafile=path)
        return ssl.create_default_context()

    def token(self) -> str:
        if self._token is None:
            found = token_store.lookup(self.base_url)
            if found.token is None:
                raise AuthenticationFailed(
                    "not_logged_in_keyring" if found.keyring_error else "not_logged_in",
                    server=self.base_url,
                    why=found.keyring_error or "",
                    next_step="login",
                )
            self._token = found.token
        return self._token

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # -- the operations (api/<noun>.py) ------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        """``client.bind_workspaces(...)``: the declared operation, sent as its route says."""
        return operation_method(self, name, self._run)

    def _run(self, op: Operation, values: dict[str, Any]) -> Any:
        return self._stream_call(op, values) if op.streams else self._call(op, values)

    # -- one operation ------------------------------------------------------------
    def _request_parts(self, op: Operation, values: dict[str, Any]) -> dict[str, Any]:
        path = op.path
        query: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for p in op.params:
            value = values.get(p.name, None if p.required else p.default)
            if p.where in ("path", "query") and isinstance(value, str) and len(value) > MAX_REF:
                # No id, username, email or phone is this long: nothing can match, as the
                # local store would answer (and such a URL would not reach the server).
                raise NotFound("longer_than_any", field=p.name, value=value[:40], name=p.name)
            if p.where == "path":
                path = path.replace("{" + p.name + "}", quote(str(value), safe=""))
            elif p.where == "query":
                if value is None:
                    continue
                data = wire.dump(value)
                if p.is_model:
                    query.update({k: v for k, v in data.items() if v is not None})
                else:
                    query[p.name] = data
            elif p.where == "body":
                body[p.name] = wire.dump(value)
        parts: dict[str, Any] = {"url": path}
        if query:
            parts["params"] = query
        if op.method != "GET" and any(p.where == "body" for p in op.params):
            parts["json"] = next(iter(body.values())) if op.body_is_model else body
        # a list as one NDJSON stream (the server's default is a JSON page)
        headers = {"Accept": "application/x-ndjson" if op.streams else "application/json"}
        carries_secret = op.route.auth or any(
            wire.has_secret(values.get(p.name)) for p in op.params if p.where == "body"
        )
        if carries_secret:
            self._refuse_cleartext()
        if op.route.auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        if op.route.idempotent:  # a retry after a broken connection cannot apply it twice
            import uuid

            headers["Idempotency-Key"] = str(uuid.uuid4())
        parts["headers"] = headers
        return parts

    def _refuse_cleartext(self) -> None:
        """No token or password over plain HTTP to another host, unless told so.

        An in-process transport (``transport_factory``) carries nothing over a network.
        """
        if self.insecure_http or type(self).transport_factory is not None:
            return
        url = urlsplit(self.base_url)
        if url.scheme == "https" or is_loopback(url.hostname or ""):
            return
        raise InvalidInput(
            "cleartext_credentials",
            field="server",
            host=url.hostname or "",
            url=self.base_url,
            option_field="insecure_http",
        )

    def _call(self, op: Operation, values: dict[str, Any]) -> Any:
        parts = self._request_parts(op, values)
        progress = next((values[p.name] for p in op.params if p.where == "local"), None)
        total = next(
            (
                len(values[p.name])
                for p in op.params
                if isinstance(values.get(p.name), Sequence) and p.where == "body"
            ),
            0,
        )
        if progress is not None:
            progress(0, total)
        response = self._send(op, parts)
        self._raise_for_error(response)
        try:
            data = response.json()
        except ValueError:
            raise Unavailable("server_not_json", url=self.base_url) from None
        result = wire.load(op.returns, data)
        if progress is not None:  # the server ran the batch; report its end
            progress(total, total)
        return result

    def _stream_call(self, op: Operation, values: dict[str, Any]) -> Iterator[Any]:
        return self._stream(op, self._request_parts(op, values))

    def _send(self, op: Operation, parts: dict[str, Any], *, stream: bool = False) -> Any:
        import httpx

        # reads, and writes sent with an Idempotency-Key (a replay answers the first result)
        keyed = "Idempotency-Key" in parts.get("headers", {})
        attempts = 1 + (READ_RETRIES if op.method == "GET" or keyed else 0)
        for attempt in range(attempts):
            try:
                request = self.http.build_request(op.method, **parts)
            except httpx.InvalidURL as exc:  # a query value longer than a URL may be
                raise InvalidInput("too_long_for_a_url", why=_reason(exc)) from None
            try:
                return self.http.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt + 1 < attempts:
                    time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                    continue
                raise Unavailable(
                    "server_unreachable", url=self.base_url, why=_reason(exc), next_step="doctor"
                ) from None
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if keyed and attempt + 1 < attempts:  # sent, answer lost: the key makes it safe
                    time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                    continue
                raise Unavailable(
                    "server_connection_failed", url=self.base_url, why=_reason(exc)
                ) from None
            except httpx.TimeoutException:
                raise Unavailable(
                    "server_timeout", url=self.base_url, seconds=f"{self.timeout:g}"
                ) from None
            except httpx.TransportError as exc:
                raise Unavailable(
                    "server_connection_failed",
                    url=self.base_url,
                    why=_reason(exc),
                    next_step="doctor",
                ) from None
        raise AssertionError("unreachable")

    def _raise_for_error(self, response: httpx.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        if response.is_stream_consumed is False:
            response.read()
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            raise error_from_dict(body["error"])
        raise Unavailable("server_bad_status", url=self.base_url, status=response.status_code)

    def _stream(self, op: Operation, parts: dict[str, Any]) -> Iterator[Any]:
        import httpx

        response = self._send(op, parts, stream=True)
        try:
            self._raise_for_error(response)
            for line in response.iter_lines():
                if not line:
                    continue
                data = json.loads(line)
                if isinstance(data, dict) and isinstance(data.get("_error"), dict):
                    raise error_from_dict(data["_error"])
                yield wire.load(op.returns, data)
        except BillingError:
            raise
        except ValueError:
            raise Unavailable("server_bad_stream", url=self.base_url) from None
        except httpx.TransportError as exc:
            raise Unavailable("server_stream_broke", url=self.base_url, why=_reason(exc)) from None
        finally:
            response.close()


def _reason(exc: Exception) -> str:
    """The first line of ``exc`` for a person: ``connection refused``, not
    ``[Errno 111] Connection refused``."""
    import re

    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    plain = re.sub(r"^\[Errno -?\d+\]\s*", "", first)
    return plain[:1].lower() + plain[1:] if plain else first
