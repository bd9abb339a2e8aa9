"""The long steps of the service, each a job: check, run the linkage, deliver, rotate keys."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.jobs import ProgressSink, atomic_file, run_job
from healthdatahub.linkage import report as reports
from healthdatahub.linkage import vault
from healthdatahub.linkage.access import Actor, AuditHook, require_holder, require_operator
from healthdatahub.linkage.job import Reference, process
from healthdatahub.linkage.sql import connect
from healthdatahub.results import Outcome
from healthdatahub.store import session_scope
from healthdatahub.store.models_linkage import LinkageHolder, LinkageRun, LinkageUpload
from healthdatahub.store.types import utcnow


def _svc() -> Any:
    from healthdatahub.linkage import service

    return service


def _set(upload_id: int, settings: Settings, **values: Any) -> None:
    with session_scope(settings) as session:
        row = session.get(LinkageUpload, upload_id)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()


def _record_pseudonymised(settings: Settings, hook: AuditHook, actor: Actor, job: Any,
                          run_id: int, where: str, upload_id: int, counts: dict[str, Any],
                          step: dict[str, int]) -> None:
    """The upload's state becomes ``pseudonymised`` with its counts; audited, shown on the job."""
    _set(upload_id, settings, state="pseudonymised", run_id=run_id, counts={**counts, **step})
    _svc()._event(hook, actor, "pseudonymise", where, {"pseudonyms": step["pseudonymised"]})
    job.advance(0, f"holder {where} pseudonymised")


