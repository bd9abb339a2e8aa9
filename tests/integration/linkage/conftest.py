"""A small synthetic reference for the linkage integration tests (outside the data dir)."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthdatahub.snds.synth import generate


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,500-person synthetic civil-status reference."""
    out = tmp_path_factory.mktemp("register") / "synth"
    generate(out, 1500, 11)
    return out / "reference"
