"""ASGI middleware: request ids, security headers, request body limit."""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
#: For the hub's generated reports (ingestion, linkage): script-free pages with inline styles.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class TooLarge(Exception):
    """The request body exceeds the limit."""


class SecurityMiddleware:
    """Adds a request id and security headers; refuses bodies over ``max_body`` with 413.

    Upload routes (paths ending in ``/upload``: data holders' tables) get ``upload_max_body``.
    """

    def __init__(self, app: ASGIApp, max_body: int, hsts: bool, upload_max_body: int = 0):
        self.app, self.max_body, self.hsts = app, max_body, hsts
        self.upload_max_body = max(max_body, upload_max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        headers = dict(scope.get("headers") or [])
        limit = self.upload_max_body if scope.get("path", "").endswith("/upload") else self.max_body
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._too_large(scope, send, request_id)
            return
        received = 0
        started = over = False

        async def limited_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise TooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if over:  # the app turned our TooLarge into its own error: answer 413 instead
                if not started:
                    started = True
                    await self._too_large(scope, send, request_id)
                return
            if message["type"] == "http.response.start":
                started = True
                extra = list(HEADERS) + [(b"x-request-id", request_id.encode())]
                if self.hsts:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                existing = {k.lower() for k, _ in message.get("headers", [])}
                if b"cache-control" not in existing:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in extra if h[0] not in existing]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except TooLarge:
            if not started:
                await self._too_large(scope, send, request_id)

    async def _too_large(self, scope: Scope, send: Send, request_id: str) -> None:
        body: Any = json.dumps({"detail": "The request body is too large."}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"x-request-id", request_id.encode()),
                                *HEADERS]})
        await send({"type": "http.response.body", "body": body})
