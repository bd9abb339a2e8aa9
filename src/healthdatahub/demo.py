"""``hdh demo``: every pipeline stage that exists so far, on a synthetic extraction.

Stages: create or migrate the metadata store; generate a synthetic SNDS extraction in the
data dir (reused when it is already there with the same size and seed); profile it through
the configured engine, as a job, into ``reports/demo/profile.json`` (counts only).
Idempotent: running it again on the same data dir reuses the extraction and rewrites the
profile atomically.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from healthdatahub.config import Settings
from healthdatahub.jobs import ProgressSink, atomic_file, clean_stale_tmp, run_job
from healthdatahub.results import Outcome
from healthdatahub.snds.service import read_manifest, synthesize
from healthdatahub.store.service import upgrade_store


def demo_extraction_dir(settings: Settings, beneficiaries: int, seed: int) -> Path:
    """Where the demo keeps its synthetic extraction of a given size and seed."""
    return settings.data_dir / "deliveries" / f"snds-synthetic-n{beneficiaries}-s{seed}"


def _profile(settings: Settings, extraction: Path, manifest: dict,
             progress: ProgressSink | None) -> tuple[dict[str, int], Path]:
    from healthdatahub.engine import get_engine
    from healthdatahub.snds.profile import profile_extraction

    target = settings.reports_dir / "demo" / "profile.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp(target.parent)
    with run_job(settings, "profile", f"Profile {extraction.name} on {settings.engine}",
                 total=1, params={"extraction": str(extraction)}, progress=progress) as job:
        with get_engine(settings) as engine:
            counts = profile_extraction(engine, extraction, manifest)
        with atomic_file(target) as tmp:
            tmp.write_text(json.dumps({"extraction": extraction.name, "engine": settings.engine,
                                       "counts": counts}, indent=2), encoding="utf-8")
        job.advance(1)
        job.result({"counts": counts})
    return counts, target


def run_demo(settings: Settings, beneficiaries: int = 10_000, seed: int = 42, serve: bool = True,
             progress: ProgressSink | None = None) -> Outcome:
    """Run the demo end to end and say what it did."""
    from healthdatahub.snds.synth import check_arguments

    check_arguments(beneficiaries)
    started = time.perf_counter()
    store = upgrade_store(settings)
    extraction = demo_extraction_dir(settings, beneficiaries, seed)
    manifest = read_manifest(extraction)
    if manifest and manifest.get("beneficiaries") == beneficiaries and manifest.get("seed") == seed:
        reused = "reused"
    else:
        synthesize(settings, extraction, beneficiaries, seed, overwrite=manifest is not None,
                   progress=progress)
        manifest = read_manifest(extraction)
        reused = "generated"
    counts, profile_path = _profile(settings, extraction, manifest, progress)
    adults = counts.get("adults") or 1
    share = 100.0 * counts["treated_diabetes"] / adults
    serving = ("the portal is not part of the hub yet; nothing to serve" if serve
               else "not requested")
    return Outcome(
        action="demo",
        summary=(f"Demo on {beneficiaries:,} synthetic beneficiaries: extraction {reused}, "
                 f"profiled on {settings.engine} ({counts['treated_diabetes']:,} adults treated "
                 f"for diabetes, {share:.1f} %)."),
        paths={"data_dir": str(settings.data_dir), "extraction": str(extraction),
               "profile": str(profile_path), "store": store.paths.get("store", "")},
        counts=counts,
        timings={"total": round(time.perf_counter() - started, 3)},
        details={"extraction": reused, "store_revision": store.details.get("revision"),
                 "serve": serving, "seed": seed},
    )
