"""Long-running work: job records with progress, atomic outputs, resumable steps.

The names below are loaded on first use (PEP 562): ``from healthdatahub.jobs import
atomic_file`` does not import the metadata store that the job runner needs, so a command that
only writes files atomically (a validation, an engine output) starts without SQLAlchemy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from healthdatahub.jobs.atomic import atomic_dir, atomic_file, clean_stale_tmp
    from healthdatahub.jobs.progress import NullProgress, ProgressSink, RichProgress
    from healthdatahub.jobs.runner import JobHandle, describe_error, mark_interrupted, run_job
    from healthdatahub.jobs.service import JobInfo, get_job, list_jobs

_MODULES = {
    "atomic": ("atomic_dir", "atomic_file", "clean_stale_tmp"),
    "progress": ("NullProgress", "ProgressSink", "RichProgress"),
    "runner": ("JobHandle", "describe_error", "mark_interrupted", "run_job"),
    "service": ("JobInfo", "get_job", "list_jobs"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "JobHandle",
    "JobInfo",
    "NullProgress",
    "ProgressSink",
    "RichProgress",
    "atomic_dir",
    "atomic_file",
    "clean_stale_tmp",
    "describe_error",
    "get_job",
    "list_jobs",
    "mark_interrupted",
    "run_job",
]
assert sorted(__all__) == sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` when it is first asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
