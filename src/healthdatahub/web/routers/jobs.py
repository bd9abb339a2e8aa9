"""The jobs page, with live progress through htmx polling of a partial."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from healthdatahub.web import policy
from healthdatahub.web.deps import Me, get_settings
from healthdatahub.web.jobs_view import public_view, visible_jobs
from healthdatahub.web.render import render

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 2


def _jobs(request: Request, principal: policy.Principal) -> list[dict]:
    return [public_view(j) for j in visible_jobs(get_settings(request), principal, limit=50)]


@router.get("/jobs", name="jobs")
def jobs(request: Request, principal: Me) -> Response:
    """My jobs (all jobs for reviewers and operators)."""
    rows = _jobs(request, principal)
    return render(request, "jobs.html", {"jobs": rows, "poll": _polling(rows)})


@router.get("/jobs/table", name="jobs_table")
def jobs_table(request: Request, principal: Me) -> Response:
    """The jobs table alone, polled by htmx while a job runs."""
    rows = _jobs(request, principal)
    return render(request, "jobs_table.html", {"jobs": rows, "poll": _polling(rows)})


def _polling(rows: list[dict]) -> bool:
    return any(row["state"] in ("queued", "running") for row in rows)
