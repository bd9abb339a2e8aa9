"""Fixtures of the OMOP spec tests: the fixture vocabulary loaded once (DuckDB)."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthdatahub.engine import get_engine
from healthdatahub.omop.vocab import fixture_dir
from healthdatahub.omop.vocab.loader import load_vocabulary


@pytest.fixture(scope="session")
def vocab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped fixture vocabulary, loaded to Parquet."""
    dest = tmp_path_factory.mktemp("vocab")
    with get_engine(name="duckdb") as engine:
        load_vocabulary(engine, fixture_dir(), dest)
    return dest
