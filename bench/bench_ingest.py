"""Ingestion benchmark: the hub's validator on a 10 M-row ER_PRS_F CSV, and side by side with
frictionless-py on a smaller file of the same shape with injected errors (same error counts?).

    .venv/bin/python bench/bench_ingest.py --big /tmp/big/ER_PRS_F.csv --small-rows 300000

``--big`` is an ER_PRS_F.csv from ``hdh synth -n 820000 --format csv --date-format schema``
(~10.3 M rows). Each hub run is a subprocess (``hdh ingest``), so its peak RSS is measured.
Writes bench/out/ingest.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"


def run_hub(path: Path, data_dir: Path) -> dict:
    """Ingest one file with ``hdh ingest`` in a subprocess; seconds, peak RSS, error counts."""
    env = {**os.environ, "HDH_DATA_DIR": str(data_dir)}
    env.pop("HDH_DATABASE_URL", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "healthdatahub.cli", "ingest",
                           f"bench-{time.time_ns()}", str(path), "--json"], env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    report = json.loads(Path(outcome["paths"]["report_json"]).read_text())
    by_rule: dict[str, int] = {}
    for table in report["tables"]:
        for c in table["checks"]:
            by_rule[c["rule"]] = by_rule.get(c["rule"], 0) + c["count"]
    rows = report["totals"]["rows"]
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
            "validate_s": outcome["timings"].get("validate"), "peak_rss_mb": round(max(
                peak, before) / 1024), "errors": report["totals"]["errors"], "by_rule": by_rule}


def make_small(big: Path, rows: int, target: Path) -> None:
    """The first ``rows`` rows of the big file with 0.1 % injected errors of four kinds."""
    duckdb.connect().execute(
        f"COPY (WITH s AS (SELECT row_number() OVER () AS r, * FROM read_csv('{big}', delim=';', "
        f"all_varchar=true) LIMIT {rows}) SELECT * EXCLUDE (r) REPLACE ("
        "CASE WHEN r % 4000 = 1 THEN '5' ELSE BEN_SEX_COD END AS BEN_SEX_COD, "
        "CASE WHEN r % 4000 = 2 THEN '32/13/2023' ELSE EXE_SOI_DTD END AS EXE_SOI_DTD, "
        "CASE WHEN r % 4000 = 3 THEN '1.5' ELSE PRS_NAT_REF END AS PRS_NAT_REF, "
        "CASE WHEN r % 4000 = 4 THEN 'x' ELSE PRS_PAI_MNT END AS PRS_PAI_MNT) FROM s) "
        f"TO '{target}' (HEADER, DELIMITER ';')")


def run_frictionless(path: Path) -> dict:
    """frictionless-py 5 on the same file and schema (no error limit), one core."""
    from frictionless import Dialect, Resource, Schema
    from frictionless.formats import CsvControl

    from healthdatahub.snds.schema import load_schema

    desc = load_schema("ER_PRS_F")
    desc.pop("foreignKeys", None)
    keep = {"name", "type", "format", "constraints"}
    desc = {"fields": [{k: v for k, v in f.items() if k in keep} for f in desc["fields"]],
            "primaryKey": desc["primaryKey"], "missingValues": [""]}
    resource_ = Resource(path=path.name, basepath=str(path.parent),
                         schema=Schema.from_descriptor(desc),
                         dialect=Dialect(controls=[CsvControl(delimiter=";")]))
    start = time.perf_counter()
    report = resource_.validate(limit_errors=10**9)
    seconds = time.perf_counter() - start
    by_type: dict[str, int] = {}
    for task in report.tasks:
        for err in task.errors:
            by_type[err.type] = by_type.get(err.type, 0) + 1
    rows = report.tasks[0].stats.get("rows") if report.tasks else None
    return {"rows": rows, "seconds": round(seconds, 2),
            "rows_per_s": round((rows or 0) / seconds), "errors": sum(by_type.values()),
            "by_type": by_type}


def main() -> None:
    """Run both measurements and print the markdown table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", type=Path, required=True)
    parser.add_argument("--small-rows", type=int, default=300_000)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hdh-bench-") as tmp:
        tmpd = Path(tmp)
        small = tmpd / "in" / "ER_PRS_F.csv"
        small.parent.mkdir()
        make_small(args.big, args.small_rows, small)
        hub_small = run_hub(small, tmpd / "data")
        fl_small = run_frictionless(small)
        hub_big = run_hub(args.big, tmpd / "data")
    doc = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "platform": platform.platform(), "duckdb": duckdb.__version__},
           "hub_big": hub_big, "hub_small": hub_small, "frictionless_small": fl_small,
           "speedup_small": round(fl_small["seconds"] / hub_small["seconds"], 1)}
    (OUT / "ingest.json").write_text(json.dumps(doc, indent=2))
    lines = [
        "| run | rows | seconds | rows/s | peak RSS | errors |",
        "|---|---:|---:|---:|---:|---:|",
        (f"| hub, 10 M ER_PRS_F (validate + land) | {hub_big['rows']:,} | {hub_big['seconds']} | "
        f"{hub_big['rows_per_s']:,} | {hub_big['peak_rss_mb']} MB | {hub_big['errors']} |"),
        (f"| hub, injected errors | {hub_small['rows']:,} | {hub_small['seconds']} | "
        f"{hub_small['rows_per_s']:,} | {hub_small['peak_rss_mb']} MB | {hub_small['errors']} |"),
        (f"| frictionless-py, same file | {fl_small['rows'] or 0:,} | {fl_small['seconds']} | "
        f"{fl_small['rows_per_s']:,} | – | {fl_small['errors']} |"),
    ]
    sys.stdout.write("\n".join(lines) + f"\n\nspeed-up {doc['speedup_small']}×; hub by rule "
                     f"{hub_small['by_rule']}; frictionless by type {fl_small['by_type']}\n")


if __name__ == "__main__":
    main()
