"""Demo stage: seed the catalogue (22 SNDS-catalogue databases + SNDS) and fill it from ingestion."""

from __future__ import annotations

from healthdatahub.demo import DemoContext

DEMO_DATASET = "snds-demo"


def stage(ctx: DemoContext) -> str:
    """Seed the catalogue (idempotent), then fill the SNDS record from the landed demo data."""
    from healthdatahub.catalogue.autofill import fill_from_version
    from healthdatahub.catalogue.service import seed
    from healthdatahub.errors import HubError

    seeded = seed(ctx.settings)
    ctx.counts["catalogue_databases"] = seeded.counts["databases"]
    ctx.counts["catalogue_variables"] = seeded.counts["variables"]
    filled = ""
    if "ingest" in ctx.details:
        try:
            outcome = fill_from_version(ctx.settings, DEMO_DATASET, "snds")
            filled = " " + outcome.summary
        except HubError as exc:
            filled = f" Not filled from ingestion: {exc}"
    ctx.details["catalogue"] = {"databases": seeded.details["databases"]}
    ctx.paths["catalogue"] = "/catalogue"
    return seeded.summary + filled
