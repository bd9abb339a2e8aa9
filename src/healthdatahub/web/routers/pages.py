"""Public pages: home, public project registry, language switch, theme, health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response

from healthdatahub.web.deps import get_settings
from healthdatahub.web.i18n import LANGUAGES
from healthdatahub.web.registry import public_projects
from healthdatahub.web.render import LANG_COOKIE, redirect, render, safe_next

router = APIRouter(include_in_schema=False)
DEFAULT_LOGO = "logo.svg"


@router.get("/", name="home")
def home(request: Request) -> Response:
    """The landing page."""
    return render(request, "home.html")


@router.get("/registry", name="registry")
def registry(request: Request) -> Response:
    """The public registry of approved projects."""
    return render(request, "registry.html", {"projects": public_projects(get_settings(request))})


@router.get("/healthz", name="healthz")
def healthz() -> PlainTextResponse:
    """Liveness probe."""
    return PlainTextResponse("ok")


@router.get("/lang/{code}", name="set_language")
def set_language(request: Request, code: str, next: str | None = None) -> Response:
    """Switch the portal's language (a cookie) and go back."""
    response = redirect(request, safe_next(next, "/"))
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax",
                            secure=get_settings(request).cookie_secure, httponly=True)
    return response


@router.get("/theme.css", name="theme_css")
def theme_css(request: Request) -> Response:
    """The hub's colours as CSS variables (white-label)."""
    settings = get_settings(request)
    css = (f":root{{--primary:{settings.hub_color_primary};"
           f"--accent:{settings.hub_color_accent};}}\n")
    return Response(css, media_type="text/css", headers={"cache-control": "max-age=300"})


@router.get("/logo", name="logo")
def logo(request: Request) -> Response:
    """The hub's logo (settings), or the built-in one."""
    from healthdatahub.web.app import STATIC_DIR

    custom = get_settings(request).hub_logo_file
    path = custom if custom is not None and custom.is_file() else STATIC_DIR / DEFAULT_LOGO
    return FileResponse(path, headers={"cache-control": "max-age=300"})
