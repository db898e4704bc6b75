"""The remote backends' server: the real FastAPI app, in-process, reached by HttpClient."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport into an ASGI app, on an anyio portal thread.

    (Starlette's TestClient does the same but is deprecated with httpx.)
    """

    def __init__(self, asgi_app: Any) -> None:
        import anyio.from_thread

        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._inner = httpx.ASGITransport(app=asgi_app, raise_app_exceptions=False)

    def handle_request(self, request: Any) -> Any:
        body = request.read()

        async def send() -> tuple[int, Any, bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._inner.handle_async_request(forwarded)
            content = await response.aread()
            return response.status_code, response.headers, content

        status, headers, content = self._portal.call(send)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:  # shared by every client of the test; see shutdown
        pass

    def shutdown(self) -> None:
        self._portal_cm.__exit__(None, None, None)


@dataclass
class RemoteServer:
    url: str
    token: str
    store_url: str
    app: Any
    transport: SyncASGITransport

    def refresh(self) -> None:
        """Settings as a freshly started server would read them (tests change config)."""
        import contextlib

        from guance_billing_cli.config import resolve_settings
        from guance_billing_cli.errors import BillingError

        # a broken config is the CLI's to report; the server keeps what it had
        with contextlib.suppress(BillingError):
            self.app.state.backend.settings = resolve_settings(store=self.store_url)


def bootstrap_token(engine: Any) -> str:
    """A support token written straight into the store, as an operator's bootstrap:
    no audit event, so the audit trail is the same as a local run's."""
    from guance_billing_cli.services import clock
    from guance_billing_cli.services.tokens import TOKEN_PREFIX, hash_token
    from guance_billing_cli.store.models import ApiToken

    secret = TOKEN_PREFIX + "test-" + os.urandom(16).hex()
    with engine.begin() as conn:
        conn.execute(
            ApiToken.__table__.insert().values(  # type: ignore[attr-defined]
                id="tok_testsupport",
                name="test-support",
                role="support",
                account_id=None,
                scopes="",
                prefix=secret[:10],
                token_hash=hash_token(secret),
                created_at=clock.now(),
                created_by="tests",
                expires_at=None,
                revoked_at=None,
            )
        )
    return secret
