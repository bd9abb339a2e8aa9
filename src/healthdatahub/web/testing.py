"""Helpers for tests of the portal and of domain routers: fast settings, users, sessions."""

from __future__ import annotations

import re
import secrets

import pyotp
from fastapi.testclient import TestClient

from healthdatahub.config import Settings
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Project, ProjectMember
from healthdatahub.web.app import create_app
from healthdatahub.web.auth import accounts, sessions

PASSWORD = "correct horse battery staple"
FAST = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "cookie_secure": False}
_CSRF = re.compile(r'(?:name="csrf_token" value|name="csrf-token" content)="([0-9a-f]{64})"')


def fast(settings: Settings, **overrides) -> Settings:
    """The same settings with cheap hashing and plain-HTTP cookies (TestClient)."""
    return settings.model_copy(update={**FAST, **overrides})


def client(settings: Settings) -> TestClient:
    """An in-process client of a fresh app (no redirects followed)."""
    return TestClient(create_app(settings), follow_redirects=False)


def add_user(settings: Settings, role: str, email: str | None = None) -> tuple[int, str]:
    """A user with TOTP enrolled; returns its id and TOTP secret."""
    secret = pyotp.random_base32()
    email = email or f"{role}-{secrets.token_hex(4)}@example.org"
    return accounts.create_user(settings, email, f"Test {role}", role, PASSWORD, secret), secret


def add_project(settings: Settings, slug: str, status: str = "active",
                members: dict[int, str] | None = None) -> int:
    """A project with members (user id -> project role); returns its id."""
    with session_scope(settings) as db:
        project = Project(slug=slug, title=f"Project {slug}", status=status)
        db.add(project)
        db.flush()
        for user_id, role in (members or {}).items():
            db.add(ProjectMember(project_id=project.id, user_id=user_id, role=role))
        return project.id


def sign_in(settings: Settings, http: TestClient, user_id: int, two_factor: bool = True) -> str:
    """Give ``http`` a session of ``user_id`` (without the login pages); returns its id."""
    sid = sessions.create(settings, user_id, two_factor_done=two_factor)
    http.cookies.set(sessions.COOKIE, sessions.sign(settings, sid))
    return sid


def csrf(http: TestClient, page: str = "/login") -> str:
    """The CSRF token of ``page`` as ``http`` sees it."""
    found = _CSRF.search(http.get(page).text)
    if found is None:
        raise AssertionError(f"no CSRF token on {page}")
    return found.group(1)
