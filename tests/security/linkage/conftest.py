"""A small synthetic reference (outside any data dir) and one full two-holder linkage run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from healthdatahub.config import Settings, get_settings, load_settings
from healthdatahub.linkage import service
from healthdatahub.linkage.access import Actor
from healthdatahub.linkage.holders import write_holder_table
from healthdatahub.snds.synth import generate
from healthdatahub.store import dispose_engines, upgrade

HOLDERS = ("chu-a", "chu-b")


@dataclass
class FullRun:
    """A finished two-holder project: settings, uploaded files, outputs, every HTTP answer."""

    settings: Settings
    uploads: dict[str, Path]
    outcome: object
    log_text: str
    responses: list[bytes]


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,500-person synthetic civil-status reference, standing for the national register."""
    out = tmp_path_factory.mktemp("register") / "synth"
    generate(out, 1500, 11)
    return out / "reference"


@pytest.fixture(scope="session")
def full_run(tmp_path_factory: pytest.TempPathFactory, reference: Path) -> FullRun:
    """The whole project through the portal, capturing the logs and every HTTP answer.

    Holder chu-a uploads with the portal's form, chu-b with an API token; the operator starts
    the linkage from the portal (a background ``hdh linkage run``), then delivers.
    """
    import io
    import logging
    import time

    from healthdatahub.jobs.service import list_jobs
    from healthdatahub.web import api_tokens, testing

    root = tmp_path_factory.mktemp("hub")
    get_settings.cache_clear()
    settings = testing.fast(load_settings(data_dir=root / "data", log_level="DEBUG",
                                          linkage_reference_dir=reference))
    upgrade(settings.store_url)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    previous = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    responses: list[bytes] = []

    def seen(response):
        responses.append(response.content + str(response.headers).encode())
        return response

    try:
        op = Actor.operator()
        operator, _ = testing.add_user(settings, "operator")
        users = {slug: testing.add_user(settings, "data_holder")[0] for slug in HOLDERS}
        portal_project = testing.add_project(settings, "etude-portail",
                                             members={users["chu-b"]: "data_holder"})
        service.create_project(settings, op, "etude", "Étude", "reconstruction",
                               project_id=portal_project)
        uploads = {}
        for seed, slug in enumerate(HOLDERS, start=1):
            service.add_holder(settings, op, "etude", slug, slug.upper(), user_id=users[slug])
            csv = root / "holders" / f"{slug}.csv"
            write_holder_table(settings, reference, csv, root / "holders" / f"{slug}.truth", 150,
                               seed=seed)
            uploads[slug] = csv
        with testing.client(settings) as http:  # chu-a: the portal's upload form
            testing.sign_in(settings, http, users["chu-a"])
            seen(http.get("/linkage"))
            token = testing.csrf(http, "/linkage/etude")
            with uploads["chu-a"].open("rb") as table:
                answer = seen(http.post("/linkage/etude/chu-a/upload", data={"csrf_token": token},
                                        files={"table": ("chu-a.csv", table, "text/csv")}))
            assert answer.status_code == 303, answer.text
            seen(http.get("/linkage/etude"))
        _, secret = api_tokens.create(settings, users["chu-b"], portal_project, "upload")
        with testing.client(settings) as api:  # chu-b: the API with a project token
            answer = seen(api.post("/api/v1/linkage/etude/holders/chu-b/upload",
                                   content=uploads["chu-b"].read_bytes(),
                                   headers={"authorization": f"Bearer {secret}",
                                            "content-type": "text/csv"}))
            assert answer.status_code == 201, answer.text
        with testing.client(settings) as http:  # the operator starts the run from the portal
            testing.sign_in(settings, http, operator)
            answer = seen(http.post("/linkage/etude/run",
                                    data={"csrf_token": testing.csrf(http, "/linkage/etude")}))
            assert answer.status_code == 303
            deadline = time.monotonic() + 600
            while True:
                jobs = list_jobs(settings, kind="linkage")
                if jobs and jobs[0]["state"] not in ("queued", "running"):
                    break
                assert time.monotonic() < deadline, "the linkage job did not finish"
                time.sleep(1)
            assert jobs[0]["state"] == "succeeded", jobs[0]["error"]
            outcome = jobs[0]["result"]
            for page in ("/jobs", "/linkage", "/linkage/etude", "/linkage/etude/chu-a/report",
                         "/linkage/etude/chu-b/report", "/api/v1/linkage/etude/status",
                         "/api/v1/linkage/etude/holders/chu-a/report", "/admin/audit",
                         "/api/v1/jobs"):
                assert seen(http.get(page)).status_code == 200, page
            answer = seen(http.post("/linkage/etude/deliver",
                                    data={"csrf_token": testing.csrf(http, "/linkage/etude")}))
            assert answer.status_code == 303
            seen(http.get("/linkage/etude"))
        with testing.client(settings) as http:  # a holder follows its slot after delivery
            testing.sign_in(settings, http, users["chu-a"])
            for page in ("/linkage/etude", "/linkage/etude/chu-a/report"):
                assert seen(http.get(page)).status_code == 200, page
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(previous)
        dispose_engines()
    return FullRun(settings, uploads, outcome, stream.getvalue(), responses)
