"""Demo stage: land the synthetic extraction as ``snds-demo``, then show a faulty file's report."""

from __future__ import annotations

from pathlib import Path

from healthdatahub.demo import DemoContext
from healthdatahub.ingest.service import ingest_files

FAULTY_ROWS = 2000


def faulty_copy(extraction: Path, target: Path) -> Path:
    """A small ER_PRS_F CSV with injected errors (bad sex code, bad date, missing key, dup)."""
    from healthdatahub.engine.base import sql_string
    from healthdatahub.engine.duckdb_engine import DuckDBEngine

    out = target / "ER_PRS_F.csv"
    if out.exists():
        return out
    target.mkdir(parents=True, exist_ok=True)
    src = extraction / "ER_PRS_F"
    source = (f"read_parquet({sql_string(src.resolve() / '*.parquet')})" if src.is_dir() else
              f"read_csv({sql_string((extraction / 'ER_PRS_F.csv').resolve())}, delim=';', "
              "all_varchar=true)")
    with DuckDBEngine() as engine:
        engine.execute(
            f"COPY (WITH s AS (SELECT row_number() OVER () AS r, * FROM {source} LIMIT "
            f"{FAULTY_ROWS}) SELECT * EXCLUDE (r) REPLACE ("
            "CASE WHEN r % 500 = 7 THEN '3' ELSE CAST(BEN_SEX_COD AS VARCHAR) END AS BEN_SEX_COD, "
            "CASE WHEN r = 42 THEN '31/02/2023' ELSE strftime(CAST(EXE_SOI_DTD AS DATE), "
            "'%d/%m/%Y') END AS EXE_SOI_DTD, "
            "CASE WHEN r = 99 THEN NULL ELSE BEN_NIR_PSA END AS BEN_NIR_PSA) FROM s "
            "UNION ALL SELECT * EXCLUDE (r) FROM s WHERE r = 10) "
            f"TO {sql_string(out)} (HEADER, DELIMITER ';', DATEFORMAT '%d/%m/%Y')")
    return out


def stage(ctx: DemoContext) -> str:
    """Land the extraction (no-op when already landed) and ingest one faulty file."""
    settings = ctx.settings
    landed = ingest_files(settings, "snds-demo", [ctx.extraction], progress=ctx.progress)
    faulty = faulty_copy(ctx.extraction, settings.data_dir / "deliveries" / "faulty-er-prs-f")
    bad = ingest_files(settings, "snds-demo-faulty", [faulty], progress=ctx.progress)
    ctx.paths["ingest_report"] = bad.paths.get("report_html", "")
    if landed.paths.get("report_html"):
        ctx.paths["ingest_landed_report"] = landed.paths["report_html"]
    ctx.details["ingest"] = {"landed": landed.details, "faulty": bad.details}
    ctx.counts["landed_rows"] = landed.counts.get("landed_rows", 0)
    return (f"{landed.summary} Faulty file: {bad.counts.get('errors', 0)} errors, report "
            f"{bad.paths.get('report_html', '(unchanged: same file already reported)')}.")
