"""The hash chain of the audit trail: append, verify and list entries.

Entries carry ids (user, object, request), never personal values; the one exception is the
account email on authentication events, so operators can recognise who tried to sign in.
Each entry's hash covers its content and the previous entry's hash; ``seq`` is contiguous,
so an altered entry breaks its hash and a deleted one leaves a gap in ``seq``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.results import Outcome
from healthdatahub.store.db import session_scope
from healthdatahub.store.models_portal import AuditEvent
from healthdatahub.store.types import utcnow

#: The "previous hash" of the first entry.
GENESIS_HASH = "0" * 64
OUTCOMES = ("success", "failure", "denied")
_ATTEMPTS = 8
_lock = threading.Lock()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class AuditEntry:
    """One audit entry as shown to operators (``to_dict`` for JSON)."""

    seq: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    request_id: str | None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with an ISO 8601 timestamp."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


@dataclass(frozen=True)
class ChainReport:
    """The result of a verification: entries checked and the first broken one, if any."""

    checked: int
    first_bad_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        """True when every entry is intact and none is missing."""
        return self.first_bad_seq is None


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def entry_hash(prev_hash: str, seq: int, at: datetime, actor_id: int | None,
               actor_email: str | None, action: str, object_type: str | None,
               object_id: str | None, outcome: str, request_id: str | None,
               details: dict[str, Any]) -> str:
    """SHA-256 of an entry's canonical JSON form, chained to ``prev_hash``."""
    body = json.dumps(
        [prev_hash, seq, _micros(at), actor_id, actor_email, action, object_type,
         object_id, outcome, request_id, details],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _hash_of(event: AuditEvent, prev_hash: str) -> str:
    return entry_hash(prev_hash, event.seq, event.at, event.actor_id, event.actor_email,
                      event.action, event.object_type, event.object_id, event.outcome,
                      event.request_id, dict(event.details or {}))


def record(settings: Settings, action: str, *, outcome: str = "success",
           actor_id: int | None = None, actor_email: str | None = None,
           object_type: str | None = None, object_id: str | int | None = None,
           request_id: str | None = None, details: dict[str, Any] | None = None) -> int:
    """Append one entry to the audit trail and return its sequence number."""
    if outcome not in OUTCOMES:
        raise HubError(f"Audit outcome {outcome!r} is not one of {', '.join(OUTCOMES)}.")
    clean = json.loads(json.dumps(details or {}, default=str))
    for attempt in range(_ATTEMPTS):
        try:
            with _lock, session_scope(settings) as session:
                last = session.execute(
                    select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc())
                    .limit(1)).first()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
                at = utcnow()
                event = AuditEvent(seq=seq, at=at, actor_id=actor_id, actor_email=actor_email,
                                   action=action[:60], object_type=object_type,
                                   object_id=None if object_id is None else str(object_id)[:100],
                                   outcome=outcome, request_id=request_id, details=clean,
                                   prev_hash=prev, hash="")
                event.hash = _hash_of(event, prev)
                session.add(event)
            return seq
        except (IntegrityError, OperationalError):  # another process took this seq: retry
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def verify(settings: Settings, batch: int = 5000) -> ChainReport:
    """Recompute the whole chain; report the first altered, inserted or deleted entry."""
    checked, prev, expected_seq = 0, GENESIS_HASH, 1
    with session_scope(settings) as session:
        last_seq = 0
        while True:
            events = session.scalars(select(AuditEvent).where(AuditEvent.seq > last_seq)
                                     .order_by(AuditEvent.seq).limit(batch)).all()
            if not events:
                break
            for event in events:
                if event.seq != expected_seq:
                    return ChainReport(checked, expected_seq,
                                       f"entry {expected_seq} is missing (deleted)")
                if event.prev_hash != prev:
                    return ChainReport(checked, event.seq,
                                       f"entry {event.seq} does not follow entry {event.seq - 1}")
                if _hash_of(event, prev) != event.hash:
                    return ChainReport(checked, event.seq, f"entry {event.seq} was altered")
                prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
            last_seq = events[-1].seq
    return ChainReport(checked, None, None)


def verify_outcome(settings: Settings) -> Outcome:
    """``verify`` as an Outcome for the CLI (``ok`` false when the chain is broken)."""
    started = time.perf_counter()
    report = verify(settings)
    summary = (f"Audit trail intact: {report.checked:,} entries verified." if report.ok else
               f"Audit trail broken at entry {report.first_bad_seq}: {report.reason}.")
    return Outcome(action="audit-verify", summary=summary, counts={"checked": report.checked},
                   timings={"total": round(time.perf_counter() - started, 3)},
                   details={"ok": report.ok, "first_bad_seq": report.first_bad_seq,
                            "reason": report.reason}, ok=report.ok)


def list_events(settings: Settings, *, action: str | None = None, actor_id: int | None = None,
                outcome: str | None = None, before_seq: int | None = None,
                limit: int = 50) -> tuple[list[AuditEntry], int]:
    """The most recent entries first, filtered; returns them and the total matching count."""
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if outcome:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    count_stmt = select(func.count()).select_from(stmt.subquery())
    if before_seq is not None:
        stmt = stmt.where(AuditEvent.seq < before_seq)
    with session_scope(settings) as session:
        total = session.scalar(count_stmt) or 0
        rows = session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(max(1, limit))).all()
        entries = [AuditEntry(e.seq, e.at, e.actor_id, e.actor_email, e.action, e.object_type,
                              e.object_id, e.outcome, e.request_id, dict(e.details or {}))
                   for e in rows]
    return entries, total
