"""Long-running work: job records with progress, atomic outputs, resumable steps."""

from healthdatahub.jobs.atomic import atomic_dir, atomic_file, clean_stale_tmp
from healthdatahub.jobs.progress import NullProgress, ProgressSink, RichProgress
from healthdatahub.jobs.runner import JobHandle, describe_error, mark_interrupted, run_job
from healthdatahub.jobs.service import JobInfo, get_job, list_jobs

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
