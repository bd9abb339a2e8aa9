"""Per-request plumbing: who is asking, the policy guard, the CSRF check, audit helper."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request
from sqlalchemy import select

from healthdatahub import audit
from healthdatahub.config import Settings
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import User
from healthdatahub.store.models_portal import ApiToken
from healthdatahub.store.types import utcnow
from healthdatahub.web import policy
from healthdatahub.web.auth import sessions
from healthdatahub.web.auth.secrets_store import secret_key
from healthdatahub.web.auth.tokens import API_PREFIX, token_hash

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
#: Header on every refusal by the policy guard (tests tell them from a route's own 401/403).
DENIED = {"x-hdh-policy": "denied"}


class Redirect(Exception):
    """Raised by the guard to send a browser elsewhere (303)."""

    def __init__(self, location: str):
        self.location = location


def get_settings(request: Request) -> Settings:
    """The settings of the app serving this request."""
    return request.app.state.settings


def is_api(request: Request) -> bool:
    """True for the JSON API (errors as JSON, 401 instead of redirects)."""
    return request.url.path.startswith("/api/")


def client_key(request: Request) -> str:
    """A keyed hash of the client address (rate limiting without storing addresses)."""
    host = request.client.host if request.client else "unknown"
    key = secret_key(get_settings(request))
    return hashlib.sha256(f"{key}:{host}".encode()).hexdigest()


def _from_token(settings: Settings, raw: str) -> policy.Principal | None:
    if not raw.startswith(API_PREFIX) or len(raw) > 200:
        return None
    with session_scope(settings) as db:
        row = db.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(
            ApiToken.token_hash == token_hash(raw), ApiToken.revoked_at.is_(None))).first()
        if row is None or not row[1].is_active:
            return None
        token, user = row
        token.last_used_at = utcnow()
        return policy.Principal(user.id, user.role, user.email, user.display_name, True, True,
                                "token", token_project_id=token.project_id)


def resolve_principal(request: Request) -> policy.Principal:
    """The principal of this request (session cookie or Bearer token), cached on the request."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    settings = get_settings(request)
    principal = policy.Principal()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        principal = _from_token(settings, auth[7:].strip()) or policy.Principal(via="bad-token")
    else:
        sid = sessions.unsign(settings, request.cookies.get(sessions.COOKIE))
        info = sessions.load(settings, sid) if sid else None
        if info is not None:
            principal = policy.Principal(info.user_id, info.role, info.email, info.display_name,
                                         info.two_factor_done, info.totp_enrolled, "session",
                                         info.session_id, info.csrf_secret)
        elif request.cookies.get(sessions.COOKIE):
            request.state.clear_session = True
    request.state.principal = principal
    return principal


Me = Annotated[policy.Principal, Depends(resolve_principal)]

#: A row id in a path: bounded, so an absurd id is a 422, never a database overflow.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def authorize(request: Request,
                    principal: Me) -> policy.Principal:
    """The global guard: ask the policy about this route; refuse, redirect or let through.

    Pure computation, so ``async``: it runs on the event loop, not in a worker thread.
    """
    route = request.scope.get("route")
    decision = policy.decide(getattr(route, "name", None), principal, api=is_api(request))
    if decision.allowed:
        return principal
    if principal.via == "bad-token":
        raise HTTPException(401, "The API token is invalid or revoked.", DENIED)
    if decision.redirect and request.method == "GET":
        raise Redirect(decision.redirect + _next_param(request))
    messages = {401: "Sign in (with your second factor) to see this page.",
                403: "You do not have access to this page."}
    raise HTTPException(decision.status, messages.get(decision.status, "Refused."), DENIED)


def _next_param(request: Request) -> str:
    path = request.url.path
    return f"?next={path}" if path.startswith("/") and not path.startswith("//") else ""


def csrf_binding(request: Request, principal: policy.Principal) -> str | None:
    """What the CSRF token is bound to: the session, or the anonymous pre-session cookie."""
    if principal.csrf_secret:
        return principal.csrf_secret
    pre = getattr(request.state, "pre_session", None)
    if pre:
        return pre
    return sessions.unsign(get_settings(request), request.cookies.get(sessions.PRE_COOKIE), "pre")


async def check_csrf(request: Request,
                     principal: Me) -> None:
    """Refuse unsafe requests without the CSRF token of their session (API tokens exempt)."""
    if request.method not in UNSAFE_METHODS or principal.via == "token":
        return
    token = request.headers.get("x-csrf-token")
    if token is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token")
        token = value if isinstance(value, str) else None
    binding = csrf_binding(request, principal)
    if not sessions.csrf_valid(get_settings(request), binding, token):
        raise HTTPException(403, "The form has expired or was not sent by this site; reload it.")


def record(request: Request, action: str, outcome: str = "success", *,
           actor_id: int | None = None, actor_email: str | None = None,
           object_type: str | None = None, object_id: Any = None,
           details: dict[str, Any] | None = None) -> None:
    """Write an audit entry for this request (actor defaults to the signed-in principal)."""
    principal: policy.Principal = getattr(request.state, "principal", None) or policy.Principal()
    audit.record(get_settings(request), action, outcome=outcome,
                 actor_id=actor_id if actor_id is not None else principal.user_id,
                 actor_email=actor_email, object_type=object_type, object_id=object_id,
                 request_id=getattr(request.state, "request_id", None), details=details)
