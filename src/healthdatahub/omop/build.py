"""``hdh omop build``: SNDS source folders (one per year) → OMOP CDM 5.4 Parquet.

Layout of ``omop/<cdm-name>/``: one folder per CDM table. Event tables (VISIT_OCCURRENCE,
VISIT_DETAIL, CONDITION_OCCURRENCE, DRUG_EXPOSURE, PROCEDURE_OCCURRENCE) are partitioned by
extraction year (``src_year=2023/``; ``src_year=0`` holds the ALD conditions of the reference
tables); every other table is person-level or global and is recomputed at each build.
Incremental update: a year whose source checksum is unchanged is not rebuilt — only new or
changed years, then PERSON, OBSERVATION_PERIOD, DEATH, LOCATION, CARE_SITE, PROVIDER, the
eras and CDM_SOURCE. State (years built, checksums, the id salt) is in ``_build.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from healthdatahub.engine import Engine
from healthdatahub.errors import HubError
from healthdatahub.jobs import atomic_file
from healthdatahub.omop import cdm, sources
from healthdatahub.omop.etl import render
from healthdatahub.omop.vocab.loader import register_vocabulary

YEAR_TABLES = ("visit_occurrence", "visit_detail", "condition_occurrence", "drug_exposure",
               "procedure_occurrence")
STAGING = ("dcir_care", "dcir_drugs", "pmsi_stays")
EXCLUDED_NATURES = "2111, 3311, 3313, 3317, 3336"  # GHS stays (PMSI) and pharmacy (ER_PHA_F)
STATE = "_build.json"
Step = Callable[[str], None]


def read_state(out: Path) -> dict[str, Any]:
    """The build state of a CDM folder (empty for a new CDM)."""
    path = out / STATE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def cdm_table_sql(table: str, model_sql: str) -> str:
    """A model's query with every CDM column cast to its type, in specification order."""
    return f"SELECT {cdm.select_list(table, 'm')} FROM ({model_sql}) m"


def register_table(engine: Engine, table: str, folder: Path) -> None:
    """Register a CDM table folder, or an empty typed view when it holds no part file."""
    if folder.is_dir() and any(folder.rglob("*.parquet")):
        engine.register(f"{table}_files", folder)  # CDM columns only: no src_year partition
        engine.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT "
                       f"{', '.join(cdm.column_names(table))} FROM {table}_files")
        return
    empty = ", ".join(f"CAST(NULL AS {cdm.duckdb_type(f)}) AS {f.name}"
                      for f in cdm.table_fields(table))
    engine.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT {empty} WHERE 1 = 0")


