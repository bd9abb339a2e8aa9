"""The demo stage of the indicators domain: three open-data indicators on the demo extraction.

Dimensions are chosen to keep each protected cube small (one adult age band for the régional
tables, three bands for the national one), and every table's LP audit has a time bound, so
the stage takes seconds; a table that cannot be proven safe in time is reported, not published.
Publishing is idempotent: the same inputs give the same permanent ids, which are reused.
"""

from __future__ import annotations

from typing import Any

from healthdatahub.demo import DemoContext
from healthdatahub.errors import HubError
from healthdatahub.indicators.service import run_indicator

DEMO_TIME_LIMIT = 15.0
INDICATORS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("prevalence", {"phenotype": "diabete_t2", "year": "2023", "by": "region,sex",
                    "bands": "18-"}),
    ("prevalence", {"phenotype": "hta_traitee", "year": "2023", "by": "age_band,sex",
                    "bands": "0-39,40-64,65-"}),
    ("prevalence", {"phenotype": "demence_alzheimer", "year": "2023", "by": "region",
                    "bands": "40-"}),
)


def stage(ctx: DemoContext) -> str:
    """Publish the demo indicators with their disclosure logs and catalogue entries."""
    published, reused, refused = [], 0, []
    for template, params in INDICATORS:
        try:
            outcome = run_indicator(ctx.settings, template, params, ctx.extraction, publish=True,
                                    progress=ctx.progress, time_limit=DEMO_TIME_LIMIT)
        except HubError as exc:
            refused.append(f"{params['phenotype']}: {exc}")
            continue
        pid = outcome.details["permanent_id"]
        reused += int(outcome.details.get("reused", False))
        published.append(pid)
        ctx.paths[f"indicator_{params['phenotype']}"] = outcome.paths["published"]
    ctx.counts["indicators_published"] = len(published)
    ctx.details["indicators"] = {"published": published, "not_published": refused}
    line = (f"Published {len(published)} indicators ({reused} reused) with disclosure logs "
            "and catalogue entries")
    return line + (f"; not published: {'; '.join(refused)}." if refused else ".")
