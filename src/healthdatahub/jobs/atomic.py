"""Atomic outputs: write into a temporary sibling, rename into place only when complete.

A step killed mid-way (even by SIGKILL) leaves only a hidden ``.tmp-<pid>-<id>-<name>``
sibling, never a partial ``final``; :func:`clean_stale_tmp` removes such leftovers once
their process is dead. Temporary names keep the final suffix, so engines that pick a
format from the extension (``COPY ... TO 'x.parquet'``) behave the same.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from healthdatahub.errors import HubError
from healthdatahub.jobs.procs import pid_alive

TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"


def _sibling(final: Path, prefix: str) -> Path:
    return final.parent / f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}-{final.name}"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _replace(tmp: Path, final: Path) -> None:
    """Move ``tmp`` to ``final``; an existing ``final`` is kept aside until the move is done."""
    if not final.exists() and not final.is_symlink():
        os.rename(tmp, final)
    elif final.is_dir() and not final.is_symlink():
        old = _sibling(final, OLD_PREFIX)
        os.rename(final, old)
        try:
            os.rename(tmp, final)
        except OSError:
            os.rename(old, final)
            raise
        _remove(old)
    else:
        os.replace(tmp, final)
    _fsync_dir(final.parent)


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield an empty temporary folder that becomes ``final`` when the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(final, TMP_PREFIX)
    tmp.mkdir()
    try:
        yield tmp
        _replace(tmp, final)
    except BaseException:
        _remove(tmp)
        raise


@contextmanager
def atomic_file(final: Path) -> Iterator[Path]:
    """Yield a temporary file path that replaces ``final`` when the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(final, TMP_PREFIX)
    try:
        yield tmp
        if not tmp.is_file():
            raise HubError(f"Nothing was written for {final.name}.")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        _replace(tmp, final)
    except BaseException:
        _remove(tmp)
        raise


def _owner_pid(name: str, prefix: str) -> int | None:
    head = name[len(prefix) :].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def clean_stale_tmp(parent: Path) -> list[Path]:
    """Remove the leftovers of killed runs in ``parent``; returns what was removed or restored.

    Leftovers of a live process (another job still writing) are left alone. An ``.old-``
    copy whose final was never put back (killed between the two renames) is restored.
    """
    parent = Path(parent)
    if not parent.is_dir():
        return []
    touched: list[Path] = []
    for entry in sorted(parent.iterdir()):
        for prefix in (TMP_PREFIX, OLD_PREFIX):
            if not entry.name.startswith(prefix):
                continue
            pid = _owner_pid(entry.name, prefix)
            if pid is None or pid_alive(pid):
                continue
            parts = entry.name[len(prefix) :].split("-", 2)
            final = parent / parts[2] if len(parts) == 3 else None
            if prefix == OLD_PREFIX and final is not None and not final.exists():
                os.rename(entry, final)
            else:
                _remove(entry)
            touched.append(entry)
    return touched
