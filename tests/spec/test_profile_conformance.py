"""The extraction profile (the demo's engine stage) gives the same counts on every engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthdatahub.engine import get_engine
from healthdatahub.snds.profile import profile_extraction
from healthdatahub.snds.synth import generate

ENGINE_PARAMS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(scope="module")
def extraction(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("profile") / "snds"
    generate(out, 600, seed=7)
    return out, json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def duckdb_counts(extraction) -> dict[str, int]:
    out, manifest = extraction
    with get_engine(name="duckdb") as eng:
        return profile_extraction(eng, out, manifest)


def test_profile_counts_match_the_manifest(extraction, duckdb_counts):
    _, manifest = extraction
    for table, rows in manifest["tables"].items():
        if table in duckdb_counts:
            assert duckdb_counts[table] == rows, table
    assert 0 < duckdb_counts["treated_diabetes"] < duckdb_counts["adults"]
    assert duckdb_counts["information_only_lines"] > 0


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
def test_profile_is_the_same_on_every_engine(engine_name, extraction, duckdb_counts, tmp_path):
    from healthdatahub.config import load_settings

    out, manifest = extraction
    with get_engine(load_settings(data_dir=tmp_path), engine_name) as eng:
        assert profile_extraction(eng, out, manifest) == duckdb_counts
