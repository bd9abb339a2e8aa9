"""Read the catalogue for the N-Triples dump: records from the store's rows, chunk by chunk.

Three Core queries a chunk (no ORM object), records as ``records.to_dict`` gives them, with
dicts built in sorted key order (``ntriples.dictionary_bytes`` relies on it); their text
comes from ``ntriples.record_text``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthdatahub.catalogue.ntriples import record_text
from healthdatahub.catalogue.rdf import record_uri
from healthdatahub.catalogue.variables import shows_range
from healthdatahub.config import Settings
from healthdatahub.store.models_catalogue import (
    CatalogueCollection,
    CatalogueDatabase,
    CatalogueVariable,
)

_DB = CatalogueDatabase.__table__
_COLL = CatalogueCollection.__table__
_VAR = CatalogueVariable.__table__
_VAR_COLUMNS = ("name", "label_fr", "label_en", "description_fr", "description_en", "type",
                "unit", "coding_system", "nullable", "identifying", "null_rate",
                "distinct_count", "min_value", "max_value")


def _variable(r: Any) -> dict[str, Any]:
    """A variable row as ``records.variable_dict`` gives it (a range only where shown), its
    keys in sorted order so that ``dictionary_bytes`` need not sort them."""
    (_, name, label_fr, label_en, description_fr, description_en, type_, unit, system,
     nullable, identifying, null_rate, distinct, low, high) = r
    ranged = shows_range(type_, identifying)
    return {"coding_system": system, "description": {"en": description_en, "fr": description_fr},
            "distinct_count": distinct, "identifying": identifying,
            "label": {"en": label_en, "fr": label_fr}, "max_value": high if ranged else None,
            "min_value": low if ranged else None, "name": name, "null_rate": null_rate,
            "nullable": nullable, "type": type_, "unit": unit}


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    return [_sorted(v) for v in value] if isinstance(value, list) else value


def read_records(db: Session, after: str, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` records with slugs after ``after``, as ``records.to_dict`` gives them
    (without timestamps), in three Core queries: no ORM object is built."""
    rows = db.execute(select(_DB).where(_DB.c.slug > after).order_by(_DB.c.slug)
                      .limit(limit)).mappings().all()
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    collections: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    by_id: dict[int, dict[str, Any]] = {}
    for c in db.execute(select(_COLL).where(_COLL.c.database_id.in_(ids))
                        .order_by(_COLL.c.database_id, _COLL.c.position)).mappings().all():
        item = {"description": {"en": c["description_en"], "fr": c["description_fr"]},
                "details": _sorted(dict(c["details"] or {})), "name": c["name"],
                "row_count": c["row_count"], "time_max": c["time_max"],
                "time_min": c["time_min"], "title": {"en": c["title_en"], "fr": c["title_fr"]},
                "variable_count": 0, "variables": []}
        collections[c["database_id"]].append(item)
        by_id[c["id"]] = item
    query = (select(_VAR.c.collection_id, *(_VAR.c[k] for k in _VAR_COLUMNS))
             .join(_COLL, _VAR.c.collection_id == _COLL.c.id)
             .where(_COLL.c.database_id.in_(ids))
             .order_by(_VAR.c.collection_id, _VAR.c.position))
    for r in db.execute(query).all():
        by_id[r[0]]["variables"].append(_variable(r))
    for item in by_id.values():
        item["variable_count"] = len(item["variables"])
    return [{"identifier": r["identifier"], "slug": r["slug"], "acronym": r["acronym"],
             "title": {"fr": r["title_fr"], "en": r["title_en"]},
             "description": {"fr": r["description_fr"], "en": r["description_en"]},
             "doi": r["doi"], "speciality": r["speciality"], "theme": r["theme"],
             "publisher": r["publisher"], "access_rights": r["access_rights"],
             "languages": [x for x in r["languages"].split(",") if x],
             "keywords": list(r["keywords"] or []), "mesh": list(r["mesh"] or []),
             "details": dict(r["details"] or {}), "source": r["source"],
             "harvested_from": r["harvested_from"], "collections": collections[r["id"]]}
            for r in rows]


def chunks(settings: Settings, chunk: int = 200) -> Iterator[tuple[str, int]]:
    """The catalogue's records as N-Triples text, one record at a time with its statements
    count, reading ``chunk`` records per transaction; the catalogue node comes last."""
    from rdflib import URIRef

    from healthdatahub.catalogue import rdf
    from healthdatahub.store.db import session_scope

    uris, after = [], ""
    # The cyclic collector, started by every 700 new objects, scans a chunk's young dicts
    # again and again (it made the dump three times slower); records hold no cycles, so it
    # is paused while a chunk is built and run once after it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while True:
            with session_scope(settings) as db:
                batch = read_records(db, after, chunk)
            for record in batch:
                uris.append(str(record_uri(settings, record["slug"])))
                text = record_text(record, settings)
                yield text, text.count("\n")
            if len(batch) < chunk:
                break
            after = batch[-1]["slug"]
            del batch
            gc.collect(1)
    finally:
        if collecting:
            gc.enable()
    graph = rdf.new_graph()  # one node naming every dataset: rdflib is fast enough for it
    rdf.add_catalogue(graph, settings, [URIRef(u) for u in uris])
    text = "".join(line + "\n" for line in graph.serialize(format="nt").split("\n") if line)
    yield text, text.count("\n")
