"""The portal's app factory: routers, the policy guard, middleware and error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthdatahub import __version__
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.web.auth.secrets_store import secret_key
from healthdatahub.web.deps import DENIED, Redirect, authorize, check_csrf, is_api
from healthdatahub.web.render import render
from healthdatahub.web.security import SecurityMiddleware

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger(__name__)

#: The portal's routers, as "module:attribute"; a domain adds its own here (docs/portal.md).
ROUTERS: tuple[str, ...] = (
    "healthdatahub.web.routers.pages:router",
    "healthdatahub.web.routers.auth:router",
    "healthdatahub.web.routers.projects:router",
    "healthdatahub.web.routers.jobs:router",
    "healthdatahub.web.routers.account:router",
    "healthdatahub.web.routers.admin:router",
    "healthdatahub.web.routers.api:router",
    "healthdatahub.web.routers.catalogue:router",
    "healthdatahub.web.routers.linkage:router",
    "healthdatahub.web.routers.ingest:router",
    "healthdatahub.web.routers.indicators:router",
)


def _error(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Redirect)
    async def _redirect(request: Request, exc: Redirect) -> Response:
        return RedirectResponse(exc.location, status_code=303, headers=DENIED)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "Request refused."
        if exc.status_code == 404 and message == "Not Found":
            message = "This page does not exist."
        response = _error(request, exc.status_code, message)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_api(request):
            fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
            return JSONResponse({"detail": "Invalid request.", "fields": fields}, 422)
        return _error(request, 422, "Some fields of the form are missing or invalid.")

    @app.exception_handler(HubError)
    async def _hub(request: Request, exc: HubError) -> Response:
        return _error(request, getattr(exc, "status_code", 400), str(exc))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:  # pragma: no cover
        log.error("unhandled %s on %s", type(exc).__name__, request.url.path)
        return JSONResponse({"detail": "Internal error."}, status_code=500)


def _load_router(spec: str):
    import importlib

    module_name, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the thread pool that runs the portal's blocking endpoints (``web_threads``)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = app.state.settings.web_threads
    yield


def create_app(settings: Settings, routers: tuple[str, ...] = ROUTERS) -> FastAPI:
    """The portal for one hub instance (settings: branding, security, store)."""
    secret_key(settings)  # create the signing key now, not in the middle of a request
    app = FastAPI(
        lifespan=_lifespan,
        title=f"{settings.hub_name} API", version=__version__,
        openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
        dependencies=[Depends(authorize), Depends(check_csrf)],
        description="JSON API of the health data hub. Authenticate with a personal API "
                    "token (`Authorization: Bearer hdh_…`) or a signed-in session.",
    )
    app.state.settings = settings
    for spec in routers:
        app.include_router(_load_router(spec))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_handlers(app)
    app.add_middleware(SecurityMiddleware, max_body=settings.max_body_bytes,
                       hsts=settings.cookie_secure, upload_max_body=settings.web_upload_max_bytes)
    return app


def route_table(app: FastAPI) -> list[tuple[str, str, str]]:
    """Every (route name, method, path) of the app, routers flattened (tests, docs)."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Mount

    table = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            table.append((route.name, "GET", f"{route.path}/{{path}}"))
            continue
        for method in sorted((getattr(route, "methods", None) or {"GET"}) - {"HEAD"}):
            table.append((context.name or "", method, context.path or ""))
    return table
