"""Personal API tokens: create (shown once), list and revoke; scoped to one project."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Project
from healthdatahub.store.models_portal import ApiToken
from healthdatahub.store.types import utcnow
from healthdatahub.web.auth.tokens import API_PREFIX, display_prefix, new_token, token_hash


def create(settings: Settings, user_id: int, project_id: int, name: str) -> tuple[int, str]:
    """A new token for ``user_id`` on ``project_id``; returns its id and the secret (once)."""
    secret = new_token(API_PREFIX)
    with session_scope(settings) as db:
        if db.get(Project, project_id) is None:
            raise HubError(f"There is no project with id {project_id}.")
        row = ApiToken(user_id=user_id, project_id=project_id, name=name.strip()[:100] or "token",
                       token_hash=token_hash(secret), prefix=display_prefix(secret))
        db.add(row)
        db.flush()
        return row.id, secret


def of_user(settings: Settings, user_id: int) -> list[dict[str, Any]]:
    """A user's tokens (never the secret): name, prefix, project, dates, revoked or not."""
    with session_scope(settings) as db:
        rows = db.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                          .order_by(ApiToken.id.desc()))
        return [{"id": t.id, "name": t.name, "prefix": t.prefix, "project_id": t.project_id,
                 "created_at": t.created_at, "last_used_at": t.last_used_at,
                 "revoked": t.revoked_at is not None} for t in rows]


def revoke(settings: Settings, user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs or already revoked."""
    with session_scope(settings) as db:
        row = db.get(ApiToken, token_id)
        if row is None or row.user_id != user_id or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        return True
