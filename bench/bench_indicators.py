"""Indicators benchmark: one protected indicator over a synthetic extraction (DuckDB, Spark),
and secondary suppression of a 4-dimensional table of 50,000 cells.

    .venv/bin/python bench/bench_indicators.py [--beneficiaries 1000000] [--cells 50000] \
        [--runs 3] [--engines duckdb,spark]
    .venv/bin/python bench/bench_indicators.py --small    # a quick check that it all works

(a) The type 2 diabetes prevalence of the extraction's year by year × age band × sex ×
région (the configured six age bands), from the SNDS tables to the protected table:
register the extraction, run the phenotype and the counts in SQL, protect the case and the
population cubes (``disclosure.protect``, primary + secondary suppression, audit). Each run
uses a new engine (its start timed apart); the figure is the median of ``--runs`` runs.
The extraction comes from ``healthdatahub.snds.synth.generate`` (seed 42), generated once
under ``--work`` and reused (generation is not timed).

(c) The same indicator on a small extraction (``--audit-extraction``, default 2,000
beneficiaries): nearly every cell is small, the hypercubes cannot certify the table and the
LP audit runs (the slow case; 0 skips it).

(b) ``disclosure.protect`` alone on seeded 4-D tables of ``--cells`` leaf cells (margins
added by the cube), "dense" (few small counts) and "sparse" (a third of the cells from 1 to
10, many zeros): the hard case of the LP audit. A table refused by the audit's time bound
is recorded as failed with its time, never as a success.

Prints markdown; writes bench/out/indicators.json. Not a test: timings flake on shared
machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "out" / "indicators.json"
TIME_LIMIT = 600.0  # seconds of LP audit before a table is refused (fails closed)


def ensure_extraction(work: Path, n: int) -> Path:
    """The synthetic extraction of ``n`` beneficiaries (generated once, then reused)."""
    from healthdatahub.snds.synth import generate

    path = work / f"snds-n{n}"
    if not (path / "manifest.json").is_file():
        t = time.perf_counter()
        generate(path, n, 42)
        print(f"generated {path} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return path


def indicator_run(engine_name: str, extraction: Path, work: Path) -> dict[str, Any]:
    """One indicator from the extraction to the protected table, on a new engine."""
    from healthdatahub.config import load_settings
    from healthdatahub.engine import get_engine
    from healthdatahub.errors import HubError
    from healthdatahub.indicators import disclosure, templates

    settings = load_settings(data_dir=work / "hdh")
    year = json.loads((extraction / "manifest.json").read_text())["year"]
    params = {"phenotype": "diabete_t2", "year": str(year), "by": "year,age_band,sex,region"}
    t0 = time.perf_counter()
    engine = get_engine(settings, engine_name)
    started = time.perf_counter() - t0
    try:
        t = time.perf_counter()
        templates.register_snds(engine, extraction)
        try:
            result = templates.run(engine, "prevalence", params,
                                   disclosure.Rules.from_settings(settings),
                                   settings.indicators_age_bands, TIME_LIMIT)
        except HubError as exc:
            return {"engine": engine_name, "start_s": round(started, 2), "ok": False,
                    "seconds": round(time.perf_counter() - t, 2), "error": str(exc)}
        seconds = time.perf_counter() - t
    finally:
        engine.close()
    log = result.log["cases"]
    return {"engine": engine_name, "start_s": round(started, 2), "ok": True,
            "seconds": round(seconds, 2), "query_s": result.timings["query"],
            "disclosure_s": result.timings["disclosure"], "rows": len(result.table),
            "cells": log["cells_total"], "masked_primary": log["cells_masked_primary"],
            "masked_secondary": log["cells_masked_secondary"], "method": log["audit"]["method"]}


def table_4d(cells: int, profile: str, seed: int = 7) -> tuple[pd.DataFrame, list[str]]:
    """A seeded 4-D table of about ``cells`` leaf cells (shape a × a × b × c)."""
    side = max(2, round((cells / 5) ** 0.25))
    shape = (side, side, side, max(2, round(cells / side ** 3)))
    n = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    if profile == "dense":
        values = rng.poisson(rng.gamma(1.2, 100.0, n))  # about 5 % of cells from 1 to 10
    else:  # a third of the cells small (1 to 10), a fifth zeros, the rest larger
        kind = rng.random(n)
        values = np.where(kind < 0.2, 0, np.where(kind < 0.55, rng.integers(1, 11, n),
                                                   rng.poisson(rng.gamma(2.0, 40.0, n)) + 11))
    grid = np.stack(np.unravel_index(np.arange(n), shape), axis=1)
    dims = [f"d{k}" for k in range(4)]
    table = pd.DataFrame({d: [f"{d}_{v}" for v in grid[:, k]] for k, d in enumerate(dims)})
    table["count"] = values.astype(np.int64)
    return table, dims


def suppression_run(cells: int, profile: str) -> dict[str, Any]:
    """``disclosure.protect`` on one 4-D table: time, masked cells, audit counters."""
    from healthdatahub.errors import HubError
    from healthdatahub.indicators import disclosure

    table, dims = table_4d(cells, profile)
    t = time.perf_counter()
    try:
        protected = disclosure.protect(table, dims, time_limit=TIME_LIMIT)
    except HubError as exc:
        return {"profile": profile, "leaf_cells": len(table), "ok": False,
                "seconds": round(time.perf_counter() - t, 2), "error": str(exc)}
    seconds = time.perf_counter() - t
    log = protected.log
    return {"profile": profile, "leaf_cells": len(table), "ok": True,
            "seconds": round(seconds, 2), "cells_with_margins": log["cells_total"],
            "masked_primary": log["cells_masked_primary"],
            "masked_secondary": log["cells_masked_secondary"], "audit": log["audit"]}


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["ok"]]
    out = dict(ok[len(ok) // 2] if ok else runs[-1])
    out["runs_s"] = [r["seconds"] for r in runs]
    out["median_s"] = round(statistics.median(r["seconds"] for r in runs), 2)
    out["failed_runs"] = len(runs) - len(ok)
    return out


def markdown(doc: dict[str, Any]) -> str:
    """The figures as markdown tables."""
    lines = [("| indicator | beneficiaries | engine | engine start (s) | median (s) | runs (s) | "
             "query (s) | disclosure (s) | cells | masked (primary / secondary) |"),
             "|---|---:|---|---:|---:|---|---:|---:|---:|---|"]
    for r in doc["indicator"]:
        lines.append(
            f"| diabete_t2 prevalence, year × age band × sex × région | {doc['beneficiaries']:,}"
            f" | {r['engine']} | {r['start_s']} | {r['median_s']} | {r['runs_s']} | "
            f"{r.get('query_s', '')} | {r.get('disclosure_s', '')} | {r.get('cells', '')} | "
            + (f"{r['masked_primary']} / {r['masked_secondary']} |" if r["ok"]
               else f"failed: {r['error']} |"))
    for r in doc.get("audit_case", []):
        lines.append(
            f"| same, LP audit case | {r['beneficiaries']:,} | {r['engine']} | {r['start_s']} | "
            f"{r['median_s']} | {r['runs_s']} | {r.get('query_s', '')} | "
            f"{r.get('disclosure_s', '')} | {r.get('cells', '')} | "
            + (f"{r['masked_primary']} / {r['masked_secondary']} |" if r["ok"]
               else f"failed: {r['error']} |"))
    lines += ["", ("| 4-D table | leaf cells | cells with margins | median (s) | runs (s) | "
              "masked (primary / secondary) | audit |"), "|---|---:|---:|---:|---|---|---|"]
    for r in doc["suppression"]:
        audit = r.get("audit", {})
        lines.append(
            f"| {r['profile']} | {r['leaf_cells']:,} | {r.get('cells_with_margins', ''):,} | "
            f"{r['median_s']} | {r['runs_s']} | "
            + (f"{r['masked_primary']:,} / {r['masked_secondary']:,} | {audit.get('method')}, "
               f"{audit.get('lp', 0)} LP, {audit.get('components', 0)} components |" if r["ok"]
               else f"failed: {r['error']} | |"))
    return "\n".join(lines)


def main() -> int:
    """Run both parts; print markdown; write bench/out/indicators.json."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--beneficiaries", type=int, default=1_000_000)
    p.add_argument("--cells", type=int, default=50_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--engines", default=None, help="default duckdb,spark (duckdb with --small)")
    p.add_argument("--profiles", default="dense,sparse")
    p.add_argument("--audit-extraction", type=int, default=2_000, help="0 to skip part (c)")
    p.add_argument("--work", type=Path, default=Path("/tmp/hdh-bench-indicators"))
    p.add_argument("--small", action="store_true",
                   help="20,000 beneficiaries, 2,000 cells, 1 run (a check that it works)")
    a = p.parse_args()
    if a.small:
        a.beneficiaries, a.cells, a.runs = 20_000, 2_000, 1
    a.engines = a.engines or ("duckdb" if a.small else "duckdb,spark")
    a.work.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"machine": {"cpus": len(os.sched_getaffinity(0)),
                                       "python": platform.python_version(),
                                       "load_avg_at_start": os.getloadavg()},
                           "beneficiaries": a.beneficiaries, "cells": a.cells, "runs": a.runs,
                           "time_limit_s": TIME_LIMIT, "indicator": [], "suppression": [],
                           "audit_case": []}
    extraction = ensure_extraction(a.work, a.beneficiaries)
    for engine in [e for e in a.engines.split(",") if e]:
        runs = [indicator_run(engine, extraction, a.work) for _ in range(a.runs)]
        doc["indicator"].append(_median(runs))
        print(f"indicator on {engine}: {doc['indicator'][-1]['median_s']} s", file=sys.stderr)
    if a.audit_extraction:
        small = ensure_extraction(a.work, a.audit_extraction)
        runs = [indicator_run("duckdb", small, a.work) for _ in range(a.runs)]
        doc["audit_case"].append({**_median(runs), "beneficiaries": a.audit_extraction})
        print(f"audit case: {doc['audit_case'][-1]['median_s']} s", file=sys.stderr)
    for profile in [x for x in a.profiles.split(",") if x]:
        runs = [suppression_run(a.cells, profile) for _ in range(a.runs)]
        doc["suppression"].append(_median(runs))
        print(f"suppression {profile}: {doc['suppression'][-1]['median_s']} s", file=sys.stderr)
    doc["machine"]["load_avg_at_end"] = os.getloadavg()
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")
    print(markdown(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
