"""Ingestion benchmark: the hub's validator on a 10 M-row ER_PRS_F CSV, and side by side with
frictionless-py on a smaller file of the same shape with injected errors (same error counts?).

    .venv/bin/python bench/bench_ingest.py --big /tmp/big/synth/ER_PRS_F.csv --small-rows 1000000 --runs 3

``--big`` is an ER_PRS_F.csv from ``hdh synth -n 820000 --format csv --date-format schema``
(~10.3 M rows). Every hub run is a subprocess, measured by ``wait4`` (wall and CPU seconds,
peak RSS of that process alone), with the 1-minute load average before it:

- *validate*: read + every check + keys + SHA-256 + report, as ``hdh ingest`` runs them, no
  landing (``--validate-only``, this script in a child process);
- *ingest*: the whole ``hdh ingest`` (validation, landing Parquet, statistics, store, report).

Writes bench/out/ingest.json and prints a markdown table (medians of ``--runs``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"


def _child(cmd: list[str], env: dict[str, str]) -> dict:
    """Run a command; its exit code, stdout, wall and CPU seconds, peak RSS and prior load."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode not in (0, 1):
        raise SystemExit(stderr)
    return {"stdout": stdout, "seconds": round(seconds, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "load_1m": round(load, 2)}


def _by_rule(report: dict) -> dict[str, int]:
    by_rule: dict[str, int] = {}
    for table in report["tables"]:
        for c in table["checks"]:
            by_rule[c["rule"]] = by_rule.get(c["rule"], 0) + c["count"]
    return by_rule


def run_hub(path: Path, data_dir: Path) -> dict:
    """Ingest one file with ``hdh ingest`` in a subprocess; seconds, peak RSS, error counts."""
    env = {**os.environ, "HDH_DATA_DIR": str(data_dir)}
    env.pop("HDH_DATABASE_URL", None)
    run = _child([sys.executable, "-m", "healthdatahub.cli", "ingest", f"bench-{time.time_ns()}",
                  str(path), "--json"], env)
    outcome = json.loads(run.pop("stdout").strip().splitlines()[-1])
    report = json.loads(Path(outcome["paths"]["report_json"]).read_text())
    rows = report["totals"]["rows"]
    return {**run, "rows": rows, "rows_per_s": round(rows / run["seconds"]),
            "timings": outcome["timings"], "errors": report["totals"]["errors"],
            "by_rule": _by_rule(report)}


def run_validate(path: Path, data_dir: Path) -> dict:
    """Validation only (this script with ``--validate-only`` in a child process)."""
    env = {**os.environ, "HDH_DATA_DIR": str(data_dir)}
    env.pop("HDH_DATABASE_URL", None)
    run = _child([sys.executable, __file__, "--validate-only", str(path)], env)
    result = json.loads(run.pop("stdout").strip().splitlines()[-1])
    return {**run, **result, "rows_per_s": round(result["rows"] / run["seconds"])}


def validate_only(path: Path) -> None:
    """Child: validate ``path`` as ``hdh ingest`` does (same engine settings), print the counts."""
    from healthdatahub.config import get_settings
    from healthdatahub.engine import get_engine
    from healthdatahub.ingest.pipeline import Options, configure_engine, validate_delivery
    from healthdatahub.ingest.report import build_report, write_report
    from healthdatahub.ingest.schemas import load_schema_set
    from healthdatahub.ingest.sources import discover

    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="hdh-validate-") as tmp, \
            get_engine(settings, "duckdb") as engine:
        work = Path(tmp)
        configure_engine(engine, settings, work)
        start = time.perf_counter()
        delivery = discover([path])
        dr = validate_delivery(engine, delivery, load_schema_set(None), Options(), work)
        report = build_report(dr, dataset="bench", ingestion_id=None,
                              policy={"policy": "reject", "max_error_rate": 0.0},
                              decision="-", summary="-")
        write_report(report, work / "report")
        inner = time.perf_counter() - start  # without interpreter start and imports
    sys.stdout.write(json.dumps({"rows": report["totals"]["rows"], "inner_s": round(inner, 2),
                                 "errors": report["totals"]["errors"],
                                 "checksums": len(dr.checksums), "by_rule": _by_rule(report)})
                     + "\n")


