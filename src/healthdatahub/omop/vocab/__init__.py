"""OMOP vocabularies: Athena loader, the shipped fixture, source-to-standard mapping."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def fixture_dir() -> Path:
    """The shipped Athena-format fixture (synthetic standard layer, French source codes)."""
    return Path(str(resources.files("healthdatahub.omop.vocab").joinpath("fixture")))
