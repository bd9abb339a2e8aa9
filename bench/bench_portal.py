"""Portal benchmark: 50 concurrent signed-in clients browsing pages for 30 s (p50/p95/rps).

Starts uvicorn on 127.0.0.1 (the portal, and a minimal FastAPI "hello" app as the framework
floor under the same client load), signs each client in (password + TOTP), and cycles through
the dashboard, jobs, jobs table (htmx partial), account and registry pages, each client on
its own keep-alive connection with no think time.
Usage: .venv/bin/python bench/bench_portal.py [--clients 50] [--seconds 30] [--workers 2] [--runs 3]
The table shows, per target, the run with the median p95; bench/out/portal.json keeps every run.
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


class _KeepAlive:
    """One HTTP/1.1 keep-alive connection with a client's cookies: the load generator.

    httpx spends about 1.1 ms of CPU per request, on the same two cores as the server; this
    minimal client spends a fraction of that, so the figures say more about the server.
    Responses are read whole (Content-Length or chunked) and only their status is kept.
    """

    def __init__(self, host: str, port: int, cookies: dict[str, str]):
        self.host, self.port = host, port
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        cookie = f"Cookie: {self.cookie}\r\n" if self.cookie else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{cookie}\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head.split(" ", 2)[1])
        length = re.search(r"\r\ncontent-length: *(\d+)", head)
        if length:
            await self.reader.readexactly(int(length[1]))
        elif "transfer-encoding: chunked" in head:
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        if "connection: close" in head:
            await self.aclose()
        return status

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = self.reader = None


async def _load(clients: list[_KeepAlive], seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(index: int, client: _KeepAlive) -> None:
        nonlocal errors
        i = index
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                if await client.get(PAGES[i % len(PAGES)]) != 200:
                    errors += 1
            except (OSError, ValueError, asyncio.IncompleteReadError):
                errors += 1
                await client.aclose()
            latencies.append(time.perf_counter() - started)
            i += 1

    started = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - cpu
    latencies.sort()
    pick = lambda q: round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)
    return {"requests": len(latencies), "errors": errors, "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(latencies)), 2)}


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for proc in (pid, *map(int, children)):
        fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def _measure(server: subprocess.Popen, clients: list[_KeepAlive], seconds: float) -> dict:
    """The load figures plus the server's CPU per request."""
    before = _tree_cpu_s(server.pid)
    result = await _load(clients, seconds)
    used = _tree_cpu_s(server.pid) - before
    result["server_cpu_ms_per_request"] = round(1000 * used / max(1, result["requests"]), 2)
    return result


def _serve(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "uvicorn", *args, "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _median_run(runs: list[dict]) -> dict:
    """The run with the median p95 (all runs are kept alongside it)."""
    ordered = sorted(runs, key=lambda r: r["p95_ms"])
    return {**ordered[len(ordered) // 2], "runs": runs}


async def _run(opts: argparse.Namespace) -> dict:
    """Both servers up at once; the runs alternate portal / hello so both see the same load."""
    data = Path(tempfile.mkdtemp(prefix="hdh-bench-"))
    users = _prepare(data, opts.clients)
    password = users.pop("_password")
    env = {**os.environ, "HDH_DATA_DIR": str(data), "HDH_COOKIE_SECURE": "false"}
    hello_dir = Path(tempfile.mkdtemp(prefix="hdh-hello-"))
    (hello_dir / "hello_app.py").write_text(HELLO, encoding="utf-8")
    ports = {"portal": _port(), "fastapi_hello": _port()}
    workers = ["--workers", str(opts.workers), "--host", "127.0.0.1"]
    servers = {
        "portal": _serve(["healthdatahub.web.server:app_factory", "--factory", *workers,
                          "--port", str(ports["portal"])], env),
        "fastapi_hello": _serve(["hello_app:app", "--app-dir", str(hello_dir), *workers,
                                 "--port", str(ports["fastapi_hello"])], env),
    }
    runs: dict[str, list[dict]] = {name: [] for name in servers}
    try:
        _wait(f"http://127.0.0.1:{ports['portal']}/healthz")
        _wait(f"http://127.0.0.1:{ports['fastapi_hello']}/x")
        base = f"http://127.0.0.1:{ports['portal']}"
        signed_in = [await _sign_in(base, e, password, s) for e, s in users.items()]
        cookies = [dict(c.cookies.items()) for c in signed_in]
        for client in signed_in:
            await client.aclose()
        for _ in range(opts.runs):
            for name, server in servers.items():
                clients = [_KeepAlive("127.0.0.1", ports[name], c if name == "portal" else {})
                           for c in cookies]
                runs[name].append(await _measure(server, clients, opts.seconds))
                for client in clients:
                    await client.aclose()
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(10)
    return {name: _median_run(r) for name, r in runs.items()}


def main() -> None:
    """Run the benchmark, write bench/out/portal.json and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="runs per target (median reported)")
    opts = parser.parse_args()
    load_before = os.getloadavg()
    results = asyncio.run(_run(opts))
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "platform": platform.platform(), "clients": opts.clients,
               "seconds": opts.seconds, "runs": opts.runs, "uvicorn_workers": opts.workers,
               "load_before": load_before}
    OUT.mkdir(exist_ok=True)
    (OUT / "portal.json").write_text(json.dumps({"machine": machine, "results": results},
                                                indent=2), encoding="utf-8")
    lines = [("| target | requests | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req "
              "| errors (all runs) | p95 of each run |"), "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, r in results.items():
        errors = sum(run["errors"] for run in r["runs"])
        each = ", ".join(str(run["p95_ms"]) for run in r["runs"])
        lines.append(f"| {name} | {r['requests']:,} | {r['rps']} | {r['p50_ms']} | "
                     f"{r['p95_ms']} | {r['p99_ms']} | {r['server_cpu_ms_per_request']} "
                     f"| {errors} | {each} |")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
