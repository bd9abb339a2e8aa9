"""Forged CSRF, tampered cookies, injection, oversized bodies, headers, open redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Project, User
from healthdatahub.store.models_portal import Invitation
from healthdatahub.web.auth import sessions
from healthdatahub.web.testing import PASSWORD, add_user, csrf, sign_in

INJECTIONS = ["' OR '1'='1' --", "\"; DROP TABLE user_account; --",
              "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{ 7*7 }}"]


def _count(settings, model) -> int:
    with session_scope(settings) as db:
        return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def operator(portal, http) -> int:
    user_id, _ = add_user(portal, "operator")
    sign_in(portal, http, user_id)
    return user_id


@pytest.mark.parametrize("token", [None, "", "0" * 64, "forged"])
def test_missing_or_forged_csrf_changes_nothing(portal, http, operator, token) -> None:
    data = {"email": "x@example.org", "role": "researcher"}
    if token is not None:
        data["csrf_token"] = token
    response = http.post("/admin/invitations", data=data)
    assert response.status_code == 403 and "reload" in response.text.lower() or "recharg" in \
        response.text.lower()
    assert _count(portal, Invitation) == 0


def test_csrf_token_of_another_session_is_refused(portal, http, operator) -> None:
    other_id, _ = add_user(portal, "operator")
    from healthdatahub.web.testing import client

    with client(portal) as other:
        sign_in(portal, other, other_id)
        foreign = csrf(other, "/dashboard")
    response = http.post("/admin/invitations", data={"email": "y@example.org",
                                                     "role": "researcher", "csrf_token": foreign})
    assert response.status_code == 403 and _count(portal, Invitation) == 0


def test_tampered_cookie_is_anonymous(portal, http, operator) -> None:
    cookie = http.cookies.get(sessions.COOKIE)
    http.cookies.set(sessions.COOKIE, cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    assert http.get("/dashboard").status_code == 303
    assert http.get("/api/v1/me").status_code == 401
    http.cookies.set(sessions.COOKIE, "garbage")
    assert http.get("/admin/users").status_code == 303


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_in_form_fields_is_inert(portal, http, operator, payload) -> None:
    users_before = _count(portal, User)
    token = csrf(http, "/admin/projects")
    response = http.post("/admin/projects", data={"slug": payload, "title": payload,
                                                  "status": payload, "csrf_token": token})
    assert response.status_code in (400, 422) and _count(portal, Project) == 0
    assert "<script>" not in response.text and "onerror=alert" not in response.text.replace(
        "&lt;img src=x onerror=alert(1)&gt;", "")
    login = http.post("/login", data={"email": payload, "password": payload,
                                      "csrf_token": csrf(http, "/dashboard")})
    assert login.status_code == 401 and "<script>alert" not in login.text
    assert _count(portal, User) == users_before


def test_html_is_escaped_where_it_is_shown(portal, http, operator) -> None:
    token = csrf(http, "/admin/projects")
    http.post("/admin/projects", data={"slug": "safe-slug", "title": "<b>bold</b><script>x()"
                                       "</script>", "status": "approved", "csrf_token": token})
    page = http.get("/registry").text
    assert "&lt;script&gt;x()" in page and "<script>x()" not in page


def test_oversized_bodies_get_413(portal, http, operator) -> None:
    big = "a" * (portal.max_body_bytes + 10)
    response = http.post("/login", data={"email": big, "password": "x"})
    assert response.status_code == 413
    chunked = http.post("/login", content=iter([b"a" * 600_000, b"b" * 600_000]),
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert chunked.status_code == 413


def test_security_headers_and_cookie_flags(portal, http) -> None:
    response = http.get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]
    secure = portal.model_copy(update={"cookie_secure": True})
    add_user(secure, "researcher", "flags@example.org")
    http.app.state.settings = secure
    login = http.post("/login", data={"email": "flags@example.org", "password": PASSWORD,
                                      "csrf_token": csrf(http)})
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil"])
def test_no_open_redirect(http, target) -> None:
    response = http.get(f"/lang/en?next={target}")
    assert response.headers["location"] == "/"


def test_unknown_api_path_and_bad_token_are_json_4xx(http) -> None:
    assert http.get("/api/v1/nope").json()["detail"]
    response = http.get("/api/v1/me", headers={"Authorization": "Bearer hdh_forged"})
    assert response.status_code == 401 and response.json()["detail"]
