"""Fixtures of the indicators integration tests: one synthetic extraction shared by the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthdatahub.snds.synth import generate


@pytest.fixture(scope="session")
def extraction(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10,000-beneficiary synthetic extraction (Parquet), big enough for small cubes to be fast."""
    out = tmp_path_factory.mktemp("indicators") / "snds"
    generate(out, 10_000, 42)
    return out


@pytest.fixture(scope="session")
def small_age_cut(extraction: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    """An age above which 1 to 10 people of the extraction are (a small group)."""
    from healthdatahub.config import load_settings
    from healthdatahub.engine import get_engine
    from healthdatahub.indicators.templates import register_snds

    settings = load_settings(data_dir=tmp_path_factory.mktemp("age-cut"))
    with get_engine(settings) as engine:
        register_snds(engine, extraction)
        for cut in range(110, 60, -1):
            n = engine.scalar(f"SELECT count(*) FROM IR_BEN_R WHERE 2023 - BEN_NAI_ANN > {cut} "
                              "AND (BEN_DCD_DTE IS NULL OR BEN_DCD_DTE >= DATE '2023-01-01')")
            if 1 <= n <= 10:
                return cut
    raise AssertionError("the test extraction has no small age group (1 to 10 people)")
