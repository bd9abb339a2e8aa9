"""``hdh demo``: every pipeline stage that exists, in order, on a synthetic extraction.

Each stage is a function ``stage(ctx: DemoContext) -> str`` that does its work (as jobs),
records what it produced in ``ctx`` and returns one line saying what it did. The domains
own their stages (``<domain>/demo.py``); this module only runs them in order. Every stage
is idempotent, so running the demo again on the same data dir reuses what is there.
The serving stage, last, does not block: it hands back a callable that the CLI runs after
printing the summary.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthdatahub.config import Settings
from healthdatahub.jobs import ProgressSink, atomic_file, clean_stale_tmp, run_job
from healthdatahub.results import Outcome

#: The stages, in order, as "module:function". A domain that is not built yet is skipped.
STAGES: tuple[str, ...] = (
    "healthdatahub.demo:stage_store",
    "healthdatahub.demo:stage_synth",
    "healthdatahub.demo:stage_profile",
    "healthdatahub.ingest.demo:stage",
    "healthdatahub.linkage.demo:stage",
    "healthdatahub.omop.demo:stage",
    "healthdatahub.indicators.demo:stage",
    "healthdatahub.catalogue.demo:stage",
    "healthdatahub.web.demo:stage",
)


@dataclass
class DemoContext:
    """What the stages share: the settings, the extraction, and what each stage produced."""

    settings: Settings
    beneficiaries: int
    seed: int
    serve: bool
    progress: ProgressSink | None
    extraction: Path
    manifest: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    then: Callable[[], None] | None = None


def demo_extraction_dir(settings: Settings, beneficiaries: int, seed: int) -> Path:
    """Where the demo keeps its synthetic extraction of a given size and seed."""
    return settings.data_dir / "deliveries" / f"snds-synthetic-n{beneficiaries}-s{seed}"


def stage_store(ctx: DemoContext) -> str:
    """Create or migrate the metadata store."""
    from healthdatahub.store.service import upgrade_store

    outcome = upgrade_store(ctx.settings)
    ctx.paths["store"] = outcome.paths.get("store", "")
    ctx.details["store_revision"] = outcome.details.get("revision")
    return outcome.summary


def stage_synth(ctx: DemoContext) -> str:
    """Generate the synthetic extraction, or reuse it when it is already there."""
    from healthdatahub.snds.service import read_manifest, synthesize

    manifest = read_manifest(ctx.extraction)
    if manifest and (manifest.get("beneficiaries"), manifest.get("seed")) == (
            ctx.beneficiaries, ctx.seed):
        ctx.details["extraction"] = "reused"
    else:
        synthesize(ctx.settings, ctx.extraction, ctx.beneficiaries, ctx.seed,
                   overwrite=manifest is not None, progress=ctx.progress)
        manifest = read_manifest(ctx.extraction)
        ctx.details["extraction"] = "generated"
    ctx.manifest = manifest
    ctx.paths["extraction"] = str(ctx.extraction)
    return (f"Synthetic SNDS extraction of {ctx.beneficiaries:,} beneficiaries "
            f"{ctx.details['extraction']} in {ctx.extraction}.")


def stage_profile(ctx: DemoContext) -> str:
    """Profile the extraction through the configured engine into reports/demo/profile.json."""
    from healthdatahub.engine import get_engine
    from healthdatahub.snds.profile import profile_extraction

    settings = ctx.settings
    target = settings.reports_dir / "demo" / "profile.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp(target.parent)
    with run_job(settings, "profile", f"Profile {ctx.extraction.name} on {settings.engine}",
                 total=1, params={"extraction": str(ctx.extraction)},
                 progress=ctx.progress) as job:
        with get_engine(settings) as engine:
            counts = profile_extraction(engine, ctx.extraction, ctx.manifest or {})
        with atomic_file(target) as tmp:
            tmp.write_text(json.dumps({"extraction": ctx.extraction.name,
                                       "engine": settings.engine, "counts": counts}, indent=2),
                           encoding="utf-8")
        job.advance(1)
        job.result({"counts": counts})
    ctx.counts.update(counts)
    ctx.paths["profile"] = str(target)
    share = 100.0 * counts["treated_diabetes"] / max(counts["adults"], 1)
    return (f"Profiled on {settings.engine}: {counts['treated_diabetes']:,} adults treated for "
            f"diabetes ({share:.1f} % of adults).")


def _load(spec: str) -> Callable[[DemoContext], str] | None:
    module_name, _, function = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None  # that domain is not part of the hub yet
        raise
    return getattr(module, function)


def run_demo(settings: Settings, beneficiaries: int = 10_000, seed: int = 42, serve: bool = True,
             progress: ProgressSink | None = None) -> tuple[Outcome, Callable[[], None] | None]:
    """Run every stage; return the summary and, when serving, what to run after printing it."""
    from healthdatahub.snds.synth import check_arguments

    check_arguments(beneficiaries)
    started = time.perf_counter()
    ctx = DemoContext(settings=settings, beneficiaries=beneficiaries, seed=seed, serve=serve,
                      progress=progress,
                      extraction=demo_extraction_dir(settings, beneficiaries, seed))
    ctx.paths["data_dir"] = str(settings.data_dir)
    done: list[str] = []
    for spec in STAGES:
        stage = _load(spec)
        if stage is not None:
            done.append(stage(ctx))
    ctx.details["stages"] = done
    outcome = Outcome(
        action="demo",
        summary=f"Demo on {beneficiaries:,} synthetic beneficiaries: {len(done)} stages run.",
        paths=ctx.paths,
        counts=ctx.counts,
        timings={"total": round(time.perf_counter() - started, 3)},
        details={**ctx.details, "seed": seed},
    )
    return outcome, ctx.then
