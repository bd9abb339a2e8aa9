"""Portal benchmark: 50 concurrent signed-in clients browsing pages for 30 s (p50/p95/rps).

Starts uvicorn on 127.0.0.1 (the portal, then a minimal FastAPI "hello" app as the framework
floor, same client load), signs each client in (password + TOTP), and cycles through the
dashboard, jobs, jobs table (htmx partial), account and registry pages.
Usage: .venv/bin/python bench/bench_portal.py [--clients 50] [--seconds 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyotp

PAGES = ("/dashboard", "/jobs", "/jobs/table", "/account", "/registry")
OUT = Path(__file__).parent / "out"
HELLO = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/{p:path}')\ndef hello(p: str):\n    return {'hello': p}\n"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str) -> None:
    for _ in range(200):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def _prepare(data: Path, clients: int) -> dict[str, str]:
    """Migrate a store, create operators with TOTP, some projects and jobs (synthetic)."""
    from healthdatahub.config import load_settings
    from healthdatahub.jobs import run_job
    from healthdatahub.store import upgrade
    from healthdatahub.web.testing import PASSWORD, add_project, add_user

    settings = load_settings(data_dir=data, cookie_secure=False)
    upgrade(settings.store_url)
    users = {}
    for i in range(clients):
        user_id, secret = add_user(settings, "operator" if i % 5 == 0 else "researcher",
                                   f"bench{i}@example.org")
        users[f"bench{i}@example.org"] = secret
        if i < 10:
            add_project(settings, f"bench-{i}", members={user_id: "researcher"})
    for i in range(20):
        with run_job(settings, "bench", f"Synthetic job {i}", total=10,
                     params={"project_id": 1 + i % 10}) as job:
            job.advance(10)
    users["_password"] = PASSWORD
    return users


async def _sign_in(base: str, email: str, password: str, secret: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="(\w+)"', (await client.get("/login")).text)[1]
    await client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    page = (await client.get("/2fa")).text
    token = re.search(r'name="csrf_token" value="(\w+)"', page)[1]
    response = await client.post("/2fa", data={"code": pyotp.TOTP(secret).now(),
                                                "csrf_token": token})
    if response.status_code != 303 or response.headers["location"] != "/dashboard":
        raise SystemExit(f"sign-in failed for {email}: {response.status_code}")
    return client


async def _load(clients: list[httpx.AsyncClient], seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(index: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        i = index
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                response = await client.get(PAGES[i % len(PAGES)])
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - started)
            i += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)
    return {"requests": len(latencies), "errors": errors, "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def _serve(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "uvicorn", *args, "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _run(opts: argparse.Namespace) -> dict:
    data = Path(tempfile.mkdtemp(prefix="hdh-bench-"))
    users = _prepare(data, opts.clients)
    password = users.pop("_password")
    env = {**os.environ, "HDH_DATA_DIR": str(data), "HDH_COOKIE_SECURE": "false"}
    results = {}
    port = _port()
    portal = _serve(["healthdatahub.web.server:app_factory", "--factory", "--host", "127.0.0.1",
                     "--port", str(port), "--workers", str(opts.workers)], env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/healthz")
        clients = [await _sign_in(base, e, password, s) for e, s in users.items()]
        results["portal"] = await _load(clients, opts.seconds)
        for client in clients:
            await client.aclose()
    finally:
        portal.terminate()
        portal.wait(10)
    hello_dir = Path(tempfile.mkdtemp(prefix="hdh-hello-"))
    (hello_dir / "hello_app.py").write_text(HELLO, encoding="utf-8")
    port = _port()
    hello = _serve(["hello_app:app", "--app-dir", str(hello_dir), "--host", "127.0.0.1",
                    "--port", str(port), "--workers", str(opts.workers)], env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/x")
        clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(opts.clients)]
        results["fastapi_hello"] = await _load(clients, opts.seconds)
        for client in clients:
            await client.aclose()
    finally:
        hello.terminate()
        hello.wait(10)
    return results


def main() -> None:
    """Run the benchmark, write bench/out/portal.json and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    opts = parser.parse_args()
    results = asyncio.run(_run(opts))
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "platform": platform.platform(), "clients": opts.clients,
               "seconds": opts.seconds, "uvicorn_workers": opts.workers}
    OUT.mkdir(exist_ok=True)
    (OUT / "portal.json").write_text(json.dumps({"machine": machine, "results": results},
                                                indent=2), encoding="utf-8")
    lines = ["| target | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['requests']:,} | {r['rps']} | {r['p50_ms']} | "
                     f"{r['p95_ms']} | {r['p99_ms']} | {r['errors']} |")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
