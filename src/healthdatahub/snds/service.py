"""The SNDS domain's operations as the CLI, the demo and the portal call them."""

from __future__ import annotations

import json
from pathlib import Path

from healthdatahub.config import Settings
from healthdatahub.jobs import ProgressSink, run_job
from healthdatahub.results import Outcome
from healthdatahub.store import ensure_schema


def synthesize(
    settings: Settings,
    out_dir: Path,
    beneficiaries: int,
    seed: int,
    fmt: str = "parquet",
    *,
    encoding: str = "utf-8",
    date_format: str = "iso",
    overwrite: bool = False,
    progress: ProgressSink | None = None,
) -> Outcome:
    """Generate a synthetic SNDS extraction as a job (atomic output, progress in the store)."""
    from healthdatahub.snds.synth import check_arguments, generate

    check_arguments(beneficiaries, fmt, encoding, date_format)
    ensure_schema(settings)
    params = {"beneficiaries": beneficiaries, "seed": seed, "format": fmt, "out": str(out_dir),
              "encoding": encoding, "date_format": date_format}
    with run_job(settings, "synth", f"Synthetic SNDS, {beneficiaries:,} beneficiaries",
                 total=beneficiaries,
                 params=params, progress=progress) as job:

        def report(done: int, total: int, message: str) -> None:
            job.advance(done - job.done, message)

        result = generate(Path(out_dir), beneficiaries, seed, fmt, encoding=encoding,
                          date_format=date_format, overwrite=overwrite, progress=report)
        summary = {"rows": result.rows, "seconds": round(result.total_seconds, 3)}
        job.result(summary)
    return Outcome(
        action="synth",
        summary=(f"Wrote a synthetic SNDS extraction of {beneficiaries:,} beneficiaries "
                 f"({sum(result.rows.values()):,} rows in {len(result.rows)} tables)."),
        paths={"extraction": str(result.out_dir), "manifest": str(result.manifest)},
        counts=dict(result.rows),
        timings={"total": round(result.total_seconds, 3),
                 **{f"{k}_s": round(v, 3) for k, v in result.stage_seconds.items()}},
        details={"job_id": job.id, "seed": seed, "format": fmt},
    )


def read_manifest(extraction: Path) -> dict | None:
    """The manifest of a synthetic extraction, or None when the folder holds none."""
    path = Path(extraction) / "manifest.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
