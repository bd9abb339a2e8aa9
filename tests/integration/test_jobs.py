"""Jobs on SQLite and PostgreSQL: progress, failures, interruption, SIGKILL-safe outputs."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.jobs import (
    RichProgress,
    get_job,
    list_jobs,
    mark_interrupted,
    run_job,
)
from healthdatahub.jobs.procs import hostname
from healthdatahub.jobs.runner import INTERRUPTED_ERROR
from healthdatahub.store import Job, session_factory, session_scope, utcnow


class RecordingSink:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def start(self, label: str, total: int | None) -> None:
        self.events.append(("start", label, total))

    def update(self, done: int, total: int | None, message: str | None) -> None:
        self.events.append(("update", done, total, message))

    def finish(self) -> None:
        self.events.append(("finish",))


def test_successful_job_records_progress_timings_and_result(store_settings: Settings) -> None:
    sink = RecordingSink()
    with run_job(
        store_settings, "ingest", "Ingest DCIR", params={"dataset": "dcir"}, progress=sink
    ) as job:
        job.set_total(3)
        for step in ("read", "check", "write"):
            job.advance(message=step)
        job.result({"rows": 42})
    info = get_job(store_settings, job.id)
    assert [info[k] for k in ("state", "done", "total", "message")] == ["succeeded", 3, 3, "write"]
    assert info["params"] == {"dataset": "dcir"} and info["result"] == {"rows": 42}
    assert info["pid"] == os.getpid() and info["error"] is None and info["percent"] == 100.0
    started, finished = (datetime.fromisoformat(info[k]) for k in ("started_at", "finished_at"))
    assert started.tzinfo is not None and started <= finished and info["duration_s"] >= 0
    assert sink.events[0] == ("start", "Ingest DCIR", None)
    assert sink.events[-2:] == [("update", 3, 3, "write"), ("finish",)]
    json.dumps(info)


def test_progress_writes_are_throttled(store_settings: Settings) -> None:
    factory = session_factory(store_settings.store_url)
    with run_job(factory, "k", "throttled", total=1000, flush_every=3600) as job:
        for _ in range(1000):
            job.advance()
        assert get_job(store_settings, job.id)["done"] == 0  # not written on every advance
        job.flush()
        assert get_job(store_settings, job.id)["done"] == 1000
        assert get_job(store_settings, job.id)["state"] == "running"


def test_failed_job_records_one_line_without_data_values(store_settings: Settings) -> None:
    with pytest.raises(ValueError), run_job(store_settings, "k", "bad") as job:
        job.advance(2)
        raise ValueError("invalid NIR 1850775123456 in row 7\nTraceback...")
    failed = get_job(store_settings, job.id)
    assert (failed["state"], failed["done"]) == ("failed", 2) and failed["finished_at"]
    assert failed["error"] == "Unexpected error (ValueError)."

    with pytest.raises(HubError), run_job(store_settings, "k", "hub") as job2:
        raise HubError("File dcir.csv is missing column BEN_NIR_PSA.\nsecond line")
    assert (
        get_job(store_settings, job2.id)["error"] == "File dcir.csv is missing column BEN_NIR_PSA."
    )

    with pytest.raises(KeyboardInterrupt), run_job(store_settings, "k", "ctrl-c") as job3:
        raise KeyboardInterrupt
    assert get_job(store_settings, job3.id)["state"] == "interrupted"


def test_heartbeat_is_refreshed_while_running(store_settings: Settings) -> None:
    with run_job(store_settings, "k", "beat", heartbeat_every=0.05) as job:
        first = get_job(store_settings, job.id)["heartbeat_at"]
        deadline = time.monotonic() + 5
        while get_job(store_settings, job.id)["heartbeat_at"] == first:
            assert time.monotonic() < deadline, "heartbeat never refreshed"
            time.sleep(0.05)


def test_mark_interrupted_uses_dead_pids_and_stale_heartbeats(store_settings: Settings) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    now = utcnow()
    old = now - timedelta(hours=1)
    rows = {
        "dead pid": {"pid": dead.pid, "host": hostname(), "heartbeat_at": now},
        "alive": {"pid": os.getpid(), "host": hostname(), "heartbeat_at": now},
        "other host, fresh": {"pid": 1, "host": "elsewhere", "heartbeat_at": now},
        "other host, stale": {"pid": 1, "host": "elsewhere", "heartbeat_at": old},
    }
    with session_scope(store_settings) as s:
        jobs = {
            label: Job(kind="k", label=label, state="running", **kw) for label, kw in rows.items()
        }
        s.add_all(jobs.values())
    ids = {label: job.id for label, job in jobs.items()}
    marked = mark_interrupted(store_settings)
    assert sorted(marked) == sorted([ids["dead pid"], ids["other host, stale"]])
    states = {job["label"]: job["state"] for job in list_jobs(store_settings)}
    assert states == {
        "dead pid": "interrupted",
        "alive": "running",
        "other host, fresh": "running",
        "other host, stale": "interrupted",
    }
    assert get_job(store_settings, ids["dead pid"])["error"] == INTERRUPTED_ERROR


def test_list_and_get_jobs(store_settings: Settings) -> None:
    for i in range(3):
        with run_job(store_settings, "ingest" if i % 2 == 0 else "omop", f"job {i}"):
            pass
    assert [j["label"] for j in list_jobs(store_settings)] == ["job 2", "job 1", "job 0"]
    assert [j["label"] for j in list_jobs(store_settings, limit=1)] == ["job 2"]
    assert [j["label"] for j in list_jobs(store_settings, kind="omop")] == ["job 1"]
    assert list_jobs(store_settings, state="failed") == []
    with pytest.raises(HubError, match="no job with id 999"):
        get_job(store_settings, 999)


def test_unmigrated_store_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(HubError, match="hdh db upgrade"), run_job(settings, "k", "x"):
        pass


def test_rich_progress_is_silent_when_disabled() -> None:
    quiet, loud = io.StringIO(), io.StringIO()
    for buffer, enabled in ((quiet, False), (loud, True)):
        bar = RichProgress(enabled=enabled, console=Console(file=buffer, force_terminal=True))
        bar.start("Ingest", 2)
        bar.update(1, 2, "reading")
        bar.update(2, 2, None)
        bar.finish()
    assert quiet.getvalue() == ""
    assert "Ingest" in loud.getvalue() and "2/2" in loud.getvalue()


WORKER = """
import sys, time
from healthdatahub.config import load_settings
from healthdatahub.jobs import atomic_dir, clean_stale_tmp, run_job

