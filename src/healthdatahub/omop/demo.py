"""The demo stage: the OMOP CDM of the demo extraction (fixture vocabulary) and its DQD report."""

from __future__ import annotations

from healthdatahub.demo import DemoContext
from healthdatahub.omop import service
from healthdatahub.omop.build import read_state
from healthdatahub.omop.sources import checksum

CDM_NAME = "demo"


def stage(ctx: DemoContext) -> str:
    """Build the CDM and its quality report, or reuse them when the extraction is unchanged."""
    settings = ctx.settings
    out = service.cdm_dir(settings, CDM_NAME)
    reports = service.report_dir(settings, CDM_NAME)
    state = read_state(out)
    digest = checksum(ctx.extraction)
    if state.get("source") == digest and (reports / "dqd.json").is_file():
        persons = state.get("report", {}).get("counts", {}).get("person", 0)
        verb = "reused"
    else:
        built = service.build(settings, [ctx.extraction], CDM_NAME, progress=ctx.progress)
        service.dqd(settings, CDM_NAME, progress=ctx.progress)
        service.mapping_coverage(settings, CDM_NAME)
        persons = built.counts.get("person", 0)
        state = read_state(out)
        state["source"] = digest
        (out / "_build.json").write_text(__import__("json").dumps(state, indent=2), "utf-8")
        verb = "built"
    ctx.paths["omop_cdm"] = str(out)
    ctx.paths["omop_dqd"] = str(reports / "dqd.html")
    ctx.counts["omop_persons"] = int(persons)
    return f"OMOP CDM 5.4 {verb} for {persons:,} persons in {out}, quality report {reports / 'dqd.html'}."
