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