def _materialise(engine: Engine, name: str, sql: str, folder: Path) -> int:
    rows = engine.write_parquet(sql, folder)
    register_table(engine, name, folder) if name in cdm.tables() else (
        engine.register(name, folder) if any(folder.rglob("*.parquet")) else
        engine.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM ({sql}) q WHERE 1 = 0"))
    return rows


def prepare_vocabulary(engine: Engine, vocab: Path, work: Path) -> int:
    """Register the vocabulary, the source→standard map and the pack sizes; return map rows."""
    import pyarrow as pa

    from healthdatahub.snds import nomenclatures

    register_vocabulary(engine, vocab)
    if not (vocab / "source_to_concept_map").is_dir():
        register_table(engine, "source_to_concept_map", vocab / "source_to_concept_map")
    med = nomenclatures.load("medicaments")
    engine.register_arrow("pack_days", pa.table({"CIP13": med.column("CIP13"),
                                                 "JOURS": med.column("JOURS")}))
    return _materialise(engine, "source_map", render("source_map"), work / "source_map")


def build_year(engine: Engine, source: Path, year: int, out: Path, work: Path,
               params: dict[str, Any], step: Step) -> dict[str, int]:
    """Rebuild one year's partitions of the event tables from one source folder."""
    sources.register_year(engine, source)
    counts: dict[str, int] = {}
    for name in STAGING:
        step(f"{year}: {name}")
        counts[f"{year}.{name}"] = _materialise(engine, name, render(name, **params),
                                                work / str(year) / name)
    for table in YEAR_TABLES:
        step(f"{year}: {table}")
        sql = cdm_table_sql(table, render(table, **params))
        counts[f"{year}.{table}"] = engine.write_parquet(sql, out / table / f"src_year={year}")
    return counts


def check_unique(engine: Engine, table: str) -> None:
    """Fail loudly when a table's hash-derived primary key collides."""
    pk = cdm.primary_key(table)
    if pk is None:
        return
    dup = engine.scalar(f"SELECT COUNT(*) - COUNT(DISTINCT {pk}) FROM {table}")
    if dup:
        raise HubError(f"{table}: {dup} duplicate {pk} value(s) — an id collision or duplicated "
                       "source rows; the CDM was not completed.")


def build_reference(engine: Engine, srcs: list[Path], out: Path, params: dict[str, Any],
                    meta: dict[str, Any], step: Step) -> dict[str, int]:
    """The person-level and global tables, recomputed from every source and every year."""
    counts: dict[str, int] = {}

    def write(table: str, sql: str, dest: Path | None = None) -> None:
        step(table)
        counts[table if dest is None else f"0.{table}"] = engine.write_parquet(
            cdm_table_sql(table, sql), dest or out / table)
        if dest is None:
            register_table(engine, table, out / table)
            check_unique(engine, table)

    write("person", render("person", **params))
    for table in ("location", "care_site", "provider", "death"):
        write(table, render(table, **params))
    write("condition_occurrence", render("condition_ald", **params),
          out / "condition_occurrence" / "src_year=0")
    for table in YEAR_TABLES:
        register_table(engine, table, out / table)
        check_unique(engine, table)
    write("observation_period", render("observation_period", **params))
    write("measurement", f"SELECT {', '.join('NULL AS ' + c for c in cdm.column_names('measurement'))} WHERE 1 = 0")
    write("drug_era", render("era", **era_params("Drug", params)))
    write("condition_era", render("era", **era_params("Condition", params)))
    write("cdm_source", cdm_source_sql(meta))
    return counts


def era_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Parameters of the era model for drug (ingredients, 30 days) or condition eras."""
    if kind == "Drug":
        # One event per delivery and ingredient: a delivery (person, day, CIP13) split over
        # several 'Maps to' targets that share an ingredient is one exposure to it, not two.
        events = ("SELECT DISTINCT d.person_id, ca.ancestor_concept_id AS concept_id, "
                  "d.drug_exposure_start_date AS start_date, COALESCE(d.drug_exposure_end_date, "
                  "d.drug_exposure_start_date) AS end_date, d.drug_source_value "
                  "FROM drug_exposure d "
                  "JOIN concept_ancestor ca ON ca.descendant_concept_id = d.drug_concept_id "
                  "JOIN concept c ON c.concept_id = ca.ancestor_concept_id "
                  "AND c.concept_class_id = 'Ingredient' WHERE d.drug_concept_id <> 0")
        return {**params, "kind": kind, "unit": "ingredient", "gap": 30, "events": events,
                "prefix": "DE", "table": "drug_era", "concept_col": "drug_concept_id",
                "count_col": "drug_exposure_count"}
    events = ("SELECT person_id, condition_concept_id AS concept_id, condition_start_date AS "
              "start_date, COALESCE(condition_end_date, condition_start_date) AS end_date "
              "FROM condition_occurrence WHERE condition_concept_id <> 0")
    return {**params, "kind": kind, "unit": "condition", "gap": 30, "events": events,
            "prefix": "CE", "table": "condition_era", "concept_col": "condition_concept_id",
            "count_col": "condition_occurrence_count"}


def _lit(value: Any) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def cdm_source_sql(meta: dict[str, Any]) -> str:
    """The one CDM_SOURCE row."""
    return (f"SELECT {_lit(meta['name'])} AS cdm_source_name, {_lit(meta['name'][:25])} AS "
            "cdm_source_abbreviation, 'healthdatahub' AS cdm_holder, "
            f"{_lit(meta['description'])} AS source_description, "
            "NULL AS source_documentation_reference, 'healthdatahub omop/etl' AS "
            f"cdm_etl_reference, DATE '{meta['release']}' AS source_release_date, "
            f"DATE '{dt.date.today().isoformat()}' AS cdm_release_date, 'v5.4' AS cdm_version, "
            f"0 AS cdm_version_concept_id, {_lit(meta['vocabulary_version'])} AS "
            "vocabulary_version")


def build_cdm(engine: Engine, srcs: list[Path], out: Path, vocab: Path,
              step: Step | None = None, force: bool = False) -> dict[str, Any]:
    """Build (or update) the CDM in ``out`` from one source folder per year; return a report."""
    step = step or (lambda _m: None)
    started = time.perf_counter()
    by_year = sorted(((sources.source_year(s), s) for s in srcs), key=lambda x: x[0])
    years = [y for y, _ in by_year]
    if len(set(years)) != len(years):
        raise HubError(f"Two source folders have the same extraction year ({years}).")
    out.mkdir(parents=True, exist_ok=True)
    work = out / "_work"
    state = read_state(out)
    salt = state.get("salt") or secrets.token_hex(8)
    suppressed = any(sources.finess_suppressed(s) for _, s in by_year)
    params = {"salt": salt, "finess_suppressed": suppressed,
              "excluded_natures": EXCLUDED_NATURES,
              "first_day": f"{years[0]}-01-01", "last_day": f"{years[-1]}-12-31"}
    if engine.name == "duckdb":
        engine.execute("SET preserve_insertion_order = false")
    step("vocabulary")
    counts: dict[str, int] = {"source_map": prepare_vocabulary(engine, vocab, work)}
    sources.register_reference(engine, [s for _, s in by_year])
    built = dict(state.get("years", {}))
    rebuilt, skipped = [], []
    for year, src in by_year:
        digest = sources.checksum(src)
        done = all((out / t / f"src_year={year}").is_dir() for t in YEAR_TABLES)
        if not force and done and built.get(str(year)) == digest:
            skipped.append(year)
            continue
        counts.update(build_year(engine, src, year, out, work, params, step))
        built[str(year)] = digest
        rebuilt.append(year)
    vocab_meta = json.loads((vocab / "vocab.json").read_text("utf-8")) if (
        vocab / "vocab.json").is_file() else {}
    meta = {"name": out.name, "release": dt.date(years[-1], 12, 31).isoformat(),
            "description": f"SNDS extraction(s) {', '.join(map(str, years))} (synthetic or "
                           "validated lake versions) converted by healthdatahub",
            "vocabulary_version": str(vocab_meta.get("versions") or "")[:20] or None}
    counts.update(build_reference(engine, [s for _, s in by_year], out, params, meta, step))
    report = {"name": out.name, "engine": engine.name, "years": years, "rebuilt": rebuilt,
              "skipped": skipped, "finess_suppressed": suppressed, "counts": counts,
              "seconds": round(time.perf_counter() - started, 3)}
    with atomic_file(out / STATE) as tmp:
        tmp.write_text(json.dumps({"salt": salt, "years": built, "vocab": str(vocab),
                                   "report": report}, indent=2), encoding="utf-8")
    return report
