"""Signed-in pages: the dashboard and a project's page."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from healthdatahub.web import policy, registry
from healthdatahub.web.deps import Me, RowId, get_settings, record
from healthdatahub.web.jobs_view import visible_jobs
from healthdatahub.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", name="dashboard")
def dashboard(request: Request, principal: Me) -> Response:
    """The signed-in home: my projects and my latest jobs."""
    settings = get_settings(request)
    return render(request, "dashboard.html", {
        "projects": registry.projects_of(settings, principal.user_id),
        "jobs": visible_jobs(settings, principal, limit=5)})


def project_or_404(request: Request, principal: policy.Principal, project_id: RowId) -> dict:
    """The project, when the policy lets ``principal`` see it (404 otherwise, no leak)."""
    settings = get_settings(request)
    role = registry.memberships(settings, principal.user_id).get(project_id)
    found = registry.project(settings, project_id)
    if found is None or not policy.can_view_project(principal, project_id, role):
        record(request, "project.view", "denied", object_type="project", object_id=project_id)
        raise HTTPException(404, "This project does not exist or is not yours.")
    record(request, "project.view", object_type="project", object_id=project_id)
    return {**found, "my_role": role}


@router.get("/projects/{project_id}", name="project_detail")
def project_detail(request: Request, principal: Me, project_id: RowId) -> Response:
    """A project's page: its members and its jobs."""
    found = project_or_404(request, principal, project_id)
    jobs = [j for j in visible_jobs(get_settings(request), principal, limit=50)
            if (j.get("params") or {}).get("project_id") == project_id]
    return render(request, "project.html", {"project": found, "jobs": jobs})
