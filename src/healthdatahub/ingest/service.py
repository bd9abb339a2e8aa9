"""The ingest domain's operations, as the CLI and the portal call them."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from healthdatahub.config import Settings
from healthdatahub.engine import get_engine
from healthdatahub.errors import HubError
from healthdatahub.ingest import records
from healthdatahub.ingest.digests import sha256_file
from healthdatahub.ingest.landing import land_table, quarantine_table
from healthdatahub.ingest.pipeline import (
    DeliveryRun,
    Options,
    configure_engine,
    validate_delivery,
)
from healthdatahub.ingest.records import list_ingestions
from healthdatahub.ingest.report import build_report, render_report_html, write_report
from healthdatahub.ingest.schemas import load_schema_set
from healthdatahub.ingest.sources import discover, file_identity
from healthdatahub.ingest.stats import table_stats
from healthdatahub.jobs import ProgressSink, atomic_dir, clean_stale_tmp, run_job
from healthdatahub.results import Outcome
from healthdatahub.store import ensure_schema

__all__ = ["get_report", "ingest_files", "list_ingestions", "render_report_html", "set_policy",
           "suppress_finess"]
#: Rules about a whole file: a delivery with one of them never lands, whatever the policy.
FILE_RULES = ("missingColumn", "unexpectedColumn", "checksum", "rowCount", "missingFile",
              "notInManifest")


def set_policy(settings: Settings, dataset: str, policy: str | None = None,
               max_error_rate: float | None = None, schema: str | None = None) -> Outcome:
    """Create a dataset or change its policy (reject | quarantine + maximum error rate)."""
    ensure_schema(settings)
    info = records.dataset_and_policy(settings, dataset, policy=policy,
                                      max_error_rate=max_error_rate, schema=schema)
    return Outcome("ingest.policy", f"Dataset {dataset}: policy {info['policy']}, maximum error "
                   f"rate {info['max_error_rate']}, schema {info['schema']}.", details=info)


def get_report(settings: Settings, ingestion_id: int) -> dict[str, Any]:
    """The JSON report of an ingestion."""
    path = report_dir(settings, ingestion_id) / "report.json"
    if not path.exists():
        raise HubError(f"Ingestion {ingestion_id} has no report.")
    return json.loads(path.read_text(encoding="utf-8"))


def report_dir(settings: Settings, ingestion_id: int) -> Path:
    """Where an ingestion's report.json and report.html are."""
    return settings.reports_dir / "ingest" / str(ingestion_id)


def _decide(dr: DeliveryRun, policy: dict[str, Any]) -> tuple[str, str]:
    """('landed' | 'rejected', why) from the findings and the dataset's policy."""
    rows = sum(r.rows for r in dr.tables.values())
    errors = sum(r.errors for r in dr.tables.values())
    if errors == 0:
        return "landed", f"All {rows:,} rows are valid."
    file_level = sorted({c.rule for r in dr.tables.values() for c in r.checks
                         if c.count and c.rule in FILE_RULES})
    if policy["policy"] == "reject":
        return "rejected", (f"{errors:,} errors found; the dataset's policy rejects a delivery "
                            "with any error: nothing was landed.")
    if file_level:
        return "rejected", (f"File-level errors ({', '.join(file_level)}) reject the delivery "
                            "whatever the policy: nothing was landed.")
    bad = sum(r.rows_in_error + sum(c.count for c in r.checks if c.rule in (
        "primaryKey", "unique", "foreignKey", "truncatedLine", "extraValues", "encoding",
        "quoting")) for r in dr.tables.values())
    rate = bad / max(rows + sum(f.reject_count for r in dr.tables.values() for f in r.files), 1)
    if rate > policy["max_error_rate"]:
        return "rejected", (f"{rate:.4%} of rows are in error, above the policy's maximum "
                            f"{policy['max_error_rate']:.4%}: nothing was landed.")
    return "landed", (f"{rate:.4%} of rows are in error (maximum {policy['max_error_rate']:.4%}): "
                      "valid rows landed, rejected rows quarantined.")


def _fingerprints(files: list[Any], checksums: dict[str, str]) -> list[dict[str, Any]]:
    return [{"path": f.rel, "table": f.table, "bytes": f.size, "sha256": checksums.get(f.rel)}
            for f in files]


