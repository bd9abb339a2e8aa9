"""Fixtures of the catalogue tests: a migrated store (SQLite and PostgreSQL) with records."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthdatahub.catalogue import service
from healthdatahub.config import Settings

SHARED = Path(__file__).resolve().parents[4] / "shared"


def small_record(slug: str = "demo-db", **extra) -> dict:
    """A database with one table and three variables (one identifying)."""
    return {
        "slug": slug, "acronym": slug.upper(), "identifier": f"https://ex.org/c/{slug}",
        "title": {"fr": "Base de démonstration", "en": "Demo database"},
        "description": {"fr": "Une base <script>alert(1)</script> de test.",
                        "en": "A test database."},
        "speciality": "oncology", "theme": "COHORT", "publisher": "Test publisher",
        "keywords": ["cancer", "test"], "mesh": [{"id": "D009369", "label": "Neoplasms"}],
        "details": {"contact_email": "contact@example.org", "number_of_records": 12},
        "collections": [{
            "name": "PATIENTS", "title": {"fr": "Patients", "en": "Patients"},
            "variables": [
                {"name": "PAT_ID", "label": {"fr": "Identifiant patient"}, "type": "string",
                 "min_value": "A0001", "max_value": "Z9999"},
                {"name": "DGN_PAL", "label": {"fr": "Diagnostic principal"}, "type": "string",
                 "coding_system": "CIM-10"},
                {"name": "AGE_ANN", "label": {"fr": "Âge en années", "en": "Age in years"},
                 "type": "integer", "unit": "year", "min_value": "0", "max_value": "99",
                 "null_rate": 0.1, "distinct_count": 90},
            ]}],
        **extra,
    }


@pytest.fixture
def seeded(store_settings: Settings) -> Settings:
    """The store with the full demo catalogue (22 databases + SNDS)."""
    service.seed(store_settings)
    return store_settings


@pytest.fixture
def one(store_settings: Settings) -> Settings:
    """The store with one small record."""
    service.save_record(store_settings, small_record())
    return store_settings


@pytest.fixture
def make_record():
    """The ``small_record`` factory."""
    return small_record


@pytest.fixture
def shared_shapes() -> Path:
    """The shared SHACL shapes folder."""
    return SHARED / "shapes"
