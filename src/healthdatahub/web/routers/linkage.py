"""The concentrateur in the portal: holders upload and follow their tables; operators run.

Who may touch which project or holder slot is decided by the linkage domain's access rules
(``linkage.access``, refusals audited there); this router only says who is asking. Nothing
here ever shows an uploaded table: pages carry states, counts and the holder's report.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from healthdatahub.errors import HubError
from healthdatahub.linkage import service
from healthdatahub.linkage.access import Actor
from healthdatahub.store.db import session_scope
from healthdatahub.store.models_linkage import LinkageHolder, LinkageProject
from healthdatahub.web import policy
from healthdatahub.web.deps import Me, get_settings
from healthdatahub.web.launch import start_command
from healthdatahub.web.render import render
from healthdatahub.web.routers.api import ErrorOut
from healthdatahub.web.security import REPORT_CSP

router = APIRouter()
HOLDERS_AND_OPERATORS = frozenset({"data_holder", "operator"})
policy.register({
    "linkage_home": policy.Rule("signed_in", HOLDERS_AND_OPERATORS),
    "linkage_project": policy.Rule("signed_in", HOLDERS_AND_OPERATORS),
    "linkage_upload_form": policy.Rule("signed_in", HOLDERS_AND_OPERATORS),
    "linkage_report_page": policy.Rule("signed_in", HOLDERS_AND_OPERATORS),
    "linkage_run": policy.Rule("signed_in", policy.OPERATORS),
    "linkage_deliver": policy.Rule("signed_in", policy.OPERATORS),
    "api_linkage_upload": policy.Rule("signed_in", HOLDERS_AND_OPERATORS, token=True),
    "api_linkage_status": policy.Rule("signed_in", HOLDERS_AND_OPERATORS, token=True),
    "api_linkage_report": policy.Rule("signed_in", HOLDERS_AND_OPERATORS, token=True),
})


def actor_of(request: Request, principal: policy.Principal) -> Actor:
    """The linkage actor of a portal principal: an operator, or the holder slots bound to it.

    An API token acts only on the linkage projects of the portal project it is scoped to.
    """
    if principal.role == "operator" and principal.via == "session":
        return Actor.operator(principal.user_id)
    stmt = (select(LinkageHolder.id).join(LinkageProject,
                                          LinkageProject.id == LinkageHolder.project_id)
            .where(LinkageHolder.user_id == principal.user_id))
    if principal.via == "token":
        stmt = stmt.where(LinkageProject.project_id == principal.token_project_id)
    with session_scope(get_settings(request)) as db:
        return Actor("holder", principal.user_id, frozenset(db.scalars(stmt)))


def _visible_projects(request: Request, actor: Actor) -> list[dict[str, Any]]:
    """The linkage projects ``actor`` may follow, each with its holders' progress."""
    settings = get_settings(request)
    with session_scope(settings) as db:
        stmt = select(LinkageProject).order_by(LinkageProject.id)
        if actor.role != "operator":
            stmt = stmt.where(LinkageProject.id.in_(
                select(LinkageHolder.project_id).where(LinkageHolder.id.in_(actor.holder_ids))))
        projects = [{"slug": p.slug, "title": p.title, "mode": p.mode} for p in db.scalars(stmt)]
    for project in projects:
        project["holders"] = service.status(settings, actor, project["slug"])
    return projects


def _refused(exc: HubError) -> HTTPException:
    """A domain refusal or error as an HTTP error (403 for access, 400 otherwise)."""
    return HTTPException(getattr(exc, "status_code", 400), str(exc))


# -- pages ------------------------------------------------------------------------------------

@router.get("/linkage", name="linkage_home", include_in_schema=False)
def linkage_home(request: Request, principal: Me) -> Response:
    """My linkage projects (all of them for operators) and where each holder stands."""
    actor = actor_of(request, principal)
    return render(request, "linkage/home.html",
                  {"projects": _visible_projects(request, actor), "operator": actor.role == "operator"})


@router.get("/linkage/{project}", name="linkage_project", include_in_schema=False)
def linkage_project(request: Request, principal: Me, project: str) -> Response:
    """One project: each holder's progress, the upload form of my slots, operators' actions."""
    actor = actor_of(request, principal)
    try:
        holders = service.status(get_settings(request), actor, project[:100])
    except HubError as exc:
        raise _refused(exc) from None
    mine = _my_slugs(request, actor, project)
    return render(request, "linkage/project.html", {
        "project": project, "holders": holders, "mine": mine,
        "operator": actor.role == "operator", "steps": STEPS})


STEPS = ("uploaded", "checked", "pseudonymised", "linked", "delivered")


def _my_slugs(request: Request, actor: Actor, project: str) -> set[str]:
    with session_scope(get_settings(request)) as db:
        return set(db.scalars(select(LinkageHolder.slug).join(
            LinkageProject, LinkageProject.id == LinkageHolder.project_id).where(
            LinkageProject.slug == project, LinkageHolder.id.in_(actor.holder_ids))))


