"""End-to-end build of a small synthetic extraction on DuckDB and Spark; incremental years."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from healthdatahub.engine import get_engine
from healthdatahub.omop.build import build_cdm
from healthdatahub.snds.synth import generate

ENGINE_PARAMS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]

# Each test module queries through its own connection, never DuckDB's process-wide default.
_DB = duckdb.connect()


@pytest.fixture(scope="module")
def extraction(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("snds")
    return {y: generate(root / str(y), 300, 7, year=y).out_dir for y in (2023, 2024)}


def _ids(folder: Path) -> set[int]:
    return {r[0] for r in _DB.sql(
        f"SELECT person_id FROM read_parquet('{folder}/**/*.parquet')").fetchall()}


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
def test_build_same_persons_on_every_engine(engine_name: str, extraction: dict[int, Path],
                                            vocab: Path, tmp_path: Path) -> None:
    with get_engine(name=engine_name) as engine:
        report = build_cdm(engine, [extraction[2023]], tmp_path / "cdm", vocab)
    assert report["counts"]["person"] == 300
    assert report["counts"]["2023.drug_exposure"] > 0
    with get_engine(name="duckdb") as engine:
        ref = build_cdm(engine, [extraction[2023]], tmp_path / "ref", vocab)
    assert {k: v for k, v in report["counts"].items()} == ref["counts"]
    assert _ids(tmp_path / "cdm" / "person") == _ids(tmp_path / "ref" / "person")


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
