"""Operators' read and write models: users, projects and members."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Project, ProjectMember, User
from healthdatahub.store.models_portal import PROJECT_ROLES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$")
PROJECT_STATUSES = ("draft", "submitted", "approved", "active", "closed", "rejected")


def users(settings: Settings) -> list[dict[str, Any]]:
    """Every account with its role, state and whether its second factor is enrolled."""
    with session_scope(settings) as db:
        rows = db.scalars(select(User).order_by(User.id)).all()
        return [{"id": u.id, "email": u.email, "display_name": u.display_name, "role": u.role,
                 "active": u.is_active, "totp": u.totp_confirmed_at is not None,
                 "locked": u.locked_until is not None} for u in rows]


def create_project(settings: Settings, slug: str, title: str, status: str = "draft") -> int:
    """A new project; returns its id."""
    if not SLUG.match(slug) or not title.strip() or status not in PROJECT_STATUSES:
        raise HubError("A project needs a slug (lowercase letters, digits, dashes), a title "
                       "and a known status.")
    with session_scope(settings) as db:
        if db.scalar(select(Project.id).where(Project.slug == slug)) is not None:
            raise HubError("A project with this slug already exists.")
        row = Project(slug=slug, title=title.strip()[:300], status=status)
        db.add(row)
        db.flush()
        return row.id


def add_member(settings: Settings, project_id: int, user_id: int, role: str) -> None:
    """Add a user to a project with a project role (or change their role)."""
    if role not in PROJECT_ROLES:
        raise HubError(f"Unknown project role; expected one of {', '.join(PROJECT_ROLES)}.")
    with session_scope(settings) as db:
        if db.get(Project, project_id) is None or db.get(User, user_id) is None:
            raise HubError("There is no such project or user.")
        member = db.scalar(select(ProjectMember).where(ProjectMember.project_id == project_id,
                                                       ProjectMember.user_id == user_id))
        if member is None:
            db.add(ProjectMember(project_id=project_id, user_id=user_id, role=role))
        else:
            member.role = role
