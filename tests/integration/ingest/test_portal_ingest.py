"""A data holder delivers files from the portal, follows the job, and reads the report."""

from __future__ import annotations

import time

from healthdatahub.jobs.service import list_jobs
from healthdatahub.web import testing


def _wait_for_ingest(settings, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        jobs = list_jobs(settings, kind="ingest")
        if jobs and jobs[0]["state"] not in ("queued", "running"):
            return jobs[0]
        assert time.monotonic() < deadline, "the ingestion job did not finish"
        time.sleep(0.5)


def _deliver(http, files: dict[str, bytes], dataset: str = "snds", page: str = "/ingest"):
    token = testing.csrf(http, page)
    return http.post("/ingest/upload", data={"csrf_token": token, "dataset": dataset},
                     files=[("files", (name, body, "text/csv")) for name, body in files.items()])


def test_a_faulty_delivery_is_rejected_with_a_report_only_its_holder_reads(store_settings,
                                                                           delivery):
    settings = testing.fast(store_settings)
    holder, _ = testing.add_user(settings, "data_holder")
    other, _ = testing.add_user(settings, "data_holder")
    operator, _ = testing.add_user(settings, "operator")
    ben = (delivery / "IR_BEN_R.csv").read_bytes()
    lines = ben.splitlines(keepends=True)
    fields = lines[1].split(b";")
    fields[2] = b"X"  # a value that is not an integer, on line 2
    broken = lines[0] + b";".join(fields) + b"".join(lines[2:])
    with testing.client(settings) as http:
        testing.sign_in(settings, http, holder)
        answer = _deliver(http, {"IR_BEN_R.csv": broken,
                                 "ER_PRS_F.csv": (delivery / "ER_PRS_F.csv").read_bytes()})
        assert answer.status_code == 303 and answer.headers["location"] == "/jobs"
        job = _wait_for_ingest(settings)
        assert job["state"] == "succeeded" and job["result"]["decision"] == "rejected"
        assert job["params"]["requested_by"] == holder
        assert "Ingest 2 files into snds" in http.get("/jobs").text  # the holder sees its job
        page = http.get("/ingest").text
        found = [line for line in page.splitlines() if "/report" in line]
        assert found, page
        ingestion = found[0].split('href="/ingest/')[1].split("/")[0]
        report = http.get(f"/ingest/{ingestion}/report")
        assert report.status_code == 200 and "IR_BEN_R" in report.text
        assert "default-src 'none'" in report.headers["content-security-policy"]
    assert not list(settings.lake_dir.glob("snds/v*"))  # nothing landed
    with testing.client(settings) as http:
        testing.sign_in(settings, http, other)
        assert http.get(f"/ingest/{ingestion}/report").status_code == 404
        assert f"/ingest/{ingestion}/report" not in http.get("/ingest").text
    with testing.client(settings) as http:
        testing.sign_in(settings, http, operator)
        assert http.get(f"/ingest/{ingestion}/report").status_code == 200


def test_a_clean_delivery_lands(store_settings, delivery):
    settings = testing.fast(store_settings)
    holder, _ = testing.add_user(settings, "data_holder")
    with testing.client(settings) as http:
        testing.sign_in(settings, http, holder)
        files = {name: (delivery / name).read_bytes() for name in ("IR_BEN_R.csv", "ER_PRS_F.csv")}
        assert _deliver(http, files).status_code == 303
        job = _wait_for_ingest(settings)
        assert job["state"] == "succeeded" and job["result"]["decision"] == "landed", job
    assert (settings.lake_dir / "snds" / "v1" / "ER_PRS_F").is_dir()


def test_bad_uploads_are_refused_and_nothing_is_kept(store_settings):
    settings = testing.fast(store_settings)
    holder, _ = testing.add_user(settings, "data_holder")
    researcher, _ = testing.add_user(settings, "researcher")
    with testing.client(settings) as http:
        testing.sign_in(settings, http, holder)
        assert _deliver(http, {"../../etc.csv": b"x"}).status_code == 422
        assert _deliver(http, {"run.sh": b"x"}).status_code == 422
        assert _deliver(http, {"a.csv": b"x"}, dataset="../lake").status_code == 422
    with testing.client(settings) as http:
        testing.sign_in(settings, http, researcher)
        assert http.get("/ingest").status_code == 403
        assert _deliver(http, {"a.csv": b"x"}, page="/dashboard").status_code == 403
    inbox = settings.data_dir / "inbox"
    assert not inbox.exists() or not list(inbox.iterdir())
    assert list_jobs(settings, kind="ingest") == []
