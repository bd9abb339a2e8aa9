"""End-to-end build of a small synthetic extraction on DuckDB and Spark; incremental years."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from healthdatahub.engine import get_engine
from healthdatahub.omop.build import build_cdm
from healthdatahub.omop.coverage import coverage
from healthdatahub.omop.service import register_cdm

# Each test module queries through its own connection, never DuckDB's process-wide default.
_DB = duckdb.connect()


def _ids(folder: Path) -> set[int]:
    pk = {"person": "person_id"}.get(folder.name, f"{folder.name}_id")
    return {r[0] for r in _DB.sql(
        f"SELECT {pk} FROM read_parquet('{folder}/**/*.parquet')").fetchall()}


def test_build_on_duckdb(duck_cdm: tuple[Path, dict]) -> None:
    out, report = duck_cdm
    assert report["counts"]["person"] == 300 == len(_ids(out / "person"))
    assert report["counts"]["2023.drug_exposure"] > 0 and report["counts"]["drug_era"] > 0
    # the fixture maps CIM-10 E11.2 to two concepts: every E11.2 record gives two rows
    split = _DB.sql(f"SELECT condition_concept_id, COUNT(*) FROM read_parquet('{out}/"
                    "condition_occurrence/**/*.parquet') WHERE condition_source_value LIKE "
                    "'E112%' GROUP BY 1").fetchall()
    assert len(split) == 2 and split[0][1] == split[1][1] > 0
    with get_engine(name="duckdb") as engine:
        register_cdm(engine, out)
        cim = coverage(engine)["CIM10"]
    assert cim["one_to_many_codes"] == 1 and cim["rows"] == cim["records"] + split[0][1]


@pytest.mark.spark
def test_build_same_rows_and_ids_on_spark(spark_cdm: tuple[Path, dict],
                                          duck_cdm: tuple[Path, dict]) -> None:
    assert spark_cdm[1]["counts"] == duck_cdm[1]["counts"]
    for table in ("person", "drug_exposure", "condition_occurrence", "drug_era"):
        assert _ids(spark_cdm[0] / table) == _ids(duck_cdm[0] / table), table


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.parquet"))}


def test_incremental_year_leaves_earlier_years_untouched(extraction: dict[int, Path],
                                                         vocab: Path, tmp_path: Path) -> None:
    out = tmp_path / "cdm"
    with get_engine(name="duckdb") as engine:
        build_cdm(engine, [extraction[2023]], out, vocab)
    before = {t: _digest(out / t / "src_year=2023") for t in ("drug_exposure", "visit_occurrence")}
    mtimes = {p: p.stat().st_mtime_ns for p in (out / "drug_exposure" / "src_year=2023").rglob("*")}
    with get_engine(name="duckdb") as engine:
        report = build_cdm(engine, [extraction[2023], extraction[2024]], out, vocab)
    assert report["rebuilt"] == [2024] and report["skipped"] == [2023]
    assert (out / "drug_exposure" / "src_year=2024").is_dir()
    for t, digest in before.items():
        assert _digest(out / t / "src_year=2023") == digest
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
