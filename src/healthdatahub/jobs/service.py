"""Read jobs back for the CLI (``hdh jobs list``) and the portal."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.jobs.runner import mark_interrupted
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Job


@dataclass(frozen=True)
class JobInfo:
    """A job as shown to people: state, progress, timings, error (``to_dict`` for JSON)."""

    id: int
    kind: str
    label: str
    state: str
    done: int
    total: int | None
    message: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    pid: int | None
    params: dict[str, Any]
    result: dict[str, Any] | None

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end (or to the last heartbeat while running)."""
        end = self.finished_at or self.heartbeat_at
        if self.started_at is None or end is None:
            return None
        return round((end - self.started_at).total_seconds(), 3)

    @property
    def percent(self) -> float | None:
        """Progress in percent, when the total is known."""
        if not self.total:
            return None
        return round(100.0 * self.done / self.total, 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO 8601 timestamps) for ``--json`` and the API."""
        # Shallow on purpose: ``params`` and ``result`` are already this object's own copies,
        # and ``dataclasses.asdict`` deep-copies them (most of a jobs page's time).
        data = {field.name: getattr(self, field.name) for field in fields(self)}
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        data["duration_s"] = self.duration_s
        data["percent"] = self.percent
        return data


def _info(job: Job) -> JobInfo:
    return JobInfo(
        id=job.id,
        kind=job.kind,
        label=job.label,
        state=job.state,
        done=job.done,
        total=job.total,
        message=job.message,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        heartbeat_at=job.heartbeat_at,
        pid=job.pid,
        params=dict(job.params or {}),
        result=dict(job.result) if job.result is not None else None,
    )


def list_jobs(
    settings: Settings, limit: int = 20, state: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """The most recent jobs first, as JSON-ready dicts (see :meth:`JobInfo.to_dict`).

    Dead ``running`` jobs are first marked ``interrupted``.
    """
    mark_interrupted(settings)
    stmt = select(Job).order_by(Job.id.desc()).limit(max(1, limit))
    if state is not None:
        stmt = stmt.where(Job.state == state)
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    with session_scope(settings) as session:
        return [_info(job).to_dict() for job in session.scalars(stmt)]


def get_job(settings: Settings, job_id: int) -> dict[str, Any]:
    """One job by id as a JSON-ready dict; an unknown id is a HubError."""
    mark_interrupted(settings)
    with session_scope(settings) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise HubError(f"There is no job with id {job_id}.")
        return _info(job).to_dict()
