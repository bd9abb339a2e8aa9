"""Who may do what in a linkage project: explicit actor checks the portal's policy will call.

Operators (hub staff) create projects, add holders, run, deliver and destroy; a holder may
upload to, follow and read the report of its own holder slot only. Nobody — operators
included — can download an uploaded table: identities only ever go to the linkage job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from healthdatahub.config import Settings
from healthdatahub.errors import HubError

AuditHook = Callable[[dict[str, Any]], None]


class AccessDenied(HubError):
    """The actor may not do this (the web layer answers 403)."""

    exit_code = 3
    status_code = 403


@dataclass(frozen=True)
class Actor:
    """Who acts: an operator, or a holder account bound to some holder slots."""

    role: Literal["operator", "holder"]
    user_id: int | None = None
    holder_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def operator(cls, user_id: int | None = None) -> Actor:
        """An operator of the hub (the CLI acts as one)."""
        return cls("operator", user_id)

    @classmethod
    def holder(cls, holder_id: int, user_id: int | None = None) -> Actor:
        """A holder account allowed on one holder slot."""
        return cls("holder", user_id, frozenset({holder_id}))


def default_audit(settings: Settings) -> AuditHook:
    """The audit hook writing to the hub's audit trail (``healthdatahub.audit.record``)."""
    from healthdatahub.audit import record

    def hook(event: dict[str, Any]) -> None:
        record(settings, event["action"], outcome=event.get("outcome", "success"),
               actor_id=event.get("actor_id"), object_type=event.get("object_type"),
               object_id=event.get("object_id"), details=event.get("details") or {})

    return hook


def require_operator(actor: Actor, what: str, audit: AuditHook, object_id: str | None) -> None:
    """Raise AccessDenied (audited) unless ``actor`` is an operator."""
    if actor.role != "operator":
        deny(actor, what, audit, object_id)


def require_holder(actor: Actor, holder_id: int, what: str, audit: AuditHook,
                   object_id: str | None) -> None:
    """Raise AccessDenied (audited) unless ``actor`` is an operator or this holder."""
    if actor.role == "operator" and what != "upload":
        return
    if actor.role == "holder" and holder_id in actor.holder_ids:
        return
    deny(actor, what, audit, object_id)


def deny(actor: Actor, what: str, audit: AuditHook, object_id: str | None) -> None:
    """Audit a refusal, then raise AccessDenied."""
    audit({"action": f"linkage.{what}", "outcome": "denied", "actor_id": actor.user_id,
           "object_type": "linkage", "object_id": object_id,
           "details": {"role": actor.role}})
    raise AccessDenied(f"Access denied: a {actor.role} may not {what.replace('_', ' ')} "
                       f"here ({object_id}).")
