"""The concentrateur's public face, called by the CLI and the portal.

Lifecycle: ``create_project`` → ``add_holder`` → ``upload`` (sealed in the vault) →
``check`` (optional, row-level reasons for the holder) → ``run_linkage`` (a job) →
``deliver`` (correspondence handed over, identities crypto-erased). Every function takes the
acting :class:`~healthdatahub.linkage.access.Actor` and an optional ``audit`` hook (default:
the hub's audit trail); refusals raise AccessDenied and are audited.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthdatahub.config import Settings
from healthdatahub.errors import HubError, NotFound
from healthdatahub.linkage import vault
from healthdatahub.linkage.access import (
    Actor,
    AuditHook,
    default_audit,
    deny,
    require_holder,
    require_operator,
)
from healthdatahub.linkage.formats import check_header, check_mode, decode
from healthdatahub.results import Outcome
from healthdatahub.store import session_scope
from healthdatahub.store.models_linkage import LinkageHolder, LinkageProject, LinkageUpload
from healthdatahub.store.types import utcnow

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def _slug(value: str, what: str) -> str:
    if not SLUG.match(value or ""):
        raise HubError(f"{what} must be 1-100 lower-case letters, digits or hyphens, got {value!r}.")
    return value


def _audit(settings: Settings, audit: AuditHook | None) -> AuditHook:
    return audit or default_audit(settings)


def _event(audit: AuditHook, actor: Actor, action: str, object_id: str,
           details: dict[str, Any] | None = None, outcome: str = "success") -> None:
    audit({"action": f"linkage.{action}", "outcome": outcome, "actor_id": actor.user_id,
           "object_type": "linkage", "object_id": object_id, "details": details or {}})


def _project(session: Session, slug: str) -> LinkageProject:
    found = session.scalar(select(LinkageProject).where(LinkageProject.slug == slug))
    if found is None:
        raise NotFound(f"Linkage project {slug!r} does not exist.")
    return found


def _holder(session: Session, project: LinkageProject, slug: str) -> LinkageHolder:
    found = session.scalar(select(LinkageHolder).where(
        LinkageHolder.project_id == project.id, LinkageHolder.slug == slug))
    if found is None:
        raise NotFound(f"Linkage project {project.slug!r} has no holder {slug!r}.")
    return found


def _latest(session: Session, holder: LinkageHolder) -> LinkageUpload | None:
    return session.scalar(select(LinkageUpload).where(LinkageUpload.holder_id == holder.id)
                          .order_by(LinkageUpload.id.desc()).limit(1))


def project_dir(settings: Settings, project: str) -> Path:
    """Where a linkage project's deliveries go (``projects/<slug>/linkage``)."""
    return settings.data_dir / "projects" / project / "linkage"


def report_dir(settings: Settings, project: str, holder: str) -> Path:
    """Where a holder's linkage report goes."""
    return settings.reports_dir / "linkage" / project / holder


def create_project(settings: Settings, actor: Actor, slug: str, title: str, mode: str,
                   project_id: int | None = None, audit: AuditHook | None = None) -> Outcome:
    """Create a linkage project (mode ``direct`` or ``reconstruction``); idempotent on same mode."""
    hook = _audit(settings, audit)
    require_operator(actor, "create_project", hook, slug)
    _slug(slug, "Project slug")
    check_mode(mode)
    with session_scope(settings) as session:
        found = session.scalar(select(LinkageProject).where(LinkageProject.slug == slug))
        if found is not None:
            if found.mode != mode:
                raise HubError(f"Linkage project {slug!r} exists with mode {found.mode}.")
            return Outcome("linkage-project", f"Linkage project {slug} exists ({mode}).",
                           details={"project": slug, "created": False})
        session.add(LinkageProject(uid=uuid.uuid4().hex, slug=slug, title=title, mode=mode,
                                   project_id=project_id, created_by=actor.user_id))
    _event(hook, actor, "project.create", slug, {"mode": mode})
    return Outcome("linkage-project", f"Linkage project {slug} created ({mode}).",
                   details={"project": slug, "created": True})


def add_holder(settings: Settings, actor: Actor, project: str, slug: str, name: str,
               user_id: int | None = None, audit: AuditHook | None = None) -> Outcome:
    """Add a data holder to a project (idempotent); ``details['holder_id']`` is its id."""
    hook = _audit(settings, audit)
    require_operator(actor, "add_holder", hook, project)
    _slug(slug, "Holder slug")
    with session_scope(settings) as session:
        proj = _project(session, project)
        found = session.scalar(select(LinkageHolder).where(
            LinkageHolder.project_id == proj.id, LinkageHolder.slug == slug))
        created = found is None
        if created:
            found = LinkageHolder(project_id=proj.id, slug=slug, name=name, user_id=user_id)
            session.add(found)
            session.flush()
        holder_id = found.id
    if created:
        _event(hook, actor, "holder.add", f"{project}/{slug}", {"holder_id": holder_id})
    return Outcome("linkage-holder", f"Holder {slug} {'added to' if created else 'already in'} "
                   f"{project}.", details={"holder_id": holder_id, "created": created})


def holder_id(settings: Settings, project: str, holder: str) -> int:
    """The id of a holder slot (to build ``Actor.holder``)."""
    with session_scope(settings) as session:
        return _holder(session, _project(session, project), holder).id


