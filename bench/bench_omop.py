"""SNDS → OMOP benchmark: CDM build time, peak RSS and source rows/s on 100k/300k/1M persons,
Spark local on 100k for the ratio, and a 70 M-row CONCEPT_ANCESTOR-shaped vocabulary load.

    .venv/bin/python bench/bench_omop.py [--sizes 100000 300000 1000000] [--spark-size 100000]
        [--years 1]   # --years 4: 2020-2023 extractions of the same population, one build

Extractions come from ``healthdatahub.snds.synth.generate`` (seed 42), generated once under
``--work`` (default /tmp/hdh-bench-omop) and reused. Each build runs in a subprocess: its
peak RSS is the process tree's VmRSS sampled every 0.2 s (the Spark JVM included) and, for
the Python process itself, ``ru_maxrss`` from ``wait4``. Prints markdown, writes
bench/out/omop.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
SOURCES = {  # build step -> the source tables it reads
    "dcir_care": ["ER_PRS_F"], "dcir_drugs": ["ER_PHA_F", "ER_PRS_F"],
    "pmsi_stays": ["T_MCO23B", "T_MCO23C"], "condition_occurrence": ["T_MCO23D"],
    "procedure_occurrence": ["T_MCO23A"], "person": ["IR_BEN_R"],
    "condition_occurrence (ALD)": ["IR_IMB_R"]}


def _tree_rss(pid: int) -> int:
    """VmRSS (kB) of ``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def run_child(args: list[str]) -> dict:
    """Run this script's ``--child`` mode; its JSON result plus peak RSS and wall time."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", *args],
                            stdout=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child {args} failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "wall_s": round(time.perf_counter() - start, 1),
            "peak_rss_tree_mb": round(peak[0] / 1024), "ru_maxrss_mb": round(usage.ru_maxrss / 1024)}


def child_build(srcs: list[Path], out: Path, vocab: Path, engine_name: str) -> dict:
    """Build one CDM from scratch (one source folder per year); step timings, source rows."""
    import duckdb

    from healthdatahub.engine import get_engine
    from healthdatahub.omop.build import build_cdm

    marks: list[tuple[str, float]] = []
    with get_engine(name=engine_name) as engine:
        started = time.perf_counter()
        report = build_cdm(engine, srcs, out, vocab, step=lambda m: marks.append(
            (m, time.perf_counter())), force=True)
        total = time.perf_counter() - started
    marks.append(("end", started + total))
    steps = {}
    for (name, t0), (_, t1) in itertools.pairwise(marks):
        key = name.split(": ", 1)[-1]
        if key == "condition_occurrence" and ":" not in name:
            key = "condition_occurrence (ALD)"
        steps[key] = round(steps.get(key, 0) + t1 - t0, 2)
    con = duckdb.connect()
    rows: dict[str, int] = {}
    for src in srcs:
        for p in sorted(src.iterdir()):
            if p.is_dir() and any(p.glob("*.parquet")):
                n = con.sql(f"SELECT COUNT(*) FROM read_parquet('{p}/*.parquet')").fetchall()[0][0]
                rows[p.name] = rows.get(p.name, 0) + n
    return {"engine": engine_name, "seconds": round(total, 1), "steps": steps,
            "source_rows": rows, "cdm_rows": report["counts"]}


def child_vocab(rows: int, work: Path) -> dict:
    """Generate a CONCEPT_ANCESTOR-shaped TSV with DuckDB (untimed), then load it (timed)."""
    import shutil

    import duckdb

    from healthdatahub.engine import get_engine
    from healthdatahub.omop.vocab import fixture_dir
    from healthdatahub.omop.vocab.loader import load_vocabulary

    athena = work / f"athena-{rows}"
    tsv = athena / "CONCEPT_ANCESTOR.csv"
    if not tsv.is_file():
        athena.mkdir(parents=True, exist_ok=True)
        for name in ("CONCEPT", "CONCEPT_RELATIONSHIP", "VOCABULARY", "DOMAIN"):
            shutil.copy(fixture_dir() / f"{name}.csv.gz", athena / f"{name}.csv.gz")
        t = time.perf_counter()
        duckdb.connect().execute(
            f"COPY (SELECT 1000000 + i // 37 AS ancestor_concept_id, 40000000 + (i * 7919) % "
            f"50000000 AS descendant_concept_id, i % 7 AS min_levels_of_separation, i % 9 AS "
            f"max_levels_of_separation FROM range({rows}) r(i)) TO '{tsv}.tmp' "
            "(DELIMITER '\t', HEADER, FORMAT csv)")
        os.replace(f"{tsv}.tmp", tsv)
        print(f"generated {tsv} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    dest = work / f"vocab-{rows}"
    shutil.rmtree(dest, ignore_errors=True)
    with get_engine(name="duckdb") as engine:
        t = time.perf_counter()
        counts = load_vocabulary(engine, athena, dest)
        seconds = time.perf_counter() - t
    meta = json.loads((dest / "vocab.json").read_text())
    return {"rows": counts["concept_ancestor"], "seconds": round(seconds, 1),
            "ancestor_seconds": meta["seconds"]["concept_ancestor"],
            "tsv_gb": round(tsv.stat().st_size / 1e9, 2)}


def ensure_extraction(work: Path, n: int, year: int = 2023) -> Path:
    """The synthetic extraction of ``n`` beneficiaries for ``year`` (generated once, reused).

    Every year uses seed 42: the same population, with that year's claims.
    """
    from healthdatahub.snds.synth import generate

    path = work / (f"snds-n{n}" if year == 2023 else f"snds-n{n}-y{year}")
    if not (path / "manifest.json").is_file():
        t = time.perf_counter()
        generate(path, n, 42, year=year)
        print(f"generated {path} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return path


def ensure_vocab(work: Path) -> Path:
    """The fixture vocabulary loaded to Parquet."""
    from healthdatahub.engine import get_engine
    from healthdatahub.omop.vocab import fixture_dir
    from healthdatahub.omop.vocab.loader import load_vocabulary

    dest = work / "vocab-fixture"
    if not (dest / "vocab.json").is_file():
        with get_engine(name="duckdb") as engine:
            load_vocabulary(engine, fixture_dir(), dest)
    return dest


def markdown(doc: dict) -> str:
    """The figures as markdown tables."""
    lines = ["| persons | engine | source rows | build (s) | source rows/s | peak RSS (MB, tree) |",
             "|---:|---|---:|---:|---:|---:|"]
    for r in doc["builds"]:
        total = sum(r["source_rows"].values())
        lines.append(f"| {r['persons']:,} | {r['engine']} | {total:,} | {r['seconds']} | "
                     f"{total / r['seconds']:,.0f} | {r['peak_rss_tree_mb']:,} |")
    lines += ["", "| persons | step | source table(s) | source rows | s | source rows/s |",
              "|---:|---|---|---:|---:|---:|"]
    for r in doc["builds"]:
        for step, tables in SOURCES.items():
            s = r["steps"].get(step)
            n = sum(r["source_rows"].get(t, 0) for t in tables)
            if s:
                lines.append(f"| {r['persons']:,} ({r['engine']}) | {step} | {' + '.join(tables)} "
                             f"| {n:,} | {s} | {n / s:,.0f} |")
    v = doc.get("vocab")
    if v:
        lines += ["", (f"Vocabulary load: {v['rows']:,}-row CONCEPT_ANCESTOR ({v['tsv_gb']} GB "
                       f"TSV) in {v['ancestor_seconds']} s (whole load {v['seconds']} s), peak "
                       f"RSS {v['peak_rss_tree_mb']:,} MB.")]
    return "\n".join(lines)


def main() -> int:
    """Run the builds and the vocabulary load; print markdown; write bench/out/omop.json."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    p.add_argument("--spark-size", type=int, default=100_000, help="0 to skip Spark")
    p.add_argument("--vocab-rows", type=int, default=70_000_000, help="0 to skip")
    p.add_argument("--work", type=Path, default=Path("/tmp/hdh-bench-omop"))
    p.add_argument("--years", type=int, default=1,
                   help="extraction years per build (2023 and the years before it)")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        kind, *rest = a.child
        result = (child_build([Path(x) for x in rest[0].split(",")], Path(rest[1]),
                              Path(rest[2]), rest[3])
                  if kind == "build" else child_vocab(int(rest[0]), Path(rest[1])))
        print(json.dumps(result))
        return 0
    load_at_start = os.getloadavg()
    a.work.mkdir(parents=True, exist_ok=True)
    vocab = ensure_vocab(a.work)
    runs = [(n, "duckdb") for n in a.sizes] + ([(a.spark_size, "spark")] if a.spark_size else [])
    builds = []
    for n, engine in runs:
        srcs = [ensure_extraction(a.work, n, 2023 - k) for k in range(a.years)]
        r = run_child(["build", ",".join(map(str, srcs)), str(a.work / f"cdm-{engine}-{n}"),
                       str(vocab), engine])
        builds.append({"persons": n, "years": a.years, **r})
        print(f"{engine} {n:,}: {r['seconds']} s, {r['peak_rss_tree_mb']} MB", file=sys.stderr)
    doc = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "load_avg_at_start": load_at_start}, "builds": builds}
    spark = next((b for b in builds if b["engine"] == "spark"), None)
    duck = next((b for b in builds if b["engine"] == "duckdb" and spark
                 and b["persons"] == spark["persons"]), None)
    if spark and duck:
        doc["spark_ratio"] = round(spark["seconds"] / duck["seconds"], 1)
    if a.vocab_rows:
        doc["vocab"] = run_child(["vocab", str(a.vocab_rows), str(a.work)])
    doc["machine"]["load_avg_at_end"] = os.getloadavg()
    OUT.mkdir(exist_ok=True)
    (OUT / "omop.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    print(markdown(doc))
    if "spark_ratio" in doc:
        print(f"\nSpark local / DuckDB on {spark['persons']:,} persons: {doc['spark_ratio']}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
