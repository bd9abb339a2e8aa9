"""Sign-in with mandatory TOTP: enrolment, replay, recovery codes, lockout, sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select, update

from healthdatahub.audit import list_events
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import User
from healthdatahub.store.models_portal import WebSession
from healthdatahub.store.types import utcnow
from healthdatahub.web.auth import accounts, sessions
from healthdatahub.web.testing import PASSWORD, add_user, csrf


def _login(http, email: str, password: str = PASSWORD):
    return http.post("/login", data={"email": email, "password": password,
                                     "csrf_token": csrf(http), "next": "/dashboard"})


def _code(http, secret: str, code: str | None = None, page: str = "/2fa"):
    return http.post(page, data={"code": code or pyotp.TOTP(secret).now(),
                                 "csrf_token": csrf(http, page), "next": "/dashboard"})


def test_password_alone_reaches_nothing_private_then_totp_signs_in(portal, http) -> None:
    user_id, secret = add_user(portal, "researcher", "r1@example.org")
    response = _login(http, "r1@example.org")
    assert response.status_code == 303 and response.headers["location"].startswith("/2fa")
    pending = http.cookies.get(sessions.COOKIE)
    for path in ("/dashboard", "/jobs", "/account", "/admin/users"):
        assert http.get(path).status_code == 303
    assert http.get("/api/v1/me").status_code == 401
    response = _code(http, secret)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    assert http.cookies.get(sessions.COOKIE) != pending  # the session id rotated
    assert http.get("/dashboard").status_code == 200
    assert http.get("/api/v1/me").json()["id"] == user_id
    actions = [e.action for e in list_events(portal)[0]]
    assert "login.password" in actions and "login.second_factor" in actions


def test_wrong_password_and_wrong_or_replayed_code_are_refused(portal, http) -> None:
    add_user(portal, "researcher", "r2@example.org")
    assert _login(http, "r2@example.org", "wrong password!!").status_code == 401
    assert _login(http, "nobody@example.org").status_code == 401
    with session_scope(portal) as db:
        secret = db.scalar(select(User.totp_secret).where(User.email == "r2@example.org"))
    _login(http, "r2@example.org")
    assert _code(http, secret, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
                 ).status_code == 401
    code = pyotp.TOTP(secret).now()
    assert _code(http, secret, code).status_code == 303
    http.post("/logout", data={"csrf_token": csrf(http, "/dashboard")})
    _login(http, "r2@example.org")
    assert _code(http, secret, code).status_code == 401  # replayed
    failures = [e for e in list_events(portal, outcome="failure")[0]]
    assert {e.action for e in failures} == {"login.password", "login.second_factor"}


def test_first_sign_in_enrols_totp_and_recovery_codes_work_once(portal, http) -> None:
    user_id = accounts.create_user(portal, "new@example.org", "New", "data_holder", PASSWORD)
    response = _login(http, "new@example.org")
    assert response.headers["location"].startswith("/2fa/enrol")
    page = http.get("/2fa/enrol")
    assert "<svg" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert _code(http, secret, "123456", "/2fa/enrol").status_code == 401
    done = _code(http, secret, page="/2fa/enrol")
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code>", done.text)
    assert len(codes) == 10
    assert http.get("/dashboard").status_code == 200
    http.post("/logout", data={"csrf_token": csrf(http, "/dashboard")})
    assert http.get("/dashboard").status_code == 303
    _login(http, "new@example.org")
    assert _code(http, secret, codes[0]).status_code == 303
    http.post("/logout", data={"csrf_token": csrf(http, "/dashboard")})
    _login(http, "new@example.org")
    assert _code(http, secret, codes[0]).status_code == 401  # one time only
    assert accounts.remaining_recovery_codes(portal, user_id) == 9


def test_repeated_failures_lock_the_account(portal, http) -> None:
    add_user(portal, "researcher", "r3@example.org")
    statuses = [_login(http, "r3@example.org", "bad password 123").status_code
                for _ in range(portal.login_max_failures)]
    assert statuses[:-1] == [401] * (portal.login_max_failures - 1)
    assert statuses[-1] == 403
    assert _login(http, "r3@example.org").status_code == 403  # even the right password
    with session_scope(portal) as db:
        assert db.scalar(select(User.locked_until).where(User.email == "r3@example.org"))


def test_rate_limit_per_client(portal, http) -> None:
    limited = portal.model_copy(update={"login_rate_per_ip": 3})
    http.app.state.settings = limited
    for _ in range(3):
        assert _login(http, "ghost@example.org").status_code == 401
    assert _login(http, "ghost@example.org").status_code == 429


def test_idle_session_expires_and_logout_revokes(portal, http) -> None:
    from healthdatahub.web.testing import sign_in

    user_id, _ = add_user(portal, "reviewer")
    sid = sign_in(portal, http, user_id)
    assert http.get("/dashboard").status_code == 200
    with session_scope(portal) as db:
        db.execute(update(WebSession).where(WebSession.id == sid).values(
            last_seen_at=utcnow() - timedelta(minutes=portal.session_idle_minutes + 1)))
    assert http.get("/dashboard").status_code == 303
    sid = sign_in(portal, http, user_id)
    stolen = http.cookies.get(sessions.COOKIE)
    http.post("/logout", data={"csrf_token": csrf(http, "/dashboard")})
    http.cookies.set(sessions.COOKIE, stolen)
    assert http.get("/dashboard").status_code == 303  # the old cookie is dead
    with session_scope(portal) as db:
        assert db.get(WebSession, sid) is None


def test_invitation_sign_up_is_one_time(portal, http) -> None:
    _, token = accounts.invite(portal, "invitee@example.org", "data_holder", None)
    form = http.get(f"/invite/{token}")
    assert form.status_code == 200 and "invitee@example.org" in form.text
    data = {"display_name": "Invitee", "password": PASSWORD, "password_again": PASSWORD,
            "csrf_token": csrf(http, f"/invite/{token}")}
    response = http.post(f"/invite/{token}", data=data)
    assert response.status_code == 303 and response.headers["location"] == "/2fa/enrol"
    assert http.get("/dashboard").status_code == 303  # must enrol first
    assert http.get(f"/invite/{token}").status_code == 404
    data["csrf_token"] = csrf(http, "/")
    assert http.post(f"/invite/{token}", data=data).status_code == 404
    with session_scope(portal) as db:
        assert len(db.scalars(select(User).where(User.email == "invitee@example.org")).all()) == 1
