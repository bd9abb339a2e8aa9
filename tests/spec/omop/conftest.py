"""Fixtures of the OMOP spec tests: the fixture vocabulary and one small CDM, built once."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from healthdatahub.engine import get_engine
from healthdatahub.omop.build import build_cdm, prepare_vocabulary
from healthdatahub.omop.vocab import fixture_dir
from healthdatahub.omop.vocab.loader import load_vocabulary
from healthdatahub.snds.synth import generate


@pytest.fixture(scope="session")
def vocab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped fixture vocabulary, loaded to Parquet."""
    dest = tmp_path_factory.mktemp("vocab")
    with get_engine(name="duckdb") as engine:
        load_vocabulary(engine, fixture_dir(), dest)
    return dest


@pytest.fixture(scope="session")
def extraction(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Two synthetic extraction years (300 beneficiaries, seed 7)."""
    root = tmp_path_factory.mktemp("snds")
    return {y: generate(root / str(y), 300, 7, year=y).out_dir for y in (2023, 2024)}


@pytest.fixture(scope="session")
def duck_cdm(extraction: dict[int, Path], vocab: Path,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The 2023 extraction's CDM built once on DuckDB: (folder, build report)."""
    out = tmp_path_factory.mktemp("cdm") / "ref"
    with get_engine(name="duckdb") as engine:
        report = build_cdm(engine, [extraction[2023]], out, vocab)
    return out, report


@pytest.fixture(scope="session")
def spark_cdm(extraction: dict[int, Path], vocab: Path,
              tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The same CDM built once on Spark: (folder, build report)."""
    out = tmp_path_factory.mktemp("cdm") / "spark"
    with get_engine(name="spark") as engine:
        report = build_cdm(engine, [extraction[2023]], out, vocab)
    return out, report


@pytest.fixture(scope="session", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def fixture_map(request: pytest.FixtureRequest, vocab: Path,
                tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    """The fixture vocabulary's source map, computed once per engine (the source-map tests
    share it: on Spark each computation costs seconds)."""
    with get_engine(name=request.param) as engine:
        prepare_vocabulary(engine, vocab, tmp_path_factory.mktemp(f"map-{request.param}"))
        return engine.to_arrow("SELECT * FROM source_map")
