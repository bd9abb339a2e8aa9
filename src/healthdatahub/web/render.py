"""Server-side rendering: Jinja2 templates with the hub's branding, language and CSRF token."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from healthdatahub.web import policy
from healthdatahub.web.auth import sessions
from healthdatahub.web.deps import csrf_binding, get_settings, resolve_principal
from healthdatahub.web.i18n import LANGUAGE_NAMES, pick_language, translations

TEMPLATES_DIR = Path(__file__).parent / "templates"
LANG_COOKIE = "hdh_lang"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
# Templates ship with the package: no need to stat each one on every render.
templates.env.auto_reload = False


def language(request: Request) -> str:
    """The language of this request: its cookie, else the hub's default."""
    return pick_language(request.cookies.get(LANG_COOKIE), get_settings(request).default_language)


def gettext_for(request: Request):
    """The ``_`` function of this request's language."""
    return translations(language(request)).gettext


def _csrf(request: Request, principal: policy.Principal) -> str:
    binding = csrf_binding(request, principal)
    if binding is None:  # anonymous without a pre-session yet: create one with this response
        binding = request.state.pre_session = secrets.token_urlsafe(24)
    return sessions.csrf_token(get_settings(request), binding)


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render a page with the principal, the branding, ``_`` and a CSRF token."""
    settings = get_settings(request)
    principal = resolve_principal(request)
    page = {
        "principal": principal,
        "hub": {"name": settings.hub_name},
        "lang": language(request),
        "_": gettext_for(request),
        "csrf_token": _csrf(request, principal),
        "can": lambda route: policy.allowed(route, principal),
        "path": request.url.path,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, page, status_code=status_code)
    finish(request, response)
    return response


def finish(request: Request, response: Response) -> Response:
    """Set or clear the cookies this request decided on (pre-session, stale session)."""
    settings = get_settings(request)
    pre = getattr(request.state, "pre_session", None)
    if pre:
        response.set_cookie(sessions.PRE_COOKIE, sessions.sign(settings, pre, "pre"),
                            httponly=True, secure=settings.cookie_secure, samesite="lax")
    if getattr(request.state, "clear_session", False):
        response.delete_cookie(sessions.COOKIE, secure=settings.cookie_secure, httponly=True,
                               samesite="lax")
    return response


def redirect(request: Request, location: str) -> RedirectResponse:
    """A 303 redirect (after a POST) carrying this request's cookie decisions."""
    response = RedirectResponse(location, status_code=303)
    finish(request, response)
    return response


def set_session_cookie(request: Request, response: Response, session_id: str | None) -> None:
    """Put a (new) session id in the cookie, or remove the cookie when ``None``."""
    settings = get_settings(request)
    if session_id is None:
        response.delete_cookie(sessions.COOKIE, secure=settings.cookie_secure, httponly=True,
                               samesite="lax")
        return
    response.set_cookie(sessions.COOKIE, sessions.sign(settings, session_id), httponly=True,
                        secure=settings.cookie_secure, samesite="lax")


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """A local redirect target only (no scheme, host or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target[:200]