@router.post("/linkage/{project}/{holder}/upload", name="linkage_upload_form",
             include_in_schema=False)
async def linkage_upload_form(request: Request, principal: Me, project: str, holder: str,
                              table: Annotated[UploadFile, File()]) -> Response:
    """Receive a holder's table (sealed in the vault at once), then run its format checks."""
    data = await table.read()
    _upload_and_check(request, principal, project[:100], holder[:100], data)
    return RedirectResponse(f"/linkage/{quote(project[:100], safe='')}", status_code=303)


def _upload_and_check(request: Request, principal: policy.Principal, project: str, holder: str,
                      data: bytes) -> dict[str, Any]:
    settings = get_settings(request)
    actor = actor_of(request, principal)
    try:
        received = service.upload(settings, actor, project, holder, data)
        del data
        checked = service.check(settings, actor, project, holder)
    except HubError as exc:
        raise _refused(exc) from None
    return {"upload": received.details["upload"], "state": "checked", "counts": checked.counts,
            "reasons": checked.details.get("reasons", {})}


@router.get("/linkage/{project}/{holder}/report", name="linkage_report_page",
            include_in_schema=False)
def linkage_report_page(request: Request, principal: Me, project: str, holder: str) -> Response:
    """The holder's linkage report (counts, reasons, match-weight chart; never identities)."""
    settings = get_settings(request)
    try:
        service.get_report(settings, actor_of(request, principal), project[:100], holder[:100])
    except HubError as exc:
        raise _refused(exc) from None
    html = (service.report_dir(settings, project, holder) / "report.html").read_text("utf-8")
    return HTMLResponse(html, headers={"content-security-policy": REPORT_CSP})


@router.post("/linkage/{project}/run", name="linkage_run", include_in_schema=False)
def linkage_run(request: Request, principal: Me, project: str) -> Response:
    """Start the project's linkage as a background job (followed on the jobs page)."""
    settings = get_settings(request)
    try:
        service.status(settings, actor_of(request, principal), project[:100])  # exists?
    except HubError as exc:
        raise _refused(exc) from None
    start_command(settings, ["linkage", "run", project[:100]])
    return RedirectResponse("/jobs", status_code=303)


@router.post("/linkage/{project}/deliver", name="linkage_deliver", include_in_schema=False)
def linkage_deliver(request: Request, principal: Me, project: str) -> Response:
    """Deliver the linked tables and crypto-erase the identities."""
    try:
        service.deliver(get_settings(request), actor_of(request, principal), project[:100])
    except HubError as exc:
        raise _refused(exc) from None
    return RedirectResponse(f"/linkage/{quote(project[:100], safe='')}", status_code=303)


# -- API --------------------------------------------------------------------------------------

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 413, 415, 422)}
_CSV_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string", "description": "The holder table (CSV)."}}}}}


class HolderStatus(BaseModel):
    """A holder slot's progress: its state and counts (never a value from the table)."""

    holder: str
    state: str
    counts: dict[str, Any]
    erased: bool


class UploadOut(BaseModel):
    """An accepted upload: its id, its state after the format checks, their counts."""

    upload: str
    state: str
    counts: dict[str, int]
    reasons: dict[str, int]


@router.post("/api/v1/linkage/{project}/holders/{holder}/upload", name="api_linkage_upload",
             response_model=UploadOut, status_code=201, responses=_ERRORS,
             openapi_extra=_CSV_BODY)
async def api_linkage_upload(request: Request, principal: Me, project: str,
                             holder: str) -> dict[str, Any]:
    """Upload a holder table (the request body, CSV) with a token scoped to its project."""
    if "form" in request.headers.get("content-type", ""):
        raise HTTPException(415, "Send the table itself as the request body (text/csv), "
                                 "not as a form.")
    data = await request.body()
    return _upload_and_check(request, principal, project[:100], holder[:100], data)


@router.get("/api/v1/linkage/{project}/status", name="api_linkage_status",
            response_model=list[HolderStatus], responses=_ERRORS)
def api_linkage_status(request: Request, principal: Me, project: str) -> list[dict[str, Any]]:
    """The progress of my holder slots in a project (every slot for operators)."""
    try:
        return service.status(get_settings(request), actor_of(request, principal), project[:100])
    except HubError as exc:
        raise _refused(exc) from None


@router.get("/api/v1/linkage/{project}/holders/{holder}/report", name="api_linkage_report",
            responses=_ERRORS)
def api_linkage_report(request: Request, principal: Me, project: str,
                       holder: str) -> dict[str, Any]:
    """The holder's linkage report as JSON."""
    try:
        return service.get_report(get_settings(request), actor_of(request, principal),
                                  project[:100], holder[:100])
    except HubError as exc:
        raise _refused(exc) from None
