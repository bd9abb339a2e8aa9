"""The audit trail: append-only, hash-chained; `hdh audit verify` names the first bad entry."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from healthdatahub import audit
from healthdatahub.store.db import session_scope


def _fill(settings, n: int = 5) -> None:
    for i in range(n):
        audit.record(settings, "test.event", actor_id=i + 1, object_type="thing", object_id=i,
                     request_id=f"req{i}", details={"i": i})


def _drop_guard(settings) -> None:
    """What an attacker with database access would do first."""
    with session_scope(settings) as db:
        if db.bind.dialect.name == "postgresql":
            db.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        else:
            db.execute(text("DROP TRIGGER audit_event_no_update"))
            db.execute(text("DROP TRIGGER audit_event_no_delete"))


def _cli_verify(settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "HDH_DATA_DIR": str(settings.data_dir),
           "HDH_DATABASE_URL": settings.store_url}
    return subprocess.run([sys.executable, "-m", "healthdatahub.cli", "audit", "verify"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_intact_chain_verifies(store_settings) -> None:
    _fill(store_settings)
    report = audit.verify(store_settings)
    assert report.ok and report.checked == 5
    entries, total = audit.list_events(store_settings, actor_id=3)
    assert total == 1 and entries[0].details == {"i": 2}


def test_the_table_refuses_updates_and_deletes(store_settings) -> None:
    _fill(store_settings, 2)
    for statement in ("UPDATE audit_event SET outcome = 'denied'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError), session_scope(store_settings) as db:
            db.execute(text(statement))


def test_altered_entry_is_named_by_the_cli(store_settings) -> None:
    _fill(store_settings)
    assert _cli_verify(store_settings).returncode == 0
    _drop_guard(store_settings)
    with session_scope(store_settings) as db:
        db.execute(text("UPDATE audit_event SET outcome = 'failure' WHERE seq = 3"))
    report = audit.verify(store_settings)
    assert (report.first_bad_seq, report.checked) == (3, 2)
    result = _cli_verify(store_settings)
    assert result.returncode == 1 and "broken at entry 3" in result.stdout


def test_deleted_entry_and_recomputed_hash_are_caught(store_settings) -> None:
    _fill(store_settings)
    _drop_guard(store_settings)
    with session_scope(store_settings) as db:
        db.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    report = audit.verify(store_settings)
    assert report.first_bad_seq == 2 and "missing" in report.reason
    # An attacker who rewrites an entry's hash still breaks the link to the next one.
    with session_scope(store_settings) as db:
        db.execute(text("UPDATE audit_event SET seq = 2, hash = :h WHERE seq = 3"),
                   {"h": "f" * 64})
    assert audit.verify(store_settings).first_bad_seq == 2


def test_concurrent_records_keep_one_chain(store_settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: audit.record(store_settings, "test.concurrent", actor_id=i),
                      range(40)))
    assert audit.verify(store_settings).checked == 40
