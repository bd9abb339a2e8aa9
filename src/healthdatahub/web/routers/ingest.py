"""Ingestion in the portal: a data holder uploads a delivery, follows it, reads its report.

Uploaded files go to ``inbox/<upload id>/`` (written under a temporary name, then renamed),
then the portal starts ``hdh ingest`` on that folder as a detached process for the user, so
the job shows on their jobs page. Who sees which ingestion is the policy's ``can_view_job``.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from healthdatahub.ingest.service import report_dir
from healthdatahub.jobs import atomic_dir
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Dataset, Ingestion, Job
from healthdatahub.web import policy
from healthdatahub.web.deps import Me, RowId, get_settings, record
from healthdatahub.web.launch import start_command
from healthdatahub.web.render import render
from healthdatahub.web.security import REPORT_CSP

router = APIRouter(include_in_schema=False)
INGESTERS = frozenset({"data_holder", "operator"})
policy.register({
    "ingest_home": policy.Rule("signed_in", INGESTERS),
    "ingest_upload": policy.Rule("signed_in", INGESTERS),
    "ingest_report_page": policy.Rule("signed_in", INGESTERS),
})
DATASET = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
SUFFIXES = (".csv", ".txt", ".parquet", ".sas7bdat", ".json")
MAX_FILES = 500


def _ingestions(request: Request, principal: policy.Principal,
                ingestion_id: int | None = None) -> list[dict[str, Any]]:
    """The latest ingestions this principal may see (or the one asked for)."""
    stmt = (select(Ingestion.id, Dataset.slug, Ingestion.state, Ingestion.counts,
                   Ingestion.error, Ingestion.started_at, Job.params)
            .join(Dataset, Dataset.id == Ingestion.dataset_id)
            .outerjoin(Job, Job.id == Ingestion.job_id).order_by(Ingestion.id.desc()))
    stmt = stmt.where(Ingestion.id == ingestion_id) if ingestion_id else stmt.limit(200)
    with session_scope(get_settings(request)) as db:
        rows = db.execute(stmt).all()
    return [{"id": r.id, "dataset": r.slug, "state": r.state, "error": r.error,
             "rows": (r.counts or {}).get("rows"), "errors": (r.counts or {}).get("errors"),
             "started_at": r.started_at} for r in rows
            if policy.can_view_job(principal, r.params or {}, ())][:50]


@router.get("/ingest", name="ingest_home")
def ingest_home(request: Request, principal: Me) -> Response:
    """Deliver files to a dataset, and my deliveries with their verdicts and reports."""
    return render(request, "ingest/home.html", {"ingestions": _ingestions(request, principal),
                                                "suffixes": ", ".join(SUFFIXES)})


@router.post("/ingest/upload", name="ingest_upload")
async def ingest_upload(request: Request, principal: Me, dataset: Annotated[str, Form()],
                        files: Annotated[list[UploadFile], File()]) -> Response:
    """Keep the uploaded files as one delivery, then start its ingestion for this user."""
    settings = get_settings(request)
    if not DATASET.fullmatch(dataset):
        raise HTTPException(422, "The dataset name may hold lower-case letters, digits, '-' "
                                 "and '_' (at most 64), starting with a letter or digit.")
    names = [f.filename or "" for f in files]
    bad = [n for n in names if not FILE_NAME.fullmatch(n) or not n.lower().endswith(SUFFIXES)]
    if bad or not names or len(names) > MAX_FILES or len(set(names)) != len(names):
        raise HTTPException(422, f"Send 1 to {MAX_FILES} files with distinct plain names "
                                 f"ending in {', '.join(SUFFIXES)}"
                                 + (f" (refused: {bad[0][:80]!r})." if bad else "."))
    upload_id = uuid.uuid4().hex
    folder = settings.data_dir / "inbox" / upload_id
    folder.parent.mkdir(parents=True, exist_ok=True)
    with atomic_dir(folder) as tmp:
        for upload in files:
            with (tmp / upload.filename).open("wb") as out:
                while chunk := await upload.read(1 << 20):
                    out.write(chunk)
    record(request, "ingest.upload", object_type="dataset", object_id=dataset,
           details={"upload": upload_id, "files": len(names)})
    start_command(settings, ["ingest", dataset, str(folder), "--requested-by",
                             str(principal.user_id), "--json"])
    return RedirectResponse("/jobs", status_code=303)


@router.get("/ingest/{ingestion_id}/report", name="ingest_report_page")
def ingest_report_page(request: Request, principal: Me, ingestion_id: RowId) -> Response:
    """The validation report of one of my ingestions (every ingestion for staff)."""
    found = _ingestions(request, principal, ingestion_id)
    path = report_dir(get_settings(request), ingestion_id) / "report.html"
    if not found or not path.is_file():
        record(request, "ingest.report", "denied", object_type="ingestion", object_id=ingestion_id)
        raise HTTPException(404, "This ingestion does not exist, has no report yet, or is not "
                                 "yours.")
    record(request, "ingest.report", object_type="ingestion", object_id=ingestion_id)
    return HTMLResponse(path.read_text(encoding="utf-8"),
                        headers={"content-security-policy": REPORT_CSP})
