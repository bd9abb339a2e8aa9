"""The jobs a principal may see, asked of the policy one by one."""

from __future__ import annotations

from typing import Any

from healthdatahub.config import Settings
from healthdatahub.jobs.service import list_jobs
from healthdatahub.web import policy
from healthdatahub.web.registry import memberships

SCAN = 200
SHOWN_FIELDS = ("id", "kind", "label", "state", "done", "total", "percent", "message", "error",
                "created_at", "started_at", "finished_at", "duration_s")


def visible_jobs(settings: Settings, principal: policy.Principal,
                 limit: int = 50) -> list[dict[str, Any]]:
    """The most recent jobs ``principal`` may see (among the last 200), newest first."""
    projects = memberships(settings, principal.user_id).keys() if principal.user_id else ()
    jobs = [j for j in list_jobs(settings, limit=SCAN)
            if policy.can_view_job(principal, j.get("params") or {}, projects)]
    return jobs[:limit]


def public_view(job: dict[str, Any]) -> dict[str, Any]:
    """The fields of a job shown in the portal and API (params hold paths: not shown)."""
    return {key: job.get(key) for key in SHOWN_FIELDS}
