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


def rich_record(slug: str = "rich-db", **extra) -> dict:
    """A record with every field set, in both languages (round-trip tests)."""
    both = {"fr": "Texte français", "en": "English text"}
    details = {"catalogue_ref": "CAT-42", "documentation": both, "funding": both,
               "data_flow": both, "scientific_output": both, "data_holder": "Holder",
               "contact_email": "rich@example.org", "legislation": "EHDS",
               "hdab": "HDAB of test", "population_coverage": both, "min_typical_age": 18,
               "max_typical_age": 90, "number_of_records": 1000, "number_of_individuals": 400,
               "temporal_start": "2010-01-01", "temporal_end": "2020-12-31", "spatial": "FRA",
               "frequency": "ANNUAL", "access_url": "https://access.example.org/rich"}
    record = small_record(slug, doi="10.5072/rich-db", languages=["fr", "en"],
                          access_rights="RESTRICTED", details=details, **extra)
    record["collections"].append({
        "name": "STAYS", "title": {"fr": "Séjours", "en": "Stays"},
        "description": {"fr": "Un séjour par ligne", "en": "One stay a row"},
        "row_count": 300, "time_min": "2010-01-01", "time_max": "2020-12-31",
        "details": {"source_file": "stays.csv"},
        "variables": [{"name": "ENT_DAT", "label": {"fr": "Date d'entrée", "en": "Entry date"},
                       "description": {"fr": "Jour d'entrée", "en": "Day of entry"},
                       "type": "date", "nullable": False, "min_value": "2010-01-01",
                       "max_value": "2020-12-31", "null_rate": 0.0, "distinct_count": 3000}]})
    return record


@pytest.fixture
def make_rich_record():
    """The ``rich_record`` factory."""
    return rich_record
