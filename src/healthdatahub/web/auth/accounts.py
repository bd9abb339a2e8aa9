"""Account operations: sign-in with lockout and rate limit, second factor, invitations, admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import User
from healthdatahub.store.models_portal import ROLES, Invitation, LoginAttempt, RecoveryCode
from healthdatahub.store.types import utcnow
from healthdatahub.web.auth import passwords, totp
from healthdatahub.web.auth.tokens import new_token, token_hash

RATE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class SignIn:
    """The result of a password check: the user id, or why it failed."""

    user_id: int | None
    failure: str | None = None  # "invalid", "locked", "rate_limited"


def _norm(email: str) -> str:
    return email.strip().lower()


def _locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _fail(settings: Settings, user: User | None, client_key: str, now: datetime) -> None:
    """Count one failure against the client and the account (lock it at the threshold)."""
    with session_scope(settings) as db:
        db.add(LoginAttempt(client_key=client_key, user_id=user.id if user else None, at=now))
        db.execute(delete(LoginAttempt).where(LoginAttempt.at < now - RATE_WINDOW))
        if user is not None:
            fresh = db.get(User, user.id)
            fresh.failed_logins += 1
            if fresh.failed_logins >= settings.login_max_failures:
                fresh.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                fresh.failed_logins = 0


def rate_limited(settings: Settings, client_key: str) -> bool:
    """True when this client has failed too often in the last 15 minutes."""
    with session_scope(settings) as db:
        count = db.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.client_key == client_key, LoginAttempt.at > utcnow() - RATE_WINDOW))
    return (count or 0) >= settings.login_rate_per_ip


def check_password(settings: Settings, email: str, password: str, client_key: str) -> SignIn:
    """First factor: the account's id when the password is right and the account usable."""
    now = utcnow()
    if rate_limited(settings, client_key):
        return SignIn(None, "rate_limited")
    with session_scope(settings) as db:
        user = db.scalar(select(User).where(User.email == _norm(email)))
    if user is not None and _locked(user, now):
        return SignIn(None, "locked")
    ok = passwords.check_password(settings, user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        _fail(settings, user, client_key, now)
        with session_scope(settings) as db:
            fresh = db.get(User, user.id) if user else None
            if fresh is not None and _locked(fresh, utcnow()):
                return SignIn(None, "locked")
        return SignIn(None, "invalid")
    return SignIn(user.id)


def check_second_factor(settings: Settings, user_id: int, code: str, client_key: str) -> str:
    """Second factor (TOTP or a recovery code): "ok", "invalid" or "locked"."""
    now = utcnow()
    with session_scope(settings) as db:
        user = db.get(User, user_id)
        if user is None or not user.is_active or _locked(user, now):
            return "locked"
        if user.totp_secret and user.totp_confirmed_at is not None:
            step = totp.matching_step(user.totp_secret, code, user.totp_last_step)
            if step is not None:
                user.totp_last_step, user.failed_logins, user.last_login_at = step, 0, now
                return "ok"
        if "-" in code:
            spare = db.scalar(select(RecoveryCode).where(
                RecoveryCode.user_id == user_id, RecoveryCode.code_hash == totp.hash_code(code),
                RecoveryCode.used_at.is_(None)))
            if spare is not None:
                spare.used_at, user.failed_logins, user.last_login_at = now, 0, now
                return "ok"
    _fail(settings, user, client_key, now)
    with session_scope(settings) as db:
        return "locked" if _locked(db.get(User, user_id), utcnow()) else "invalid"


def enrolment_secret(settings: Settings, user_id: int) -> str:
    """The pending TOTP secret of a user who has not confirmed one yet (created if needed)."""
    with session_scope(settings) as db:
        user = db.get(User, user_id)
        if user.totp_confirmed_at is not None:
            raise HubError("Two-factor authentication is already enrolled for this account.")
        if not user.totp_secret:
            user.totp_secret = totp.new_secret()
        return user.totp_secret


def _replace_recovery_codes(db, user_id: int) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = totp.new_recovery_codes()
    db.add_all(RecoveryCode(user_id=user_id, code_hash=totp.hash_code(c)) for c in codes)
    return codes


def confirm_enrolment(settings: Settings, user_id: int, code: str) -> list[str] | None:
    """Confirm TOTP with a first code; returns fresh recovery codes, or None if the code is wrong."""
    with session_scope(settings) as db:
        user = db.get(User, user_id)
        if not user.totp_secret or user.totp_confirmed_at is not None:
            return None
        step = totp.matching_step(user.totp_secret, code, user.totp_last_step)
        if step is None:
            return None
        user.totp_last_step, user.totp_confirmed_at, user.last_login_at = step, utcnow(), utcnow()
        return _replace_recovery_codes(db, user_id)


def regenerate_recovery_codes(settings: Settings, user_id: int) -> list[str]:
    """Replace a user's recovery codes by fresh ones."""
    with session_scope(settings) as db:
        return _replace_recovery_codes(db, user_id)


def remaining_recovery_codes(settings: Settings, user_id: int) -> int:
    """How many unused recovery codes a user has."""
    with session_scope(settings) as db:
        return db.scalar(select(func.count()).select_from(RecoveryCode).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def create_user(settings: Settings, email: str, display_name: str, role: str,
                password: str, totp_secret: str | None = None) -> int:
    """Create an account (a given TOTP secret counts as already enrolled); returns its id."""
    if role not in ROLES:
        raise HubError(f"Unknown role {role!r}; expected one of {', '.join(ROLES)}.")
    problem = passwords.password_problem(password)
    if problem:
        raise HubError(problem)
    with session_scope(settings) as db:
        if db.scalar(select(User.id).where(User.email == _norm(email))) is not None:
            raise HubError("An account with this email already exists.")
        user = User(email=_norm(email), display_name=display_name.strip()[:200], role=role,
                    password_hash=passwords.hash_password(settings, password),
                    totp_secret=totp_secret,
                    totp_confirmed_at=utcnow() if totp_secret else None)
        db.add(user)
        db.flush()
        return user.id


def invite(settings: Settings, email: str, role: str, by: int | None) -> tuple[int, str]:
    """Create a one-time invitation; returns its id and the secret token of the link."""
    email = _norm(email)
    if role not in ROLES or "@" not in email or len(email) > 320:
        raise HubError("An invitation needs a valid email and one of the hub's roles.")
    token = new_token()
    with session_scope(settings) as db:
        if db.scalar(select(User.id).where(User.email == email)) is not None:
            raise HubError("An account with this email already exists.")
        row = Invitation(email=email, role=role, token_hash=token_hash(token), created_by=by,
                         expires_at=utcnow() + timedelta(hours=settings.invitation_hours))
        db.add(row)
        db.flush()
        return row.id, token


def open_invitation(settings: Settings, token: str) -> Invitation | None:
    """The unused, unexpired invitation of ``token``, or None."""
    with session_scope(settings) as db:
        row = db.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
        if row is None or row.used_at is not None or row.expires_at < utcnow():
            return None
        db.expunge(row)
        return row


def accept_invitation(settings: Settings, token: str, display_name: str, password: str) -> int:
    """Create the invited account (once); returns its id."""
    invitation = open_invitation(settings, token)
    if invitation is None:
        raise HubError("This invitation link is invalid, expired or already used.")
    user_id = create_user(settings, invitation.email, display_name or invitation.email,
                          invitation.role, password)
    with session_scope(settings) as db:
        claimed = db.execute(update(Invitation).where(
            Invitation.id == invitation.id, Invitation.used_at.is_(None)).values(used_at=utcnow()))
        if claimed.rowcount != 1:
            db.execute(delete(User).where(User.id == user_id))
            raise HubError("This invitation link is invalid, expired or already used.")
    return user_id


def set_role(settings: Settings, user_id: int, role: str) -> None:
    """Change a user's hub-wide role."""
    if role not in ROLES:
        raise HubError(f"Unknown role {role!r}; expected one of {', '.join(ROLES)}.")
    with session_scope(settings) as db:
        user = db.get(User, user_id)
        if user is None:
            raise HubError(f"There is no user with id {user_id}.")
        user.role = role


def reset_two_factor(settings: Settings, user_id: int) -> None:
    """Remove a user's TOTP and recovery codes; they enrol again at next sign-in."""
    with session_scope(settings) as db:
        user = db.get(User, user_id)
        if user is None:
            raise HubError(f"There is no user with id {user_id}.")
        user.totp_secret, user.totp_confirmed_at, user.totp_last_step = None, None, None
        db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def set_active(settings: Settings, user_id: int, active: bool) -> None:
    """Deactivate (or reactivate) an account; a deactivated one cannot sign in."""
    with session_scope(settings) as db:
        user = db.get(User, user_id)
        if user is None:
            raise HubError(f"There is no user with id {user_id}.")
        user.is_active = active
        if active:
            user.locked_until, user.failed_logins = None, 0
