"""Serving the portal with uvicorn (``hdh serve`` and the end of ``hdh demo``)."""

from __future__ import annotations

from fastapi import FastAPI

from healthdatahub.config import Settings, get_settings
from healthdatahub.store.db import ensure_schema
from healthdatahub.web.app import create_app


def app_factory() -> FastAPI:
    """The portal for the process's settings (uvicorn ``--factory`` entry point)."""
    settings = get_settings()
    ensure_schema(settings)
    return create_app(settings)


def serve(settings: Settings, host: str | None = None, port: int | None = None,
          workers: int = 1) -> None:
    """Run the portal until interrupted (several workers read settings from HDH_* vars)."""
    import uvicorn

    ensure_schema(settings)
    host, port = host or settings.web_host, port or settings.web_port
    if workers > 1:
        uvicorn.run("healthdatahub.web.server:app_factory", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", proxy_headers=True)
        return
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                proxy_headers=True)