def check(settings: Settings, actor: Actor, project: str, holder: str,
          progress: ProgressSink | None = None, audit: AuditHook | None = None) -> Outcome:
    """Run the format checks on a holder's latest upload (in memory) and record its counts."""
    from healthdatahub.linkage import checks, formats

    svc = _svc()
    hook = svc._audit(settings, audit)
    with session_scope(settings) as session:
        proj = svc._project(session, project)
        hold = svc._holder(session, proj, holder)
        require_holder(actor, hold.id, "check", hook, f"{project}/{holder}")
        row = svc._latest(session, hold)
        if row is None:
            raise HubError(f"Holder {project}/{holder} has uploaded nothing yet.")
        args = (row.uid, Path(row.vault_path), row.wrapped_key, row.key_id)
        upload_id, mode, counts = row.id, proj.mode, dict(row.counts)
    with run_job(settings, "linkage-check", f"Check the table of {project}/{holder}", total=1,
                 params={"project": project, "holder": holder}, progress=progress) as job:
        con = connect(settings)
        try:
            formats.load_lines(con, vault.open_sealed(settings, *args), mode,
                               f"The table of holder {holder}")
            result = checks.run_checks(con, mode)
        finally:
            con.close()
        job.advance(1)
    counts.update(received=result.received, rejected=result.rejected, accepted=result.accepted)
    _set(upload_id, settings, state="checked", counts={**counts, "reasons": result.reasons})
    folder = svc.report_dir(settings, project, holder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_file(folder / "checks.json") as tmp:
        tmp.write_text(json.dumps({"counts": counts, "reasons": result.reasons, "rejected_lines": [
            {"line": a, "reason": b} for a, b in result.rejected_lines]}, indent=2), encoding="utf-8")
    svc._event(hook, actor, "check", f"{project}/{holder}", {"reasons": result.reasons})
    return Outcome("linkage-check", f"{result.accepted:,} of {result.received:,} rows of "
                   f"{project}/{holder} pass the checks.",
                   counts={"received": result.received, "rejected": result.rejected},
                   details={"reasons": result.reasons})


def run_linkage(settings: Settings, actor: Actor, project: str, reference: Path | None = None,
                progress: ProgressSink | None = None, audit: AuditHook | None = None) -> Outcome:
    """Link every holder's latest upload of ``project`` against the reference, as one job."""
    svc = _svc()
    hook = svc._audit(settings, audit)
    require_operator(actor, "run_linkage", hook, project)
    folder = reference or settings.linkage_reference_dir
    if folder is None:
        raise HubError("No civil-status reference: set HDH_LINKAGE_REFERENCE_DIR or pass one.")
    ref = Reference(Path(folder)).check()
    with session_scope(settings) as session:
        proj = svc._project(session, project)
        work = []
        for hold in session.scalars(select(LinkageHolder).where(
                LinkageHolder.project_id == proj.id).order_by(LinkageHolder.id)):
            row = svc._latest(session, hold)
            if row is not None and row.wrapped_key is not None:
                work.append((hold.slug, row.id, row.uid, row.vault_path, row.wrapped_key,
                             row.key_id, dict(row.counts)))
        if not work:
            raise HubError(f"Linkage project {project} has no upload waiting for linkage.")
        run = LinkageRun(project_id=proj.id, threshold=settings.linkage_match_threshold,
                         margin=settings.linkage_ambiguity_margin)
        session.add(run)
        session.flush()
        run_id, mode, uid = run.id, proj.mode, proj.uid
    by_holder: dict[str, dict[str, int]] = {}
    paths: dict[str, str] = {}
    with run_job(settings, "linkage", f"Link project {project} ({mode})", total=len(work),
                 params={"project": project, "holders": len(work)}, progress=progress) as job:
        con = connect(settings)
        loaded: set[str] = set()
        try:
            for slug, upload_id, up_uid, path, wrapped, kid, counts in work:
                pseudonymised = partial(_record_pseudonymised, settings, hook, actor, job,
                                        run_id, f"{project}/{slug}", upload_id, counts)
                try:
                    plaintext = vault.open_sealed(settings, up_uid, Path(path), wrapped, kid)
                    outcome = process(settings, con, plaintext, mode, ref, loaded, uid, project,
                                      slug, svc.project_dir(settings, project) / slug,
                                      svc.report_dir(settings, project, slug), pseudonymised)
                    del plaintext
                except HubError:
                    _set(upload_id, settings, state="failed", run_id=run_id)
                    raise
                _set(upload_id, settings, state="linked", run_id=run_id,
                     counts={**counts, **outcome.counts, "reasons": outcome.reasons})
                by_holder[slug] = outcome.counts
                paths[f"{slug}_report"] = outcome.paths["html"]
                paths[f"{slug}_correspondance"] = outcome.paths["correspondance"]
                job.advance(1, f"holder {slug} linked")
        finally:
            con.close()
        summary = reports.summary(project, by_holder)
        target = settings.reports_dir / "linkage" / project / "summary.json"
        with atomic_file(target) as tmp:
            tmp.write_text(json.dumps(summary, indent=2), encoding="utf-8")
        paths["summary"] = str(target)
        job.result({"total": summary["total"], "by_holder": by_holder})
        job_id = job.id
    with session_scope(settings) as session:
        run = session.get(LinkageRun, run_id)
        run.state, run.counts, run.finished_at, run.job_id = "succeeded", summary, utcnow(), job_id
    svc._event(hook, actor, "run", project, {"run": run_id, "total": summary["total"]})
    total = summary["total"]
    linked = total["linked_direct"] + total["linked_probabilistic"]
    return Outcome("linkage-run", f"Project {project}: {linked:,} of {total['received']:,} rows "
                   f"linked across {len(work)} holder(s).", paths=paths, counts=total,
                   details={"by_holder": by_holder, "run": run_id})


def deliver(settings: Settings, actor: Actor, project: str, erase: bool = True,
            audit: AuditHook | None = None) -> Outcome:
    """Mark the linked uploads delivered and (by default) crypto-erase their identities."""
    svc = _svc()
    hook = svc._audit(settings, audit)
    require_operator(actor, "deliver", hook, project)
    delivered = 0
    with session_scope(settings) as session:
        proj = svc._project(session, project)
        holders = session.scalars(select(LinkageHolder).where(LinkageHolder.project_id == proj.id))
        for hold in holders:
            row = svc._latest(session, hold)
            if row is not None and row.state == "linked":
                row.state, row.updated_at = "delivered", utcnow()
                delivered += 1
    svc._event(hook, actor, "deliver", project, {"uploads": delivered})
    outcome = Outcome("linkage-deliver", f"{delivered} correspondence table(s) of {project} "
                      f"delivered to {svc.project_dir(settings, project)}.",
                      counts={"delivered": delivered})
    if erase:
        erased = svc.destroy(settings, actor, project, audit=hook)
        outcome.counts.update(erased.counts)
        outcome.summary += f" {erased.summary}"
    return outcome


def rotate_master_key(settings: Settings, actor: Actor, audit: AuditHook | None = None) -> Outcome:
    """Rotate the vault's master key: re-wrap every live data key, then switch key files."""
    import os

    from healthdatahub.linkage.keys import KEY_BYTES, key_id, next_key_file, read_key

    svc = _svc()
    hook = svc._audit(settings, audit)
    require_operator(actor, "rotate_key", hook, "vault")
    nxt = next_key_file(settings)
    if not nxt.exists():
        read_key(settings.key_file)  # the current key must exist before we rotate away from it
        with atomic_file(nxt) as tmp:
            tmp.write_bytes(os.urandom(KEY_BYTES))
            os.chmod(tmp, 0o600)
    new = read_key(nxt, create=False)
    new_id, rewrapped = key_id(new), 0
    with session_scope(settings) as session:
        for row in session.scalars(select(LinkageUpload).where(
                LinkageUpload.wrapped_key.is_not(None))):
            if row.key_id != new_id:
                row.wrapped_key = vault.rewrap(settings, row.wrapped_key, row.key_id, new)
                row.key_id = new_id
                rewrapped += 1
    os.replace(nxt, settings.key_file)
    svc._event(hook, actor, "key.rotate", "vault", {"rewrapped": rewrapped, "key_id": new_id})
    return Outcome("linkage-rotate", f"Master key rotated; {rewrapped} data key(s) re-wrapped.",
                   counts={"rewrapped": rewrapped}, details={"key_id": new_id})


__all__ = ["check", "deliver", "rotate_master_key", "run_linkage"]
