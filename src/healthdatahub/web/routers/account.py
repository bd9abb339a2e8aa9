"""My account: second factor status, recovery codes, personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from healthdatahub.web import api_tokens, policy, registry
from healthdatahub.web.auth import accounts
from healthdatahub.web.deps import Me, RowId, get_settings, record
from healthdatahub.web.render import redirect, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, principal: policy.Principal, **extra) -> Response:
    settings = get_settings(request)
    projects = registry.projects_of(settings, principal.user_id)
    return render(request, "account.html", {
        "tokens": api_tokens.of_user(settings, principal.user_id),
        "token_projects": [p for p in projects if policy.can_hold_token(principal, p["role"])],
        "recovery_left": accounts.remaining_recovery_codes(settings, principal.user_id),
        **extra})


@router.get("/account", name="account")
def account(request: Request, principal: Me) -> Response:
    """My account."""
    return _page(request, principal)


@router.post("/account/recovery-codes", name="recovery_regenerate")
def recovery_regenerate(request: Request, principal: Me) -> Response:
    """Replace my recovery codes and show the new ones once."""
    codes = accounts.regenerate_recovery_codes(get_settings(request), principal.user_id)
    record(request, "2fa.recovery_codes_regenerated", object_type="user",
           object_id=principal.user_id)
    return render(request, "recovery_codes.html", {"codes": codes, "next": "/account"})


@router.post("/account/tokens", name="token_create")
def token_create(request: Request, principal: Me, project_id: int = Form(..., ge=1, le=2**31),
                 name: str = Form("", max_length=100)) -> Response:
    """Create a personal API token for one of my projects (shown once)."""
    settings = get_settings(request)
    role = registry.memberships(settings, principal.user_id).get(project_id)
    if not policy.can_hold_token(principal, role):
        record(request, "token.create", "denied", object_type="project", object_id=project_id)
        raise HTTPException(403, "Only the project's data holders can create API tokens for it.")
    token_id, secret = api_tokens.create(settings, principal.user_id, project_id, name)
    record(request, "token.create", object_type="api_token", object_id=token_id,
           details={"project_id": project_id})
    return _page(request, principal, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke", name="token_revoke")
def token_revoke(request: Request, principal: Me, token_id: RowId) -> Response:
    """Revoke one of my API tokens."""
    if not api_tokens.revoke(get_settings(request), principal.user_id, token_id):
        raise HTTPException(404, "This token does not exist or is not yours.")
    record(request, "token.revoke", object_type="api_token", object_id=token_id)
    return redirect(request, "/account")
