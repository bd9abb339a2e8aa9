"""Fixtures of the ingestion tests: a small synthetic SNDS delivery as SNDS-style CSV."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from healthdatahub.snds.synth import generate


@pytest.fixture(scope="session")
def synth_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-beneficiary extraction, CSV with each field's declared date format."""
    out = tmp_path_factory.mktemp("synth") / "csv"
    generate(out, 300, 7, "csv", date_format="schema")
    return out


@pytest.fixture
def delivery(synth_csv: Path, tmp_path: Path) -> Path:
    """A writable copy of IR_BEN_R and ER_PRS_F (no manifest)."""
    target = tmp_path / "delivery"
    target.mkdir()
    for name in ("IR_BEN_R.csv", "ER_PRS_F.csv"):
        shutil.copy(synth_csv / name, target / name)
    return target

