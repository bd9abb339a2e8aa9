"""Fill catalogue records from ingested dataset versions (tables, columns, statistics).

The ingest domain records, per landed version, each table's row count and time coverage and
each column's type, null rate and (for dates and numbers) min/max. The catalogue keeps a
range only for non-identifying columns (``variables.shows_range``); names, labels and
coding systems already described (e.g. from the SNDS schema) are kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from healthdatahub.catalogue import records
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.results import Outcome
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Dataset, DatasetVersion
from healthdatahub.store.models_catalogue import CatalogueDatabase
from healthdatahub.store.models_ingest import LandedTable

_TYPES = {"VARCHAR": "string", "BIGINT": "integer", "INTEGER": "integer", "DOUBLE": "number",
          "DATE": "date", "TIMESTAMP": "datetime", "BOOLEAN": "boolean"}


def _type(raw: str) -> str:
    return _TYPES.get(raw.upper().split("(")[0], raw.lower() if raw.lower() in (
        "string", "integer", "number", "date", "datetime", "year", "boolean") else "string")


def fill_from_version(settings: Settings, dataset_slug: str, database_slug: str,
                      version: str | None = None) -> Outcome:
    """Merge a landed version's tables and statistics into a catalogue database."""
    with session_scope(settings) as db:
        dataset = db.scalars(select(Dataset).where(Dataset.slug == dataset_slug)).one_or_none()
        if dataset is None:
            raise HubError(f"No dataset {dataset_slug[:100]!r} has been ingested.")
        query = select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id)
        query = query.where(DatasetVersion.version == version) if version else query.order_by(
            DatasetVersion.id.desc())
        landed = db.scalars(query).first()
        if landed is None:
            raise HubError(f"Dataset {dataset_slug[:100]!r} has no version {version!r}.")
        tables = db.scalars(select(LandedTable).where(LandedTable.version_id == landed.id)
                            .order_by(LandedTable.name)).all()
        row = db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.slug == database_slug)).one_or_none()
        if row is None:
            raise HubError(f"No catalogue database {database_slug[:100]!r}.")
        record = records.to_dict(row)
        by_name = {c["name"]: c for c in record["collections"]}
        for t in tables:
            _merge(by_name, t)
        record["collections"] = list(by_name.values())
        record["details"] = {**record["details"], "number_of_records": sum(
            t.row_count for t in tables)} if tables else record["details"]
        row.dataset_id = dataset.id
        records.save(db, records.check_record(record))
        label = landed.version
    return Outcome("catalogue fill", f"{database_slug}: {len(tables)} tables filled from "
                   f"{dataset_slug} version {label}.", counts={"collections": len(tables)},
                   details={"dataset": dataset_slug, "version": label})


def _merge(by_name: dict[str, dict[str, Any]], table: LandedTable) -> None:
    key = next((n for n in by_name if n == table.descriptor), table.name)
    collection = by_name.setdefault(key, {"name": key, "title": {"fr": "", "en": ""},
                                          "description": {"fr": "", "en": ""},
                                          "details": {}, "variables": []})
    collection.update(row_count=table.row_count, time_min=table.time_min,
                      time_max=table.time_max)
    known = {v["name"]: v for v in collection["variables"]}
    for column in table.columns:
        var = known.get(column.name)
        if var is None:
            var = {"name": column.name, "type": _type(column.type),
                   "label": {"fr": "", "en": ""}, "description": {"fr": "", "en": ""}}
            collection["variables"].append(var)
            known[column.name] = var
        var.update(null_rate=column.null_rate, min_value=column.min_value,
                   max_value=column.max_value)
