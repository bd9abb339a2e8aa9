"""``hdh omop vocab load DIR``: an Athena download (tab-separated, unquoted) into Parquet.

Athena files are tab-separated with a header, no quoting (a name may contain a lone ``"``),
dates as ``YYYYMMDD``. Each file is streamed by the engine straight to Parquet (one folder per
table), typed as the CDM specification says: no file is read into Python, so memory stays
bounded by the engine's (DuckDB's memory_limit, Spark's executors), whatever the file size.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from healthdatahub.engine import Engine
from healthdatahub.errors import HubError
from healthdatahub.omop import cdm

SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")
REQUIRED = ("concept", "concept_relationship", "vocabulary", "domain")


def find_files(source: Path) -> dict[str, Path]:
    """The vocabulary files of an Athena folder, by CDM table name (case-insensitive)."""
    if not source.is_dir():
        raise HubError(f"Vocabulary folder {source} does not exist.")
    found: dict[str, Path] = {}
    for path in sorted(source.iterdir()):
        name = path.name.lower()
        for suffix in SUFFIXES:
            if name.endswith(suffix) and name[: -len(suffix)] in cdm.VOCABULARY_TABLES:
                found[name[: -len(suffix)]] = path
    missing = [t for t in REQUIRED if t not in found]
    if missing:
        raise HubError(f"Vocabulary folder {source} lacks {', '.join(t.upper() for t in missing)}"
                       " (expected Athena's tab-separated CONCEPT.csv, ...).")
    return found


def typed_select(table: str, relation: str, columns: list[str]) -> str:
    """SELECT casting Athena's text columns to the CDM types (dates from YYYYMMDD)."""
    present = {c.lower(): c for c in columns}
    parts = []
    for f in cdm.table_fields(table):
        col = present.get(f.name)
        kind = cdm.duckdb_type(f)
        if col is None:
            parts.append(f"CAST(NULL AS {kind}) AS {f.name}")
        elif kind == "DATE":
            parts.append(f"CAST(COALESCE(try_strptime(\"{col}\", '%Y%m%d'), "
                         f"try_strptime(\"{col}\", '%Y-%m-%d')) AS DATE) AS {f.name}")
        elif kind == "VARCHAR":
            parts.append(f"NULLIF(\"{col}\", '') AS {f.name}")
        else:
            parts.append(f"CAST(NULLIF(TRIM(\"{col}\"), '') AS {kind}) AS {f.name}")
    return f"SELECT {', '.join(parts)} FROM {relation}"


def load_vocabulary(engine: Engine, source: Path, dest: Path,
                    on_table: object = None) -> dict[str, int]:
    """Load every vocabulary file of ``source`` into ``dest/<table>/``; return rows per table."""
    files = find_files(Path(source))
    dest.mkdir(parents=True, exist_ok=True)
    if engine.name == "duckdb":
        engine.execute("SET preserve_insertion_order = false")  # streaming, bounded memory
    counts: dict[str, int] = {}
    timings: dict[str, float] = {}
    for table, path in files.items():
        started = time.perf_counter()
        view = f"athena_{table}"
        engine.register(view, path, format="csv", delimiter="\t", header=True,
                        all_varchar=True, quote="")
        columns = list(engine.to_arrow(f"SELECT * FROM {view} LIMIT 0").column_names)
        counts[table] = engine.write_parquet(typed_select(table, view, columns), dest / table)
        engine.unregister(view)
        timings[table] = round(time.perf_counter() - started, 3)
        if callable(on_table):
            on_table(table, counts[table])
    version = engine.scalar(
        f"SELECT string_agg(vocabulary_id || ' ' || COALESCE(vocabulary_version, ''), '; ') "
        f"FROM read_parquet('{dest / 'vocabulary'}/*.parquet')"
    ) if engine.name == "duckdb" else None
    meta = {"source": str(source), "counts": counts, "seconds": timings, "versions": version}
    (dest / "vocab.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return counts


def register_vocabulary(engine: Engine, vocab: Path) -> list[str]:
    """Register every loaded vocabulary table of ``vocab`` under its CDM name."""
    names = []
    for table in cdm.VOCABULARY_TABLES:
        folder = vocab / table
        if folder.is_dir() and any(folder.rglob("*.parquet")):
            engine.register(table, folder)
            names.append(table)
    missing = [t for t in REQUIRED if t not in names]
    if missing:
        raise HubError(f"Vocabulary {vocab} is not loaded (no {', '.join(missing)}); "
                       "run `hdh omop vocab load DIR` first.")
    return names
