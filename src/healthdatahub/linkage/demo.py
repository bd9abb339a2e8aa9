"""The demo's linkage stage: a two-holder reconstruction project, end to end, on the demo extraction."""

from __future__ import annotations

import tempfile
from pathlib import Path

from healthdatahub.demo import DemoContext
from healthdatahub.linkage import service
from healthdatahub.linkage.access import Actor
from healthdatahub.linkage.holders import write_holder_table

PROJECT = "demo-cohorte"
HOLDERS = (("chu-nord", "CHU Nord", 1), ("registre-sud", "Registre Sud", 2))
ROWS = 400  # per holder, at most a tenth of the demo population


def stage(ctx: DemoContext) -> str:
    """Create the project, upload both holders' tables, link, deliver, erase (reused on re-run)."""
    settings, op = ctx.settings, Actor.operator()
    reference = ctx.extraction / "reference"
    service.create_project(settings, op, PROJECT, "Demo cohort linkage", "reconstruction")
    states = {row["holder"]: row for row in service.status(settings, op, PROJECT)}
    if len(states) == len(HOLDERS) and all(r["state"] == "delivered" for r in states.values()):
        counts = {h: r["counts"] for h, r in states.items()}
        how = "reused"
    else:
        # The holders' own files: outside the hub's data dir, deleted once uploaded.
        with tempfile.TemporaryDirectory(prefix="hdh-demo-holders-") as tmp:
            for slug, name, seed in HOLDERS:
                service.add_holder(settings, op, PROJECT, slug, name)
                csv = Path(tmp) / f"{slug}.csv"
                write_holder_table(settings, reference, csv, Path(tmp) / f"{slug}.truth.parquet",
                                   max(30, min(ROWS, ctx.beneficiaries // 10)), seed=seed)
                holder = Actor.holder(service.holder_id(settings, PROJECT, slug))
                service.upload(settings, holder, PROJECT, slug, csv.read_bytes())
        outcome = service.run_linkage(settings, op, PROJECT, reference, progress=ctx.progress)
        service.deliver(settings, op, PROJECT)
        counts = outcome.details["by_holder"]
        how = "linked"
    linked = sum(c.get("linked_probabilistic", 0) + c.get("linked_direct", 0) for c in counts.values())
    received = sum(c.get("received", 0) for c in counts.values())
    ctx.counts["linkage_linked"] = linked
    ctx.paths["linkage_reports"] = str(settings.reports_dir / "linkage" / PROJECT)
    ctx.details["linkage"] = how
    return (f"Linkage project {PROJECT} ({how}): {linked:,} of {received:,} rows of "
            f"{len(HOLDERS)} holders linked, pseudonyms delivered, identities erased.")
