"""``HttpClient``: the ``BillingClient`` protocol over HTTP (httpx).

Methods are not written by hand: ``client/operations.py`` describes how each
protocol method travels (method, path, query, body, stream), and ``__getattr__``
turns a call into that request. Errors come back as ``{"error": {...}}`` and are
re-raised as the same domain error, so exit codes match the local store.

Reads (GET) are retried on connection failures; writes never are. TLS is verified
(``ca_bundle`` / ``--ca-bundle`` for a private CA). Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from guance_billing_cli import __version__
from guance_billing_cli.client import token_store, wire
from guance_billing_cli.client.operations import Operation
from guance_billing_cli.client.operations import get as get_operation
from guance_billing_cli.errors import (
    AuthenticationFailed,
    BillingError,
    InvalidInput,
    Unavailable,
    error_from_dict,
)

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
READ_RETRIES = 2
RETRY_DELAYS = (0.2, 0.5)


class HttpClient:
    # Tests (and embedders) can route requests to an in-process app:
    # a callable taking the base URL and returning an httpx transport.
    transport_factory: ClassVar[Callable[[str], httpx.BaseTransport] | None] = None

    def __init__(
        self,
        base_url: str,
        *,
        settings: Any = None,
        token: str | None = None,
        ca_bundle: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.base_url = token_store.normalize_server(base_url)
        if not self.base_url.startswith(("http://", "https://")):
            raise InvalidInput("server_url_scheme", field="server", value=base_url)
        self.settings = settings
        self._token = token
        self.ca_bundle = ca_bundle or (settings.get("ca_bundle") if settings is not None else None)
        if timeout is None and settings is not None and settings.get("timeout"):
            try:
                timeout = float(settings.get("timeout"))
            except ValueError:
                raise InvalidInput("timeout_not_a_number", field="timeout") from None
        self.timeout = timeout or DEFAULT_TIMEOUT
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

    def __getattr__(self, name: str) -> Any:
        op = get_operation(name) if not name.startswith("_") else None
        if op is None:
            raise AttributeError(name)

        def method(*args: Any, **kwargs: Any) -> Any:
            return self.call(op, *args, **kwargs)

        method.__name__ = name
        return method

    # -- one operation ------------------------------------------------------------
    def _request_parts(
        self, op: Operation, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        bound = op.signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        path = op.path
        query: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for p in op.params:
            value = values.get(p.name)
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
        if op.method != "GET" and op.params and any(p.where == "body" for p in op.params):
            parts["json"] = next(iter(body.values())) if op.body_is_model else body
        headers = {"Accept": "application/json"}
        if op.route.auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        parts["headers"] = headers
        return parts

    def call(self, op: Operation, *args: Any, **kwargs: Any) -> Any:
        parts = self._request_parts(op, args, kwargs)
        if op.streams:
            return self._stream(op, parts)
        progress, total = self._progress(op, args, kwargs)
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

    @staticmethod
    def _progress(
        op: Operation, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Callable[[int, int], None] | None, int]:
        """A caller's progress callback and the batch size (the first sized body argument)."""
        local = [p.name for p in op.params if p.where == "local"]
        if not local:
            return None, 0
        values = op.signature.bind(None, *args, **kwargs).arguments
        callback = next((values[name] for name in local if callable(values.get(name))), None)
        if callback is None:
            return None, 0
        sized = (values.get(p.name) for p in op.params if p.where == "body")
        total = next((len(v) for v in sized if isinstance(v, list | tuple)), 0)
        return callback, total

    def _send(self, op: Operation, parts: dict[str, Any], *, stream: bool = False) -> Any:
        import httpx

        attempts = 1 + (READ_RETRIES if op.method == "GET" else 0)
        for attempt in range(attempts):
            try:
                request = self.http.build_request(op.method, **parts)
                return self.http.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt + 1 < attempts:
                    time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                    continue
                raise Unavailable(
                    "server_unreachable", url=self.base_url, why=_reason(exc)
                ) from None
            except httpx.TimeoutException:
                raise Unavailable(
                    "server_timeout", url=self.base_url, seconds=f"{self.timeout:g}"
                ) from None
            except httpx.TransportError as exc:
                raise Unavailable(
                    "server_connection_failed", url=self.base_url, why=_reason(exc)
                ) from None
        raise AssertionError("unreachable")

    def _raise_for_error(self, response: httpx.Response) -> None:
        if response.status_code == 200:
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
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
