"""The ingest domain's rows in the metadata store: datasets, policies, ingestions, landed tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.store import Dataset, DatasetVersion, Ingestion, session_scope, utcnow
from healthdatahub.store.models_ingest import IngestPolicy, LandedColumn, LandedTable

POLICIES = ("reject", "quarantine")


def dataset_and_policy(settings: Settings, slug: str, *, policy: str | None = None,
                       max_error_rate: float | None = None, schema: str | None = None,
                       title: str | None = None) -> dict[str, Any]:
    """Get or create the dataset and its policy (updated with what is given)."""
    if policy is not None and policy not in POLICIES:
        raise HubError(f"Policy {policy!r} is unknown; use reject or quarantine.")
    if max_error_rate is not None and not 0.0 <= max_error_rate <= 1.0:
        raise HubError("The maximum error rate must be between 0 and 1.")
    with session_scope(settings) as s:
        ds = s.scalar(select(Dataset).where(Dataset.slug == slug))
        if ds is None:
            ds = Dataset(slug=slug, title=title or slug, description="")
            s.add(ds)
            s.flush()
        pol = s.get(IngestPolicy, ds.id)
        if pol is None:
            pol = IngestPolicy(dataset_id=ds.id, policy="reject", max_error_rate=(
                settings.ingest_max_error_rate), schema_source="snds", updated_at=utcnow())
            s.add(pol)
        if policy is not None:
            pol.policy = policy
        if max_error_rate is not None:
            pol.max_error_rate = max_error_rate
        if schema is not None:
            pol.schema_source = schema
        pol.updated_at = utcnow()
        s.flush()
        return {"dataset_id": ds.id, "slug": ds.slug, "policy": pol.policy,
                "max_error_rate": pol.max_error_rate, "schema": pol.schema_source}


def previous_landing(settings: Settings, dataset_id: int, files: list[tuple[str, int]]
                     ) -> dict[str, Any] | None:
    """The last landed ingestion of the dataset whose files had the same names and sizes."""
    with session_scope(settings) as s:
        rows = s.scalars(select(Ingestion).where(
            Ingestion.dataset_id == dataset_id, Ingestion.state == "landed",
        ).order_by(Ingestion.id.desc()))
        for ing in rows:
            known = ing.manifest.get("files", [])
            if sorted((f["path"], f["bytes"]) for f in known) == files:
                return {"id": ing.id, "files": known, "counts": dict(ing.counts),
                        "version": ing.version.version if ing.version else None}
    return None


def start_ingestion(settings: Settings, dataset_id: int, sources: list[str], job_id: int) -> int:
    """Record a running ingestion (and close the ones whose process died)."""
    from healthdatahub.store import Job

    with session_scope(settings) as s:
        for ing in s.scalars(select(Ingestion).where(Ingestion.state == "running")):
            job = s.get(Job, ing.job_id) if ing.job_id else None
            if job is None or job.state != "running":
                ing.state, ing.finished_at = "interrupted", utcnow()
                ing.error = "The ingestion's process stopped before it finished."
        ing = Ingestion(dataset_id=dataset_id, job_id=job_id, state="running", sources=sources,
                        manifest={}, counts={}, started_at=utcnow())
        s.add(ing)
        s.flush()
        return ing.id


def next_version(settings: Settings, dataset_id: int) -> str:
    """The next free version name (v1, v2, ...)."""
    with session_scope(settings) as s:
        names = set(s.scalars(select(DatasetVersion.version).where(
            DatasetVersion.dataset_id == dataset_id)))
    n = 1
    while f"v{n}" in names:
        n += 1
    return f"v{n}"


def finish_ingestion(settings: Settings, ingestion_id: int, *, state: str, counts: dict,
                     files: list[dict], error: str | None = None,
                     landed: dict[str, Any] | None = None) -> int | None:
    """Record the end of an ingestion, with the landed version and its tables when there is one."""
    with session_scope(settings) as s:
        ing = s.get(Ingestion, ingestion_id)
        version_id = None
        if landed is not None:
            version = DatasetVersion(dataset_id=ing.dataset_id, version=landed["version"],
                                     status="landed", path=landed["path"],
                                     row_count=landed["rows"], file_count=len(files))
            s.add(version)
            s.flush()
            version_id = version.id
            _add_tables(s, version.id, landed["tables"])
            ing.version_id = version.id
        ing.state, ing.counts, ing.error = state, counts, error
        ing.manifest = {"files": files}
        ing.finished_at = utcnow()
        return version_id


def _add_tables(s: Session, version_id: int, tables: list[dict[str, Any]]) -> None:
    """The catalogue hook: tables and columns of a landed version, with statistics."""
    for t in tables:
        row = LandedTable(version_id=version_id, name=t["name"], descriptor=t["descriptor"],
                          path=t["path"], row_count=t["rows"], rejected_count=t["rejected"],
                          file_count=t["files"], time_column=t["time_column"],
                          time_min=t["time_min"], time_max=t["time_max"])
        row.columns = [LandedColumn(position=i, name=c["name"], type=c["type"],
                                    null_count=c["null_count"], null_rate=c["null_rate"],
                                    min_value=c["min"], max_value=c["max"])
                       for i, c in enumerate(t["columns"])]
        s.add(row)


def list_ingestions(settings: Settings, dataset: str | None = None, limit: int = 50
                    ) -> list[dict[str, Any]]:
    """The most recent ingestions (optionally of one dataset), newest first."""
    with session_scope(settings) as s:
        query = select(Ingestion, Dataset.slug).join(Dataset, Dataset.id == Ingestion.dataset_id)
        if dataset:
            query = query.where(Dataset.slug == dataset)
        rows = s.execute(query.order_by(Ingestion.id.desc()).limit(limit)).all()
        return [{"id": ing.id, "dataset": slug, "state": ing.state,
                 "version": ing.version.version if ing.version else None,
                 "counts": ing.counts, "error": ing.error, "started_at": ing.started_at,
                 "finished_at": ing.finished_at} for ing, slug in rows]


def landed_tables(settings: Settings, dataset: str, version: str) -> list[dict[str, Any]]:
    """The landed tables of a dataset version (name, path, columns with types)."""
    with session_scope(settings) as s:
        v = s.scalar(select(DatasetVersion).join(Dataset).where(
            Dataset.slug == dataset, DatasetVersion.version == version))
        if v is None:
            raise HubError(f"Dataset {dataset} has no landed version {version}.")
        tables = s.scalars(select(LandedTable).where(LandedTable.version_id == v.id))
        return [{"name": t.name, "descriptor": t.descriptor, "path": t.path,
                 "rows": t.row_count, "columns": [(c.name, c.type) for c in t.columns]}
                for t in tables]
