"""Server-side sessions behind a signed cookie: created and rotated at login, idle expiry."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import delete, select, update

from healthdatahub.config import Settings
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import User
from healthdatahub.store.models_portal import WebSession
from healthdatahub.store.types import utcnow
from healthdatahub.web.auth.secrets_store import secret_key

COOKIE = "hdh_session"
PRE_COOKIE = "hdh_pre"
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionInfo:
    """A live session and its user's authorisation facts."""

    session_id: str
    user_id: int
    email: str
    display_name: str
    role: str
    two_factor_done: bool
    totp_enrolled: bool
    csrf_secret: str


def _signer(settings: Settings, salt: str) -> Signer:
    return Signer(secret_key(settings), salt=salt)


def sign(settings: Settings, value: str, salt: str = "session") -> str:
    """``value`` signed for a cookie."""
    return _signer(settings, salt).sign(value).decode("ascii")


def unsign(settings: Settings, cookie: str | None, salt: str = "session") -> str | None:
    """The value of a signed cookie, or None when it is missing or tampered with."""
    if not cookie or len(cookie) > 512:
        return None
    try:
        return _signer(settings, salt).unsign(cookie).decode("ascii")
    except (BadSignature, UnicodeDecodeError):
        return None


def create(settings: Settings, user_id: int, two_factor_done: bool,
           replace: str | None = None) -> str:
    """A new session id for ``user_id`` (deleting ``replace``: ids rotate at each login step)."""
    sid = secrets.token_urlsafe(32)
    with session_scope(settings) as db:
        if replace:
            db.execute(delete(WebSession).where(WebSession.id == replace))
        db.add(WebSession(id=sid, user_id=user_id, two_factor_done=two_factor_done,
                          csrf_secret=secrets.token_hex(16)))
    return sid


def end(settings: Settings, session_id: str) -> None:
    """Delete one session (logout)."""
    with session_scope(settings) as db:
        db.execute(delete(WebSession).where(WebSession.id == session_id))


def end_all(settings: Settings, user_id: int) -> None:
    """Delete every session of a user (deactivation, 2FA reset)."""
    with session_scope(settings) as db:
        db.execute(delete(WebSession).where(WebSession.user_id == user_id))


def load(settings: Settings, session_id: str) -> SessionInfo | None:
    """The live session ``session_id``, or None when unknown, expired or its user inactive.

    Asked on every request, so it reads columns, not ORM objects, and writes only when the
    session is touched (once a minute) or expired.
    """
    now = utcnow()
    with session_scope(settings) as db:
        row = db.execute(
            select(WebSession.two_factor_done, WebSession.csrf_secret, WebSession.created_at,
                   WebSession.last_seen_at, User.id, User.email, User.display_name, User.role,
                   User.is_active, User.totp_confirmed_at.is_not(None))
            .join(User, User.id == WebSession.user_id).where(WebSession.id == session_id)
        ).first()
        if row is None:
            return None
        (two_factor_done, csrf_secret, created_at, last_seen_at, user_id, email, display_name,
         role, is_active, totp_enrolled) = row
        idle = timedelta(minutes=settings.session_idle_minutes)
        age = timedelta(hours=settings.session_max_hours)
        if not is_active or now - last_seen_at > idle or now - created_at > age:
            db.execute(delete(WebSession).where(WebSession.id == session_id))
            return None
        if now - last_seen_at > TOUCH_EVERY:
            db.execute(update(WebSession).where(WebSession.id == session_id)
                       .values(last_seen_at=now))
        return SessionInfo(session_id, user_id, email, display_name, role, bool(two_factor_done),
                           bool(totp_enrolled), csrf_secret)


def csrf_token(settings: Settings, binding: str) -> str:
    """The CSRF token of a session (or of an anonymous pre-session id)."""
    key = secret_key(settings).encode("utf-8")
    return hmac.new(key, b"csrf:" + binding.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_valid(settings: Settings, binding: str | None, token: str | None) -> bool:
    """True when ``token`` is the CSRF token of ``binding``."""
    if not binding or not token or len(token) != 64:
        return False
    return hmac.compare_digest(csrf_token(settings, binding), token)