data_dir, url, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])
settings = load_settings(data_dir=data_dir, database_url=url)
final = settings.lake_dir / "demo" / "v1"
clean_stale_tmp(final.parent)
with run_job(settings, "demo", "write demo", total=5) as job, atomic_dir(final) as tmp:
    for i in range(5):
        (tmp / f"part-{i}.txt").write_text(str(i))
        job.advance(1)
        job.flush()
        print(i, flush=True)
        time.sleep(pause)
    job.result({"files": 5})
"""


def _worker(tmp_path: Path, settings: Settings, pause: float) -> subprocess.Popen:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    args = [sys.executable, str(script), str(settings.data_dir), settings.store_url, str(pause)]
    return subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, text=True)


def test_sigkilled_job_leaves_no_output_and_reruns_to_completion(
    tmp_path: Path, store_settings: Settings
) -> None:
    final = store_settings.lake_dir / "demo" / "v1"
    proc = _worker(tmp_path, store_settings, pause=30)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "0"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert not final.exists()
    leftovers = [p.name for p in final.parent.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].startswith(".tmp-")
    with session_scope(store_settings) as s:  # raw row: nothing has looked at it yet
        [killed] = s.scalars(select(Job)).all()
    assert (killed.state, killed.done, killed.finished_at) == ("running", 1, None)

    rerun = _worker(tmp_path, store_settings, pause=0)
    out, _ = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, out
    assert sorted(p.name for p in final.iterdir()) == [f"part-{i}.txt" for i in range(5)]
    assert [p.name for p in final.parent.iterdir()] == ["v1"]
    second, first = list_jobs(store_settings)
    # The re-run's run_job called mark_interrupted before starting.
    assert [first[k] for k in ("id", "state", "error")] == [
        killed.id,
        "interrupted",
        INTERRUPTED_ERROR,
    ]
    assert [second[k] for k in ("state", "done", "result")] == ["succeeded", 5, {"files": 5}]
