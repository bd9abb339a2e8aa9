"""The demo catalogue: the 22 databases of the SNDS catalogue and the SNDS main database.

Records come from ``data/databases.json`` (short factual descriptions, no figures); the SNDS
main database gets its 188 tables and their variables from the bundled published schema.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from healthdatahub.catalogue import mesh
from healthdatahub.config import Settings

SNDS_SLUG = "snds"


def seed_records(settings: Settings, with_snds_tables: bool = True) -> list[dict[str, Any]]:
    """The seed records, MeSH labels resolved to descriptors, publishers defaulted."""
    data = json.loads((resources.files("healthdatahub.catalogue") / "data" / "databases.json")
                      .read_text(encoding="utf-8"))
    french = str(settings.catalogue_mesh_fr_file) if settings.catalogue_mesh_fr_file else None
    records = []
    for raw in data["databases"]:
        found = [mesh.lookup(label, french) for label in raw.get("mesh", [])]
        record = {**raw, "source": "seed",
                  "identifier": f"{settings.catalogue_base_uri.rstrip('/')}/{raw['slug']}",
                  "publisher": raw.get("publisher") or settings.catalogue_publisher,
                  "mesh": [{"id": d.id, "label": d.label_en} for d in found if d is not None],
                  "details": {"hdab": settings.catalogue_hdab, **raw.get("details", {})}}
        if raw["slug"] == SNDS_SLUG and with_snds_tables:
            from healthdatahub.catalogue.tableschema import snds_collections

            record["collections"] = snds_collections()
        records.append(record)
    return records
