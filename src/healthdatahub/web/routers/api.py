"""The JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from healthdatahub import __version__, audit
from healthdatahub.web import policy, registry
from healthdatahub.web.deps import Me, RowId, get_settings, record
from healthdatahub.web.jobs_view import public_view, visible_jobs


class ErrorOut(BaseModel):
    """An error: one sentence."""

    detail: str


class HealthOut(BaseModel):
    """Liveness and version."""

    status: str
    version: str


class RegistryProject(BaseModel):
    """A project of the public registry."""

    id: int
    slug: str
    title: str
    description: str
    status: str


class MeOut(BaseModel):
    """The caller: id, role, and the project an API token is scoped to."""

    id: int
    role: str
    display_name: str | None
    via: str
    token_project_id: int | None


class JobOut(BaseModel):
    """A job's state and progress."""

    id: int
    kind: str
    label: str
    state: str
    done: int
    total: int | None
    percent: float | None
    message: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None


class MemberOut(BaseModel):
    """A member of a project."""

    user_id: int
    display_name: str
    role: str


class ProjectOut(RegistryProject):
    """A project with its members."""

    members: list[MemberOut]


class AuditOut(BaseModel):
    """One audit entry."""

    seq: int
    at: datetime
    actor_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    request_id: str | None


_refusals = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}}
router = APIRouter(prefix="/api/v1", tags=["api"],
                   responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}})


@router.get("/health", name="api_health", response_model=HealthOut)
def api_health() -> HealthOut:
    """Liveness and version."""
    return HealthOut(status="ok", version=__version__)


@router.get("/registry", name="api_registry", response_model=list[RegistryProject])
def api_registry(request: Request) -> list[dict]:
    """The public registry of approved projects."""
    return registry.public_projects(get_settings(request))


@router.get("/me", name="api_me", response_model=MeOut, responses=_refusals)
def api_me(principal: Me) -> MeOut:
    """Who the caller is."""
    return MeOut(id=principal.user_id, role=principal.role, display_name=principal.display_name,
                 via=principal.via or "", token_project_id=principal.token_project_id)


@router.get("/jobs", name="api_jobs", response_model=list[JobOut], responses=_refusals)
def api_jobs(request: Request, principal: Me, limit: int = Query(50, ge=1, le=200)) -> list[dict]:
    """The caller's jobs, newest first (all jobs for reviewers and operators)."""
    return [public_view(j) for j in visible_jobs(get_settings(request), principal, limit)]


@router.get("/jobs/{job_id}", name="api_job", response_model=JobOut,
            responses={**_refusals, 404: {"model": ErrorOut}})
def api_job(request: Request, principal: Me, job_id: RowId) -> dict:
    """One of the caller's jobs."""
    for job in visible_jobs(get_settings(request), principal, limit=200):
        if job["id"] == job_id:
            return public_view(job)
    raise HTTPException(404, "This job does not exist or is not yours.")


@router.get("/projects/{project_id}", name="api_project", response_model=ProjectOut,
            responses={**_refusals, 404: {"model": ErrorOut}})
def api_project(request: Request, principal: Me, project_id: RowId) -> dict:
    """A project the caller may see, with its members."""
    settings = get_settings(request)
    role = registry.memberships(settings, principal.user_id).get(project_id)
    found = registry.project(settings, project_id)
    if found is None or not policy.can_view_project(principal, project_id, role):
        record(request, "project.view", "denied", object_type="project", object_id=project_id)
        raise HTTPException(404, "This project does not exist or is not yours.")
    record(request, "project.view", object_type="project", object_id=project_id,
           details={"via": principal.via})
    return found


@router.get("/audit", name="api_audit", response_model=list[AuditOut], responses=_refusals)
def api_audit(request: Request, action: str | None = Query(None, max_length=60),
              limit: int = Query(50, ge=1, le=500)) -> list[dict]:
    """The latest audit entries (operators)."""
    entries, _ = audit.list_events(get_settings(request), action=action or None, limit=limit)
    return [e.to_dict() for e in entries]
