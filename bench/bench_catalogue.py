"""Catalogue benchmark: 10,000 databases x 50 tables, 1,000,000 variables (synthetic metadata).

Loads the records through the catalogue's own save path (checks, rows, search documents),
then measures, per store (SQLite, and PostgreSQL with --postgres URL):
- search latency over a mix of queries (exact variable name, common word, prefix, two
  words, acronym, facet filters, no hit), as the portal and API run it (hits with their
  database/table names, and the six facet counts); p95 per run, median of the runs;
- the full-catalogue RDF export (``export.write_catalogue``: N-Triples formatted from the
  store's rows, chunk by chunk) in a child process: wall time, CPU and peak RSS.
Usage: .venv/bin/python bench/bench_catalogue.py [--databases 10000] [--tables 50]
       [--variables 1000000] [--runs 3] [--postgres postgresql+psycopg://…/db] [--no-sqlite]
       [--store-dir DIR [--reuse]] [--no-export]
Small check: --databases 500 --variables 50000. Writes bench/out/catalogue.json.
--store-dir keeps the stores (SQLite in DIR, PostgreSQL in the schema ``bench_catalogue``)
instead of throw-away ones; --reuse then skips the load when the store already holds the
catalogue, to iterate on search at full size without reloading (about 8 min on SQLite).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

OUT = Path(__file__).parent / "out"
WORDS = ("patient", "sejour", "diagnostic", "acte", "medicament", "prescription",
         "hospitalisation", "consultation", "biologie", "urgence", "cancer", "diabete",
         "registre", "cohorte", "enquete", "remboursement", "etablissement", "professionnel",
         "naissance", "deces", "entree", "sortie", "date", "code", "montant", "quantite",
         "region", "departement", "commune", "age", "sexe", "mode", "type", "nature",
         "tumeur", "greffe", "dialyse", "vaccination", "infection", "grossesse")
PARTS = ("BEN", "PRS", "ETE", "DGN", "PHA", "BIO", "CAM", "ENT", "SOR", "EXE", "ORG", "UCD",
         "NAI", "DCD", "SEJ", "GHM", "RUM", "SSR", "HAD", "PSY")
ENDS = ("DAT", "COD", "QTE", "MNT", "TYP", "NAT", "ANN", "MOI", "AGE", "SEX", "DPT", "TOP")
TYPES = ("string", "integer", "number", "date")
SYSTEMS = ("", "", "", "CIM-10", "CCAM", "ATC", "UCD", "COG")
THEMES = ("ADMINISTRATIVE", "REGISTRY", "COHORT", "SURVEY", "SURVEILLANCE", "EHR", "OTHER")
SPECIALITIES = ("oncology", "rare-diseases", "infectious-diseases", "cardiology", "neurology",
                "emergency-medicine", "metabolic-diseases", "public-health", "medicines")
#: (label, query, facet filters) — each run executes every query QUERY_REPEAT times.
QUERIES = (
    ("exact variable name", "BEN_NAI_ANN", {}),
    ("exact variable name", "PHA_UCD_QTE", {}),
    ("common word", "patient", {}),
    ("common word", "diagnostic", {}),
    ("prefix", "hospit", {}),
    ("prefix", "diag", {}),
    ("two words", "date entree", {}),
    ("two words", "cancer registre", {}),
    ("acronym", "BENCH-{middle}", {}),  # the middle database of the catalogue
    ("word + facet", "sejour", {"speciality": "oncology"}),
    ("word + facet", "code", {"coding_system": "CIM-10"}),
    ("facet only", "", {"theme": "REGISTRY"}),
    ("browse (no query)", "", {}),
    ("no hit", "zzzyxw", {}),
)
QUERY_REPEAT = 5


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def records(databases: int, tables: int, variables: int, seed: int = 5):
    """Synthetic database records (dicts as the catalogue takes them), one at a time."""
    rng = random.Random(seed)
    per_table, extra = divmod(variables, databases * tables)
    table_index = 0
    for i in range(databases):
        collections = []
        for t in range(tables):
            count = per_table + (1 if table_index < extra else 0)
            table_index += 1
            names = set()
            while len(names) < count:
                names.add(f"{rng.choice(PARTS)}_{rng.choice(PARTS)}_{rng.choice(ENDS)}"
                          + (f"_{len(names)}" if len(names) >= 20 else ""))
            collections.append({
                "name": f"T{t:02d}_{rng.choice(PARTS)}",
                "title": {"fr": _words(rng, 3), "en": _words(rng, 3)},
                "description": {"fr": _words(rng, 12), "en": ""},
                "row_count": rng.randrange(10**3, 10**8),
                "variables": [{"name": name, "label": {"fr": _words(rng, 4)},
                               "type": rng.choice(TYPES), "coding_system": rng.choice(SYSTEMS),
                               "null_rate": round(rng.random(), 3),
                               "distinct_count": rng.randrange(1, 10**6)}
                              for name in sorted(names)]})
        yield {"identifier": f"https://bench.example.org/db/{i}", "slug": f"bench-{i:05d}",
               "acronym": f"BENCH-{i:05d}",
               "title": {"fr": f"Base {_words(rng, 4)}", "en": f"Database {_words(rng, 4)}"},
               "description": {"fr": _words(rng, 40), "en": _words(rng, 40)},
               "speciality": rng.choice(SPECIALITIES), "theme": rng.choice(THEMES),
               "publisher": f"Publisher {rng.randrange(50)}",
               "access_rights": rng.choice(("NON_PUBLIC", "RESTRICTED", "PUBLIC")),
               "keywords": [rng.choice(WORDS) for _ in range(3)],
               "details": {"number_of_records": rng.randrange(10**3, 10**8)},
               "collections": collections}


def load(settings, databases: int, tables: int, variables: int, batch: int = 20) -> float:
    """Save the synthetic records in batches (one transaction each); seconds taken."""
    from healthdatahub.catalogue.service import save_many

    started = time.perf_counter()
    chunk = []
    for i, record in enumerate(records(databases, tables, variables), 1):
        chunk.append(record)
        if len(chunk) == batch:
            save_many(settings, chunk)
            chunk = []
        if i % 1000 == 0:
            print(f"  loaded {i:,} databases in {time.perf_counter() - started:.0f} s",
                  flush=True)
    if chunk:
        save_many(settings, chunk)
    _analyze(settings)
    return time.perf_counter() - started


def _analyze(settings) -> None:
    """Fresh planner statistics after the bulk load (what autovacuum does in time)."""
    from sqlalchemy import text

    from healthdatahub.store import session_scope

    with session_scope(settings) as db:
        db.execute(text("ANALYZE"))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure_search(settings, runs: int, databases: int) -> dict:
    """Each run: every query QUERY_REPEAT times in a shuffled order; p95 per run."""
    from healthdatahub.catalogue.service import search

    queries = [(label, q.format(middle=f"{databases // 2:05d}"), filters)
               for label, q, filters in QUERIES]
    for _, q, filters in queries:  # warm the caches once
        search(settings, q, filters)
    rng = random.Random(7)
    per_run, per_query = [], {f"{label}: {q or '-'} {filters or ''}".strip(): []
                              for label, q, filters in queries}
    hits = {}
    for _ in range(runs):
        plan = [item for item in queries for _ in range(QUERY_REPEAT)]
        rng.shuffle(plan)
        latencies = []
        for label, q, filters in plan:
            started = time.perf_counter()
            result = search(settings, q, filters)
            elapsed = (time.perf_counter() - started) * 1000
            latencies.append(elapsed)
            key = f"{label}: {q or '-'} {filters or ''}".strip()
            per_query[key].append(elapsed)
            hits[key] = {"hits": result["total"], "exact": result["total_exact"],
                         "databases": result["databases"]}
        per_run.append({"p50_ms": round(statistics.median(latencies), 2),
                        "p95_ms": round(_p95(latencies), 2),
                        "max_ms": round(max(latencies), 2)})
    return {"runs": per_run,
            "p95_ms_median": round(statistics.median(r["p95_ms"] for r in per_run), 2),
            "p50_ms_median": round(statistics.median(r["p50_ms"] for r in per_run), 2),
            "queries": {k: {"median_ms": round(statistics.median(v), 2), **hits[k]}
                        for k, v in per_query.items()}}


def measure_export(data_dir: Path, url: str) -> dict:
    """The full-catalogue N-Triples dump in a child process: wall time, CPU, peak RSS."""
    dest = data_dir / "catalogue.nt"
    code = ("import sys, json\n"
            "from healthdatahub.config import load_settings\n"
            "from healthdatahub.catalogue.export import write_catalogue\n"
            "s = load_settings(data_dir=sys.argv[1], database_url=sys.argv[2])\n"
            "print(json.dumps(write_catalogue(s, __import__('pathlib').Path(sys.argv[3]))"
            ".counts))\n")
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, str(data_dir), url, str(dest)],
                             stdout=subprocess.PIPE, env=os.environ.copy())
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    counts = json.loads(child.stdout.read())
    child.stdout.close()
    if status != 0:
        raise SystemExit("the export failed")
    dest.unlink()
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), **counts}


def _pg_schema(base_url: str, keep: bool) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = "bench_catalogue" if keep else f"bench_cat_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return schema, url.render_as_string(hide_password=False)


def _drop_pg_schema(base_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from healthdatahub.store import dispose_engines

    dispose_engines()
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def run_store(name: str, url: str, data_dir: Path, opts) -> dict:
    """Load (unless --reuse finds the catalogue there), search and export on one store."""
    from healthdatahub.catalogue.service import counts_of
    from healthdatahub.config import load_settings
    from healthdatahub.store import upgrade

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(data_dir=data_dir, database_url=url)
    upgrade(settings.store_url)
    if opts.reuse and counts_of(settings)["databases"] == opts.databases:
        print(f"{name}: reusing the loaded store", flush=True)
        result = {"load_s": None}
    else:
        print(f"{name}: loading {opts.databases:,} databases...", flush=True)
        result = {"load_s": round(load(settings, opts.databases, opts.tables,
                                       opts.variables), 1)}
    result["counts"] = counts_of(settings)
    print(f"{name}: searching...", flush=True)
    result["search"] = measure_search(settings, opts.runs, opts.databases)
    if not opts.no_export:
        print(f"{name}: exporting...", flush=True)
        result["export"] = measure_export(data_dir, url)
    return result


def main() -> int:
    """Run the benchmark, write bench/out/catalogue.json and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", type=int, default=10_000)
    parser.add_argument("--tables", type=int, default=50)
    parser.add_argument("--variables", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", help="PostgreSQL URL (a fresh schema is used, dropped)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--store-dir", type=Path,
                        help="keep the stores (SQLite here, PostgreSQL schema bench_catalogue)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --store-dir: skip the load when the catalogue is there")
    parser.add_argument("--no-export", action="store_true", help="search only")
    opts = parser.parse_args()
    if opts.reuse and opts.store_dir is None:
        parser.error("--reuse needs --store-dir")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        root = opts.store_dir or Path(tmp)
        if not opts.no_sqlite:
            data = root / "sqlite"
            results["sqlite"] = run_store("sqlite", f"sqlite:///{data}/store.sqlite", data, opts)
        if opts.postgres:
            schema, url = _pg_schema(opts.postgres, keep=opts.store_dir is not None)
            try:
                results["postgresql"] = run_store("postgresql", url, root / "pg", opts)
            finally:
                if opts.store_dir is None:
                    _drop_pg_schema(opts.postgres, schema)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "platform": platform.platform(), "databases": opts.databases,
               "tables_per_database": opts.tables, "variables": opts.variables,
               "runs": opts.runs, "queries_per_run": len(QUERIES) * QUERY_REPEAT,
               "load_avg_1m": round(os.getloadavg()[0], 2)}
    OUT.mkdir(exist_ok=True)
    (OUT / "catalogue.json").write_text(json.dumps({"machine": machine, "results": results},
                                                   indent=2), encoding="utf-8")
    print(f"\n{opts.databases:,} databases, {opts.tables} tables each, {opts.variables:,} "
          f"variables; {os.cpu_count()} CPUs; {opts.runs} runs of "
          f"{len(QUERIES) * QUERY_REPEAT} queries\n")
    print("| store | load (s) | search p50 (ms) | search p95 (ms, median of runs) | "
          "export (s) | export peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        export = r.get("export", {})
        print(f"| {name} | {r['load_s']} | {r['search']['p50_ms_median']} | "
              f"{r['search']['p95_ms_median']} | {export.get('seconds', '-')} | "
              f"{export.get('peak_rss_mb', '-')} |")
    for name, r in results.items():
        print(f"\n| {name}: query | median (ms) | hits | databases |\n|---|---:|---:|---:|")
        for query, q in r["search"]["queries"].items():
            shown = f"{q['hits']:,}" if q["exact"] else f"at least {q['hits']:,}"
            print(f"| {query} | {q['median_ms']} | {shown} | {q['databases']:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
