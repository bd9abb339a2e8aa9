"""Engine conformance benchmark: the same aggregate+join query on DuckDB and on Spark.

Generates a seeded, claims-like Parquet dataset (N rows of claims, N/20 patients), then
runs one DuckDB-dialect query through the Engine layer on each engine (transpiled for
Spark), K times each, and reports the median. Spark's JVM start is timed separately and
excluded from the query times. Writes a markdown table to stdout and JSON to
bench/out/engine.json.

    .venv/bin/python bench/bench_engine.py --rows 2000000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from healthdatahub.config import load_settings
from healthdatahub.engine import get_engine

OUT = Path(__file__).resolve().parent / "out" / "engine.json"

QUERY = """
WITH care AS (
    SELECT c.pid, c.code, c.amount, c.day
    FROM claims c
    WHERE c.qualifier <> 71
)
SELECT p.sex, p.region, year(care.day) AS y,
       count(*) AS n_claims,
       count(DISTINCT care.pid) AS n_patients,
       count(DISTINCT care.code) AS n_codes,
       round(sum(care.amount), 2) AS total
FROM care JOIN patients p ON care.pid = p.pid
GROUP BY p.sex, p.region, year(care.day)
ORDER BY p.sex, p.region, y
"""


def make_dataset(folder: Path, rows: int, seed: int = 20240101) -> dict[str, int]:
    """Write claims/ and patients/ Parquet folders (seeded); return their row counts."""
    rng = np.random.default_rng(seed)
    n_patients = max(rows // 20, 1)
    pids = np.char.add("P", np.arange(n_patients).astype(str))
    patients = pa.table(
        {
            "pid": pids,
            "sex": rng.integers(1, 3, n_patients).astype(np.int32),
            "region": rng.integers(1, 19, n_patients).astype(np.int32),
        }
    )
    start = np.datetime64("2019-01-01")
    claims = pa.table(
        {
            "pid": pids[rng.integers(0, n_patients, rows)],
            "code": np.char.add("C", rng.zipf(1.3, rows).clip(max=9999).astype(str)),
            "amount": np.round(rng.gamma(2.0, 15.0, rows), 2),
            "day": start + rng.integers(0, 5 * 365, rows).astype("timedelta64[D]"),
            "qualifier": np.where(rng.random(rows) < 0.03, 71, 0).astype(np.int32),
        }
    )
    for name, table in (("claims", claims), ("patients", patients)):
        (folder / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / name / "part-00000.parquet", row_group_size=256_000)
    return {"claims": claims.num_rows, "patients": patients.num_rows}


def machine() -> dict[str, Any]:
    """The machine and software versions the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(ln.split()[1])
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    import duckdb
    import pyspark
    import sqlglot

    java = subprocess.run(["java", "-version"], check=False, capture_output=True, text=True)
    java_text = java.stderr
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pyspark": pyspark.__version__,
        "sqlglot": sqlglot.__version__,
        "java": java_text.splitlines()[0] if java_text else "unknown",
    }


def time_engine(name: str, data: Path, runs: int) -> dict[str, Any]:
    """Start an engine, register the dataset, run the query ``runs`` times; return timings."""
    settings = load_settings(data_dir=data / "hdh")
    t0 = time.perf_counter()
    engine = get_engine(settings, name)
    started = time.perf_counter() - t0
    try:
        engine.register("claims", data / "claims")
        engine.register("patients", data / "patients")
        times, result = [], None
        for _ in range(runs):
            t = time.perf_counter()
            result = engine.to_arrow(QUERY)
            times.append(time.perf_counter() - t)
    finally:
        engine.close()
    return {
        "engine": name,
        "start_s": round(started, 3),
        "runs_s": [round(t, 3) for t in times],
        "median_s": round(statistics.median(times), 3),
        "result_rows": result.num_rows if result is not None else 0,
        "checksum": _checksum(result),
    }


def _checksum(table: pa.Table | None) -> list[float]:
    """Column totals of the result, to check both engines computed the same thing."""
    if table is None:
        return []
    cols = ["n_claims", "n_patients", "n_codes", "total"]
    return [round(float(sum(v for v in table.column(c).to_pylist() if v)), 2) for c in cols]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="claims rows (default 5M)")
    parser.add_argument("--runs", type=int, default=3, help="runs per engine (median of them)")
    parser.add_argument("--engines", default="duckdb,spark", help="comma-separated engines")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hdh-bench-") as tmp:
        data = Path(tmp)
        t = time.perf_counter()
        counts = make_dataset(data, args.rows)
        gen_s = time.perf_counter() - t
        results = [time_engine(e, data, args.runs) for e in args.engines.split(",")]
    by = {r["engine"]: r for r in results}
    ratio = None
    if "duckdb" in by and "spark" in by and by["duckdb"]["median_s"] > 0:
        ratio = round(by["spark"]["median_s"] / by["duckdb"]["median_s"], 1)
    same = len({json.dumps(r["checksum"]) for r in results}) == 1
    report = {
        "benchmark": "engine",
        "command": "bench/bench_engine.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "rows": counts,
        "runs": args.runs,
        "generate_s": round(gen_s, 2),
        "query": " ".join(QUERY.split()),
        "results": results,
        "spark_over_duckdb": ratio,
        "same_results": same,
        "machine": machine(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"rows: {counts['claims']:,} claims, {counts['patients']:,} patients; runs: {args.runs}")
    print("| engine | start (s) | median query (s) | runs (s) |")
    print("|---|---:|---:|---|")
    for r in results:
        runs = ", ".join(f"{x:.2f}" for x in r["runs_s"])
        print(f"| {r['engine']} | {r['start_s']:.2f} | {r['median_s']:.2f} | {runs} |")
    print(f"\nSpark / DuckDB (median): {ratio}x; same results: {same}; JSON: {OUT}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