def ingest_files(settings: Settings, dataset: str, paths: list[str | Path], *,
                 version: str | None = None, policy: str | None = None,
                 max_error_rate: float | None = None, schema: str | None = None,
                 delimiter: str = ";", encoding: str | None = None,
                 date_format: str | None = None, decimal_char: str = ".",
                 progress: ProgressSink | None = None,
                 requested_by: int | None = None) -> Outcome:
    """Validate a delivery and land it as a new dataset version (or reject it with a report).

    ``requested_by`` (a portal user id) goes into the job's params: that user then sees the
    job and its report in the portal.
    """
    started = time.perf_counter()
    ensure_schema(settings)
    pol = records.dataset_and_policy(settings, dataset, policy=policy,
                                     max_error_rate=max_error_rate, schema=schema)
    delivery = discover([Path(p) for p in paths], delimiter=delimiter, encoding=encoding)
    same = records.previous_landing(settings, pol["dataset_id"], file_identity(delivery.files))
    if same is not None:
        known = {f["path"]: f["sha256"] for f in same["files"]}
        if all(known.get(f.rel) == sha256_file(f.path) for f in delivery.files):
            return Outcome("ingest", f"Nothing to do: these {len(delivery.files)} files were "
                           f"already landed as {dataset} {same['version']} (ingestion "
                           f"{same['id']}, same SHA-256).", details={
                               "noop": True, "ingestion_id": same["id"],
                               "version": same["version"], "decision": "noop"},
                           counts=same["counts"],
                           timings={"total": round(time.perf_counter() - started, 3)})
    schemas = load_schema_set(pol["schema"])
    opts = Options(delimiter=delimiter, encoding=encoding, date_format=date_format,
                   decimal_char=decimal_char, sample_rows=settings.ingest_sample_rows)
    lake = settings.lake_dir / dataset
    quarantine_root = settings.data_dir / "quarantine"
    for folder in (lake, quarantine_root, settings.data_dir / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
        clean_stale_tmp(folder)
    label = f"Ingest {len(delivery.files)} files into {dataset}"
    with run_job(settings, "ingest", label, total=len(delivery.tables()) * 2,
                 params={"dataset": dataset, "paths": [str(p) for p in paths],
                         **({"requested_by": requested_by} if requested_by else {})},
                 progress=progress) as job:
        ingestion_id = records.start_ingestion(settings, pol["dataset_id"],
                                               [str(p) for p in paths], job.id)
        try:
            return _run(settings, job, ingestion_id, dataset, delivery, schemas, opts, pol,
                        version, lake, quarantine_root, started)
        except BaseException as exc:
            records.finish_ingestion(settings, ingestion_id, state="failed", counts={},
                                     files=[], error=str(exc)[:1000] if isinstance(
                                         exc, HubError) else type(exc).__name__)
            raise


def _run(settings: Settings, job: Any, ingestion_id: int, dataset: str, delivery: Any,
         schemas: Any, opts: Options, pol: dict[str, Any], version: str | None, lake: Path,
         quarantine_root: Path, started: float) -> Outcome:
    """The body of an ingestion job: validate, decide, land or reject, report, record."""
    work = settings.data_dir / "tmp" / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}-ingest"
    work.mkdir(parents=True)
    try:
        return _run_in(settings, job, ingestion_id, dataset, delivery, schemas, opts, pol,
                       version, lake, quarantine_root, started, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_in(settings: Settings, job: Any, ingestion_id: int, dataset: str, delivery: Any,
            schemas: Any, opts: Options, pol: dict[str, Any], version: str | None, lake: Path,
            quarantine_root: Path, started: float, work: Path) -> Outcome:
    """Validation and landing inside the job's work folder."""
    timings: dict[str, float] = {}
    with get_engine(settings, "duckdb") as engine:
        configure_engine(engine, settings, work)
        dr = validate_delivery(engine, delivery, schemas, opts, work)
        timings["validate"] = round(time.perf_counter() - started, 3)
        job.advance(len(dr.tables), "validated")
        decision, why = _decide(dr, pol)
        rows = sum(r.rows for r in dr.tables.values())
        errors = sum(r.errors for r in dr.tables.values())
        quarantined = 0
        if errors:
            with atomic_dir(quarantine_root / str(ingestion_id)) as qtmp:
                for run in dr.tables.values():
                    if run.rows_in_error or run.bad_tables:
                        quarantined += quarantine_table(engine, run, qtmp)
        landed = None
        if decision == "landed":
            name = version or records.next_version(settings, pol["dataset_id"])
            final = lake / name
            if final.exists():
                raise HubError(f"Version {name} of {dataset} already exists in the lake.")
            tables = []
            with atomic_dir(final) as tmp:
                for run in dr.tables.values():
                    mark = time.perf_counter()
                    kept = land_table(engine, run, tmp)
                    timings["land"] = timings.get("land", 0.0) + time.perf_counter() - mark
                    mark = time.perf_counter()
                    st = table_stats(engine, tmp / run.table, run.compiled.sql_types)
                    timings["stats"] = timings.get("stats", 0.0) + time.perf_counter() - mark
                    tables.append({"name": run.table, "descriptor": run.descriptor.get("name"),
                                   "path": str(final / run.table), "rows": kept,
                                   "rejected": run.rows - kept, "files": len(run.files), **st})
                    job.advance(1, f"landed {run.table}")
            landed = {"version": name, "path": str(final), "rows": sum(t["rows"] for t in tables),
                      "tables": tables}
        timings = {k: round(v, 3) for k, v in timings.items()}
        timings["total"] = round(time.perf_counter() - started, 3)
    summary = (f"{dataset}: {len(delivery.files)} files, {rows:,} rows, {errors:,} errors — "
               f"{decision}. {why}")
    report = build_report(dr, dataset=dataset, ingestion_id=ingestion_id, policy=pol,
                          decision=decision, summary=summary)
    paths = {k: str(v) for k, v in write_report(report, report_dir(settings, ingestion_id)).items()}
    counts = {"files": len(delivery.files), "rows": rows, "errors": errors,
              "quarantined_rows": quarantined, "landed_rows": landed["rows"] if landed else 0}
    records.finish_ingestion(settings, ingestion_id, state=decision, counts=counts,
                             files=_fingerprints(delivery.files, dr.checksums), landed=landed)
    job.result({"ingestion_id": ingestion_id, "decision": decision, **counts})
    out_paths = {"report_json": paths["json"], "report_html": paths["html"]}
    if landed:
        out_paths["version"] = landed["path"]
    if quarantined:
        out_paths["quarantine"] = str(quarantine_root / str(ingestion_id))
    return Outcome("ingest", summary, paths=out_paths, counts=counts, timings=timings,
                   details={"ingestion_id": ingestion_id, "decision": decision,
                            "version": landed["version"] if landed else None},
                   ok=decision == "landed")


def suppress_finess(settings: Settings, dataset: str, version: str, project: str, *,
                    out: Path | None = None, mode: str = "pseudonymise",
                    min_stays: int | None = None, progress: ProgressSink | None = None
                    ) -> Outcome:
    """Deliver a copy of a landed version to a project with every FINESS suppressed."""
    from healthdatahub.ingest.finess import suppress_tables
    from healthdatahub.linkage.keys import derive, pseudonym_secret

    started = time.perf_counter()
    ensure_schema(settings)
    tables = {t["name"]: Path(t["path"]) for t in records.landed_tables(settings, dataset, version)}
    target = out or settings.data_dir / "projects" / project / "deliveries" / f"{dataset}-{version}"
    threshold = min_stays if min_stays is not None else settings.finess_min_stays
    # From the never-rotated pseudonymisation secret: a project's FINESS pseudonyms must not
    # change when the vault's master key is rotated.
    key = derive(pseudonym_secret(settings), f"finess:{project}")
    with run_job(settings, "finess", f"FINESS suppression of {dataset} {version} for {project}",
                 total=len(tables), params={"dataset": dataset, "version": version,
                                            "project": project, "mode": mode},
                 progress=progress) as job, get_engine(settings, "duckdb") as engine, \
            atomic_dir(target) as tmp:
        report = suppress_tables(engine, tables, tmp, key, mode=mode, min_stays=threshold)
        job.advance(len(tables))
        job.result({"tables": report})
    columns = sum(r["finess_columns"] for r in report.values())
    return Outcome("finess.suppress", f"{dataset} {version} delivered to project {project} with "
                   f"{columns} FINESS columns {'removed' if mode == 'remove' else 'pseudonymised'}"
                   f" (establishments under {threshold} stays grouped); no FINESS value remains.",
                   paths={"delivery": str(target)},
                   counts={"tables": len(report), "finess_columns": columns},
                   timings={"total": round(time.perf_counter() - started, 3)},
                   details={"tables": report, "mode": mode, "min_stays": threshold})
