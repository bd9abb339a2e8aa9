"""Read models of the portal: the public project registry, projects and memberships."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from healthdatahub.config import Settings
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Project, ProjectMember, User
from healthdatahub.web.policy import PUBLIC_PROJECT_STATUSES


def public_projects(settings: Settings) -> list[dict[str, Any]]:
    """Projects shown to the public: slug, title, description, status (no members)."""
    with session_scope(settings) as db:
        rows = db.scalars(select(Project).where(Project.status.in_(PUBLIC_PROJECT_STATUSES))
                          .order_by(Project.created_at.desc()).limit(500))
        return [{"id": p.id, "slug": p.slug, "title": p.title, "description": p.description,
                 "status": p.status} for p in rows]


def memberships(settings: Settings, user_id: int) -> dict[int, str]:
    """The user's projects: project id -> role in the project."""
    with session_scope(settings) as db:
        rows = db.execute(select(ProjectMember.project_id, ProjectMember.role)
                          .where(ProjectMember.user_id == user_id))
        return {project_id: role for project_id, role in rows}


def projects_of(settings: Settings, user_id: int) -> list[dict[str, Any]]:
    """The projects a user is a member of, with their role in each."""
    with session_scope(settings) as db:
        rows = db.execute(select(Project, ProjectMember.role)
                          .join(ProjectMember, ProjectMember.project_id == Project.id)
                          .where(ProjectMember.user_id == user_id).order_by(Project.id))
        return [{"id": p.id, "slug": p.slug, "title": p.title, "status": p.status,
                 "role": role} for p, role in rows]


def all_projects(settings: Settings) -> list[dict[str, Any]]:
    """Every project with its member count (operators)."""
    with session_scope(settings) as db:
        projects = db.scalars(select(Project).order_by(Project.id)).all()
        return [{"id": p.id, "slug": p.slug, "title": p.title, "status": p.status,
                 "members": len(p.members)} for p in projects]


def project(settings: Settings, project_id: int) -> dict[str, Any] | None:
    """One project with its members' ids, display names and roles, or None."""
    with session_scope(settings) as db:
        found = db.get(Project, project_id)
        if found is None:
            return None
        members = db.execute(select(User.id, User.display_name, ProjectMember.role)
                             .join(ProjectMember, ProjectMember.user_id == User.id)
                             .where(ProjectMember.project_id == project_id)).all()
        return {"id": found.id, "slug": found.slug, "title": found.title,
                "description": found.description, "status": found.status,
                "members": [{"user_id": i, "display_name": n, "role": r}
                            for i, n, r in members]}
