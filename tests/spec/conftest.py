"""Spec fixtures: every engine and the same small inputs for each.

The ``engine`` fixture runs a test once per engine (Spark marked ``spark``). The Spark
JVM is started once per test session and shared; each test gets a fresh Spark session
(its own temporary views), so tests stay independent and the whole Spark run is quick.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from healthdatahub.config import Settings, load_settings
from healthdatahub.engine import Engine, get_engine

ENGINE_PARAMS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]

PATIENTS = pa.table(
    {
        "pid": ["P1", "P2", "P3", "P4"],
        "sex": pa.array([1, 2, 2, 1], pa.int32()),
        "birth": ["15031980", "01121975", "31021990", None],
        "dept": ["75", "2A", None, "13"],
    }
)
CLAIMS = pa.table(
    {
        "pid": ["P1", "P1", "P1", "P2", "P2", "P9"],
        "code": ["A01", "A01", "B02", "A01", "C03", "B02"],
        "amount": [10.5, 5.0, None, 7.25, 1.0, 2.0],
        "day": pa.array(
            [
                dt.date(2024, 1, 5),
                dt.date(2024, 1, 20),
                dt.date(2024, 2, 1),
                dt.date(2024, 1, 7),
                dt.date(2024, 3, 31),
                dt.date(2024, 2, 29),
            ],
            pa.date32(),
        ),
        "qty": pa.array([1, 2, 1, 3, None, 1], pa.int32()),
    }
)


@pytest.fixture
def engine_settings(tmp_path: Path) -> Settings:
    """Settings whose data dir lives in the test's tmp_path."""
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture(params=ENGINE_PARAMS)
def engine(request: pytest.FixtureRequest, engine_settings: Settings) -> Iterator[Engine]:
    """A fresh engine (DuckDB, then Spark) with ``patients`` and ``claims`` registered."""
    with get_engine(engine_settings, request.param) as eng:
        eng.register_arrow("patients", PATIENTS)
        eng.register_arrow("claims", CLAIMS)
        yield eng
