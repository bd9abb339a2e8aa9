"""Operators: users (invite, role, 2FA reset, deactivate), projects, the audit trail."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from healthdatahub import audit
from healthdatahub.errors import HubError
from healthdatahub.store.models_portal import PROJECT_ROLES, ROLES
from healthdatahub.web import admin, registry
from healthdatahub.web.auth import accounts, sessions
from healthdatahub.web.deps import Me, RowId, get_settings, record
from healthdatahub.web.render import redirect, render

router = APIRouter(prefix="/admin", include_in_schema=False)
UserId = Form(..., ge=1, le=2**31)


def _users_page(request: Request, **extra) -> Response:
    status = extra.pop("status", 200)
    return render(request, "admin_users.html", {
        "users": admin.users(get_settings(request)), "roles": ROLES, **extra}, status)


@router.get("/users", name="admin_users")
def admin_users(request: Request) -> Response:
    """Every account."""
    return _users_page(request)


@router.post("/invitations", name="admin_invite")
def admin_invite(request: Request, principal: Me, email: str = Form(..., max_length=320),
                 role: str = Form(..., max_length=30)) -> Response:
    """Invite someone: a one-time sign-up link, shown once to the operator."""
    try:
        invitation_id, token = accounts.invite(get_settings(request), email, role,
                                               principal.user_id)
    except HubError as exc:
        record(request, "admin.invite", "failure", details={"reason": str(exc)})
        return _users_page(request, error=str(exc), status=400)
    record(request, "admin.invite", object_type="invitation", object_id=invitation_id,
           details={"role": role})
    link = str(request.url_for("invite_form", token=token))
    return _users_page(request, invite_link=link)


def _user_action(request: Request, action: str, user_id: RowId, work, details=None) -> Response:
    try:
        work()
    except HubError as exc:
        record(request, action, "failure", object_type="user", object_id=user_id)
        raise HTTPException(404 if "no user" in str(exc) else 400, str(exc)) from None
    record(request, action, object_type="user", object_id=user_id, details=details)
    return redirect(request, "/admin/users")


@router.post("/users/{user_id}/role", name="admin_set_role")
def admin_set_role(request: Request, principal: Me, user_id: RowId, role: str = Form(..., max_length=30)) -> Response:
    """Change someone's role (not one's own, so the hub always keeps an operator)."""
    if user_id == principal.user_id:
        raise HTTPException(400, "You cannot change your own role.")
    settings = get_settings(request)
    return _user_action(request, "admin.set_role", user_id,
                        lambda: accounts.set_role(settings, user_id, role), {"role": role})


@router.post("/users/{user_id}/reset-2fa", name="admin_reset_2fa")
def admin_reset_2fa(request: Request, user_id: RowId) -> Response:
    """Reset someone's second factor: they enrol again at their next sign-in."""
    settings = get_settings(request)

    def work() -> None:
        accounts.reset_two_factor(settings, user_id)
        sessions.end_all(settings, user_id)

    return _user_action(request, "admin.reset_2fa", user_id, work)


@router.post("/users/{user_id}/active", name="admin_set_active")
def admin_set_active(request: Request, principal: Me, user_id: RowId, active: bool = Form(False)) -> Response:
    """Deactivate (or reactivate) an account; its sessions end."""
    if user_id == principal.user_id:
        raise HTTPException(400, "You cannot deactivate your own account.")
    settings = get_settings(request)

    def work() -> None:
        accounts.set_active(settings, user_id, active)
        if not active:
            sessions.end_all(settings, user_id)

    return _user_action(request, "admin.set_active", user_id, work, {"active": active})


@router.get("/projects", name="admin_projects")
def admin_projects(request: Request) -> Response:
    """Every project, with forms to create one and add members."""
    settings = get_settings(request)
    return render(request, "admin_projects.html", {
        "projects": registry.all_projects(settings), "users": admin.users(settings),
        "project_roles": PROJECT_ROLES, "statuses": admin.PROJECT_STATUSES})


@router.post("/projects", name="admin_project_create")
def admin_project_create(request: Request, slug: str = Form(..., max_length=100),
                         title: str = Form(..., max_length=300),
                         status: str = Form("draft", max_length=20)) -> Response:
    """Create a project."""
    project_id = admin.create_project(get_settings(request), slug, title, status)
    record(request, "admin.project_create", object_type="project", object_id=project_id)
    return redirect(request, "/admin/projects")


@router.post("/projects/{project_id}/members", name="admin_member_add")
def admin_member_add(request: Request, project_id: RowId, user_id: int = UserId,
                     role: str = Form(..., max_length=30)) -> Response:
    """Add a member to a project."""
    admin.add_member(get_settings(request), project_id, user_id, role)
    record(request, "admin.member_add", object_type="project", object_id=project_id,
           details={"user_id": user_id, "role": role})
    return redirect(request, "/admin/projects")


@router.get("/audit", name="admin_audit")
def admin_audit(request: Request, action: str | None = Query(None, max_length=60),
                actor: str | None = Query(None, alias="actor_id", max_length=12),
                outcome: str | None = Query(None, max_length=20),
                before: int | None = Query(None, ge=1, le=2**62)) -> Response:
    """Browse and filter the audit trail, newest first."""
    settings = get_settings(request)
    actor_id = int(actor) if actor and actor.isdigit() else None
    entries, total = audit.list_events(settings, action=action or None, actor_id=actor_id,
                                       outcome=outcome or None, before_seq=before, limit=50)
    record(request, "audit.view", details={"action": action, "actor_id": actor_id})
    return render(request, "admin_audit.html", {
        "entries": entries, "total": total, "filters": {"action": action or "",
                                                        "actor_id": actor_id or "",
                                                        "outcome": outcome or ""},
        "older": entries[-1].seq if len(entries) == 50 else None})
