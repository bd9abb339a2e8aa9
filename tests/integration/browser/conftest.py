"""A real portal on 127.0.0.1 (uvicorn thread) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from healthdatahub.config import load_settings
from healthdatahub.store import dispose_engines, upgrade

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(base URL, settings) of a portal served by uvicorn in a thread; Secure cookies on."""
    import uvicorn

    from healthdatahub.web.app import create_app

    data = tmp_path_factory.mktemp("browser")
    settings = load_settings(data_dir=data, argon2_time_cost=1, argon2_memory_kib=8,
                             login_max_failures=3, cookie_secure=True)
    upgrade(settings.store_url)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings
    server.should_exit = True
    thread.join(5)
    dispose_engines()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