def _median(runs: list[dict]) -> dict:
    """The run of median wall time, with every run's seconds and load average."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    mid = dict(ordered[len(ordered) // 2])
    mid["all_seconds"] = [r["seconds"] for r in runs]
    mid["all_load_1m"] = [r["load_1m"] for r in runs]
    mid["max_peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return mid


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
    start, cpu_start = time.perf_counter(), time.process_time()
    report = resource_.validate(limit_errors=10**9)
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    by_type: dict[str, int] = {}
    for task in report.tasks:
        for err in task.errors:
            by_type[err.type] = by_type.get(err.type, 0) + 1
    rows = report.tasks[0].stats.get("rows") if report.tasks else None
    return {"rows": rows, "seconds": round(seconds, 2), "cpu_s": round(cpu_s, 2),
            "rows_per_s": round((rows or 0) / seconds), "errors": sum(by_type.values()),
            "by_type": by_type}


def _row(label: str, r: dict) -> str:
    cpu_rate = round(r["rows"] / (r["cpu_s"] / 2)) if r.get("cpu_s") else 0
    return (f"| {label} | {r['rows']:,} | {r['seconds']} | {r['rows_per_s']:,} | "
            f"{r.get('cpu_s', '–')} | {cpu_rate:,} | {r.get('max_peak_rss_mb', r['peak_rss_mb'])} MB"
            f" | {r.get('all_load_1m', r['load_1m'])} | {r['errors']} |")


def main() -> None:
    """Run every measurement and print the markdown table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", type=Path)
    parser.add_argument("--small-rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--validate-only", type=Path)
    args = parser.parse_args()
    if args.validate_only:
        validate_only(args.validate_only)
        return
    if args.big is None:
        parser.error("--big is required")
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hdh-bench-") as tmp:
        tmpd = Path(tmp)
        small = tmpd / "in" / "ER_PRS_F.csv"
        small.parent.mkdir()
        make_small(args.big, args.small_rows, small)
        hub_small = _median([run_hub(small, tmpd / "data") for _ in range(args.runs)])
        val_small = _median([run_validate(small, tmpd / "data") for _ in range(args.runs)])
        fl_load = os.getloadavg()[0]
        fl_small = {**run_frictionless(small), "load_1m": round(fl_load, 2)}
        val_big = _median([run_validate(args.big, tmpd / "data") for _ in range(args.runs)])
        hub_big = _median([run_hub(args.big, tmpd / "data") for _ in range(args.runs)])
    doc = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "platform": platform.platform(), "duckdb": duckdb.__version__,
                       "cpu": _cpu_model()},
           "validate_big": val_big, "hub_big": hub_big, "validate_small": val_small,
           "hub_small": hub_small, "frictionless_small": fl_small,
           "speedup_small_validate": round(fl_small["seconds"] / val_small["seconds"], 1),
           "speedup_small_ingest": round(fl_small["seconds"] / hub_small["seconds"], 1),
           "speedup_small_validate_in_process": round(
               fl_small["seconds"] / val_small["inner_s"], 1),
           # CPU seconds (the hub's process and children, frictionless's process): what a shared
           # machine distorts least; frictionless uses one core, the hub two.
           "speedup_small_validate_cpu": round(fl_small["cpu_s"] / val_small["cpu_s"], 1)}
    (OUT / "ingest.json").write_text(json.dumps(doc, indent=2))
    lines = [
        ("| run | rows | wall s | rows/s (wall) | CPU s | rows/s per 2 CPU-s | peak RSS | load 1 min"
         " | errors |"),
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
        _row("hub validate, 10 M ER_PRS_F", val_big),
        _row("hub `hdh ingest` (validate + land + stats), 10 M", hub_big),
        _row("hub validate, injected errors", val_small),
        _row("hub `hdh ingest`, injected errors", hub_small),
        (f"| frictionless-py, same file | {fl_small['rows'] or 0:,} | {fl_small['seconds']} | "
         f"{fl_small['rows_per_s']:,} | {fl_small['cpu_s']} | – | – | {fl_small['load_1m']} | "
         f"{fl_small['errors']} |"),
    ]
    sys.stdout.write("\n".join(lines) + f"\n\nspeed-up vs frictionless: validate "
                     f"{doc['speedup_small_validate']}× (in process "
                     f"{doc['speedup_small_validate_in_process']}×, CPU seconds "
                     f"{doc['speedup_small_validate_cpu']}×), whole ingest "
                     f"{doc['speedup_small_ingest']}×"
                     f"; hub by rule {val_small['by_rule']}; frictionless by type "
                     f"{fl_small['by_type']}; hub timings {hub_big['timings']}\n")


def _cpu_model() -> str:
    """The CPU model name (Linux), for the record."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
