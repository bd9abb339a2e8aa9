"""Atomic outputs: nothing half-written is ever visible under the final name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthdatahub.errors import HubError
from healthdatahub.jobs import atomic_dir, atomic_file, clean_stale_tmp
from healthdatahub.jobs.procs import pid_alive


def _names(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


def test_atomic_dir_appears_only_when_complete(tmp_path: Path) -> None:
    final = tmp_path / "lake" / "dcir" / "v1"
    with atomic_dir(final) as tmp:
        (tmp / "part-0.parquet").write_text("a")
        assert not final.exists()
        assert tmp.parent == final.parent and tmp.name.startswith(".tmp-")
        assert tmp.name.endswith("-v1")
    assert _names(final) == ["part-0.parquet"]
    assert _names(final.parent) == ["v1"]


def test_atomic_dir_replaces_existing_output(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with atomic_dir(final) as tmp:
        (tmp / "new.txt").write_text("new")
        assert (final / "old.txt").exists()
    assert _names(final) == ["new.txt"]
    assert _names(tmp_path) == ["out"]


def test_atomic_dir_failure_leaves_previous_output_and_no_leftover(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_dir(final) as tmp:
        (tmp / "new.txt").write_text("partial")
        raise RuntimeError("boom")
    assert _names(final) == ["old.txt"]
    assert _names(tmp_path) == ["out"]


def test_atomic_file_keeps_suffix_and_replaces(tmp_path: Path) -> None:
    final = tmp_path / "reports" / "report.json"
    with atomic_file(final) as tmp:
        assert tmp.suffix == ".json"
        tmp.write_text("{}")
        assert not final.exists()
    with atomic_file(final) as tmp:
        tmp.write_text('{"v": 2}')
    assert final.read_text() == '{"v": 2}'
    assert _names(final.parent) == ["report.json"]


def test_atomic_file_failure_and_empty_write(tmp_path: Path) -> None:
    final = tmp_path / "x.csv"
    with pytest.raises(ValueError), atomic_file(final) as tmp:
        tmp.write_text("half")
        raise ValueError("stop")
    assert _names(tmp_path) == []
    with pytest.raises(HubError, match="Nothing was written"), atomic_file(final):
        pass
    assert _names(tmp_path) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_clean_stale_tmp_removes_only_dead_leftovers(tmp_path: Path) -> None:
    dead = _dead_pid()
    assert not pid_alive(dead) and pid_alive(os.getpid())
    (tmp_path / f".tmp-{dead}-abcd1234-v1").mkdir()
    (tmp_path / f".tmp-{dead}-abcd1234-v1" / "f").write_text("x")
    (tmp_path / f".tmp-{dead}-beef0000-r.json").write_text("x")
    live = tmp_path / f".tmp-{os.getpid()}-cafe0000-v2"
    live.mkdir()
    (tmp_path / "v1").mkdir()
    removed = clean_stale_tmp(tmp_path)
    assert len(removed) == 2
    assert _names(tmp_path) == [live.name, "v1"]


def test_clean_stale_tmp_restores_an_output_killed_mid_swap(tmp_path: Path) -> None:
    dead = _dead_pid()
    old = tmp_path / f".old-{dead}-abcd1234-v1"
    old.mkdir()
    (old / "f").write_text("kept")
    assert clean_stale_tmp(tmp_path) == [old]
    assert (tmp_path / "v1" / "f").read_text() == "kept"
    assert clean_stale_tmp(tmp_path / "missing") == []
