"""Run long work as a job: a row in the store with state, progress, timings and error.

The row is written when the job starts, at most every ``flush_every`` seconds while it
advances, and when it ends. A background thread keeps ``heartbeat_at`` fresh, so a job
whose process was killed is recognised (dead pid, or stale heartbeat) and marked
``interrupted`` by :func:`mark_interrupted`, which every new job calls first.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.jobs.procs import hostname, pid_alive
from healthdatahub.jobs.progress import NullProgress, ProgressSink
from healthdatahub.store.db import is_store_failure, session_factory, store_error
from healthdatahub.store.models import Job
from healthdatahub.store.types import utcnow

#: Settings, a store URL, or a session factory (e.g. a ``sessionmaker``).
JobTarget = Settings | str | Callable[[], Session]

FLUSH_EVERY_S = 0.5
HEARTBEAT_EVERY_S = 30.0
STALE_AFTER_S = 300.0
INTERRUPTED_ERROR = "The job's process stopped before the job finished (killed or crashed)."


def _factory(target: JobTarget) -> Callable[[], Session]:
    if isinstance(target, Settings):
        return session_factory(target.store_url)
    if isinstance(target, str):
        return session_factory(target)
    return target


def _write(factory: Callable[[], Session], work: Callable[[Session], Any]) -> Any:
    """Run ``work`` in its own short transaction; store failures become HubErrors."""
    session = factory()
    try:
        value = work(session)
        session.commit()
        return value
    except DBAPIError as exc:
        session.rollback()
        if is_store_failure(exc):
            raise store_error(exc, session.get_bind().url) from None
        raise
    finally:
        session.close()


def describe_error(exc: BaseException) -> str:
    """The one line recorded for a failed job: a HubError's sentence, else only the error type.

    Other exceptions' messages can quote data values, so they are not stored.
    """
    if isinstance(exc, HubError):
        lines = [line for line in str(exc).splitlines() if line.strip()]
        return (lines[0] if lines else "HubError")[:1000]
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted by the user."
    return f"Unexpected error ({type(exc).__name__})."


def mark_interrupted(target: JobTarget, stale_after: float = STALE_AFTER_S) -> list[int]:
    """Mark ``running`` jobs whose process is gone (or heartbeat stale) as ``interrupted``.

    Every jobs listing asks this first, so the common case (nothing to mark) is one read.
    """
    factory = _factory(target)
    now = utcnow()
    here = hostname()
    limit = now - timedelta(seconds=stale_after)

    def is_dead(host: str | None, pid: int | None, last_sign: datetime) -> bool:
        return (host == here and pid is not None and not pid_alive(pid)) or last_sign < limit

    def find(session: Session) -> list[int]:
        rows = session.execute(select(Job.id, Job.host, Job.pid, Job.heartbeat_at,
                                      Job.started_at, Job.created_at)
                               .where(Job.state == "running"))
        return [row.id for row in rows
                if is_dead(row.host, row.pid, row.heartbeat_at or row.started_at
                           or row.created_at)]

    def work(session: Session) -> list[int]:
        ids = []
        for job in session.scalars(select(Job).where(Job.id.in_(candidates),
                                                     Job.state == "running")):
            if is_dead(job.host, job.pid, job.heartbeat_at or job.started_at or job.created_at):
                job.state = "interrupted"
                job.finished_at = now
                job.error = INTERRUPTED_ERROR
                ids.append(job.id)
        return ids

    candidates = _write(factory, find)
    return _write(factory, work) if candidates else []


class JobHandle:
    """What the work inside :func:`run_job` uses to report progress and its result."""

    def __init__(
        self,
        factory: Callable[[], Session],
        job_id: int,
        label: str,
        total: int | None,
        progress: ProgressSink,
        flush_every: float,
    ) -> None:
        self._factory = factory
        self.id = job_id
        self.label = label
        self.done = 0
        self.total = total
        self.message: str | None = None
        self._result: dict[str, Any] | None = None
        self._progress = progress
        self._flush_every = flush_every
        self._last_flush = time.monotonic()

    def advance(self, n: int = 1, message: str | None = None) -> None:
        """Count ``n`` more units done; ``message`` (no data values) says what is happening."""
        self.done += n
        if message is not None:
            self.message = message[:500]
        self._progress.update(self.done, self.total, self.message)
        self._maybe_flush()

    def set_total(self, n: int | None) -> None:
        """Set (or correct) how many units the job has in all."""
        self.total = n
        self._progress.update(self.done, self.total, self.message)
        self._maybe_flush()

    def result(self, data: dict[str, Any]) -> None:
        """Record the job's result (JSON-serialisable; stored when the job succeeds)."""
        self._result = dict(data)

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._last_flush >= self._flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the current progress to the store now."""
        self._last_flush = time.monotonic()
        values = {"done": self.done, "total": self.total, "message": self.message}
        self._update(heartbeat_at=utcnow(), **values)

    def _update(self, **values: Any) -> None:
        _write(
            self._factory,
            lambda s: s.execute(update(Job).where(Job.id == self.id).values(**values)),
        )

    def _finish(self, state: str, error: str | None) -> None:
        now = utcnow()
        self._update(
            state=state,
            done=self.done,
            total=self.total,
            message=self.message,
            error=error,
            result=self._result if state == "succeeded" else None,
            finished_at=now,
            heartbeat_at=now,
        )


class _Heartbeat(threading.Thread):
    """Refreshes a running job's ``heartbeat_at`` every few seconds until stopped."""

    def __init__(self, factory: Callable[[], Session], job_id: int, every: float) -> None:
        super().__init__(name=f"hdh-job-{job_id}-heartbeat", daemon=True)
        self._factory, self._job_id, self._every = factory, job_id, every
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self._every):
            stmt = (
                update(Job)
                .where(Job.id == self._job_id, Job.state == "running")
                .values(heartbeat_at=utcnow())
            )
            try:
                _write(self._factory, lambda s, stmt=stmt: s.execute(stmt))
            except (HubError, DBAPIError):
                continue  # the store is briefly unavailable; the next beat retries

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


@contextmanager
def run_job(
    target: JobTarget,
    kind: str,
    label: str,
    total: int | None = None,
    params: dict[str, Any] | None = None,
    progress: ProgressSink | None = None,
    *,
    flush_every: float = FLUSH_EVERY_S,
    heartbeat_every: float = HEARTBEAT_EVERY_S,
) -> Iterator[JobHandle]:
    """Run the block as a job recorded in the store; failures are recorded, then re-raised."""
    factory = _factory(target)
    sink = progress or NullProgress()
    mark_interrupted(factory)
    now = utcnow()

    def create(session: Session) -> int:
        job = Job(
            kind=kind,
            label=label[:300],
            state="running",
            total=total,
            params=dict(params or {}),
            created_at=now,
            started_at=now,
            heartbeat_at=now,
            pid=os.getpid(),
            host=hostname(),
        )
        session.add(job)
        session.flush()
        return job.id

    job_id = _write(factory, create)
    handle = JobHandle(factory, job_id, label, total, sink, flush_every)
    heartbeat = _Heartbeat(factory, job_id, heartbeat_every)
    heartbeat.start()
    sink.start(label, total)
    try:
        yield handle
    except BaseException as exc:
        heartbeat.stop()
        state = "failed" if isinstance(exc, Exception) else "interrupted"
        try:
            handle._finish(state, describe_error(exc))
        except (HubError, DBAPIError):
            pass  # the original error matters more; mark_interrupted will close the row later
        raise
    else:
        heartbeat.stop()
        handle._finish("succeeded", None)
    finally:
        sink.finish()