def upload(settings: Settings, actor: Actor, project: str, holder: str, data: bytes,
           audit: AuditHook | None = None) -> Outcome:
    """Receive a holder table: check its encoding and header in memory, then seal it in the vault."""
    hook = _audit(settings, audit)
    where = f"{project}/{holder}"
    with session_scope(settings) as session:
        proj = _project(session, project)
        hold = _holder(session, proj, holder)
        require_holder(actor, hold.id, "upload", hook, where)
        mode, hid = proj.mode, hold.id
    if len(data) > settings.linkage_max_upload_bytes:
        _event(hook, actor, "upload", where, {"reason": "too_large"}, "failure")
        raise HubError(f"Upload to {where} is larger than {settings.linkage_max_upload_bytes} bytes.")
    try:
        text = decode(data, f"The upload to {where}")
        check_header(text.partition("\n")[0], mode, f"The upload to {where}")
    except HubError as exc:
        _event(hook, actor, "upload", where, {"reason": str(exc)[:300]}, "failure")
        raise
    del text
    uid = uuid.uuid4().hex
    sealed = vault.seal(settings, uid, data)
    with session_scope(settings) as session:
        for old in session.scalars(select(LinkageUpload).where(
                LinkageUpload.holder_id == hid, LinkageUpload.wrapped_key.is_not(None))):
            _erase(old)
        session.add(LinkageUpload(uid=uid, holder_id=hid, state="uploaded",
                                  vault_path=str(sealed.path), wrapped_key=sealed.wrapped_key,
                                  key_id=sealed.key_id, size_bytes=len(data),
                                  counts={"bytes": len(data)}, uploaded_by=actor.user_id))
    _event(hook, actor, "upload", where, {"upload": uid, "bytes": len(data)})
    return Outcome("linkage-upload", f"Table received for {where}, encrypted in the vault.",
                   counts={"bytes": len(data)}, details={"upload": uid, "state": "uploaded"})


def _erase(upload_row: LinkageUpload) -> bool:
    """Crypto-erase one upload: forget its wrapped key, delete its file."""
    had = upload_row.wrapped_key is not None
    upload_row.wrapped_key = None
    upload_row.key_id = None
    upload_row.erased_at = upload_row.erased_at or utcnow()
    vault.erase_file(Path(upload_row.vault_path))
    return had


def status(settings: Settings, actor: Actor, project: str,
           audit: AuditHook | None = None) -> list[dict[str, Any]]:
    """Each holder's progress (state and counts); a holder sees only its own slot."""
    hook = _audit(settings, audit)
    out = []
    with session_scope(settings) as session:
        proj = _project(session, project)
        holders = session.scalars(select(LinkageHolder).where(
            LinkageHolder.project_id == proj.id).order_by(LinkageHolder.id)).all()
        if actor.role != "operator" and not any(h.id in actor.holder_ids for h in holders):
            deny(actor, "read_status", hook, project)
        for hold in holders:
            if actor.role != "operator" and hold.id not in actor.holder_ids:
                continue
            last = _latest(session, hold)
            out.append({"holder": hold.slug, "state": last.state if last else "waiting",
                        "counts": dict(last.counts) if last else {},
                        "erased": bool(last and last.wrapped_key is None)})
    return out


def get_report(settings: Settings, actor: Actor, project: str, holder: str,
               audit: AuditHook | None = None) -> dict[str, Any]:
    """A holder's report (JSON document); only operators and that holder may read it."""
    import json

    hook = _audit(settings, audit)
    with session_scope(settings) as session:
        require_holder(actor, _holder(session, _project(session, project), holder).id,
                       "read_report", hook, f"{project}/{holder}")
    path = report_dir(settings, project, holder) / "report.json"
    if not path.exists():
        raise HubError(f"No linkage report yet for {project}/{holder}.")
    _event(hook, actor, "report.read", f"{project}/{holder}")
    return json.loads(path.read_text(encoding="utf-8"))


def download_upload(settings: Settings, actor: Actor, project: str, holder: str,
                    audit: AuditHook | None = None) -> NoReturn:
    """Always refused: nobody may read an uploaded table back (the attempt is audited)."""
    deny(actor, "download_upload", _audit(settings, audit), f"{project}/{holder}")
    raise AssertionError("unreachable")


def destroy(settings: Settings, actor: Actor, project: str, holder: str | None = None,
            audit: AuditHook | None = None) -> Outcome:
    """Crypto-erase the identities of a project's uploads (one holder's, or all)."""
    hook = _audit(settings, audit)
    require_operator(actor, "destroy", hook, project)
    erased = 0
    with session_scope(settings) as session:
        proj = _project(session, project)
        holders = [_holder(session, proj, holder)] if holder else session.scalars(
            select(LinkageHolder).where(LinkageHolder.project_id == proj.id)).all()
        for hold in holders:
            for row in session.scalars(select(LinkageUpload).where(
                    LinkageUpload.holder_id == hold.id)):
                erased += int(_erase(row))
    _event(hook, actor, "identities.erase", project, {"uploads_erased": erased})
    return Outcome("linkage-erase", f"Identities of {erased} upload(s) of {project} crypto-erased.",
                   counts={"uploads_erased": erased})


from healthdatahub.linkage.runs import check, deliver, rotate_master_key, run_linkage

__all__ = ["Actor", "add_holder", "check", "create_project", "deliver", "destroy",
           "download_upload", "get_report", "holder_id", "project_dir", "report_dir",
           "rotate_master_key", "run_linkage", "status", "upload"]
