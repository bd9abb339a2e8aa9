"""Export records and the whole catalogue as RDF, validate them, read RDF back into the store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from healthdatahub.catalogue import rdf, rdf_read, records, shacl
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.results import Outcome
from healthdatahub.store.db import session_scope
from healthdatahub.store.models_catalogue import CatalogueCollection, CatalogueDatabase


def record_graph(settings: Settings, slug: str) -> Any:
    """The RDF graph of one database record (with its tables and variables)."""
    from healthdatahub.catalogue.service import get_database

    g = rdf.new_graph()
    rdf.add_record(g, get_database(settings, slug), settings)
    return g


def _rows(db: Any, offset: int, limit: int | None) -> Any:
    """Records by slug order with their collections and variables, in three queries."""
    query = (select(CatalogueDatabase).order_by(CatalogueDatabase.slug).offset(offset)
             .options(selectinload(CatalogueDatabase.collections)
                      .selectinload(CatalogueCollection.variables)))
    if limit is not None:
        query = query.limit(limit)
    return db.scalars(query)


def catalogue_graph(settings: Settings, offset: int = 0, limit: int | None = None) -> Any:
    """The catalogue node and its records (all, or one page by slug order)."""
    g = rdf.new_graph()
    uris = []
    with session_scope(settings) as db:
        for row in _rows(db, offset, limit):
            uris.append(rdf.add_record(g, records.to_dict(row), settings))
    rdf.add_catalogue(g, settings, uris)
    return g


def write_catalogue(settings: Settings, dest: Path, chunk: int = 200) -> Outcome:
    """The whole catalogue as N-Triples in ``dest`` (written atomically), ``chunk`` records
    at a time.

    The statements are formatted from the store's rows by ``ntriples`` (the graph of
    ``rdf.add_record``, without rdflib terms), so time stays linear and memory bounded by
    ``chunk`` records whatever the catalogue's size. N-Triples is also Turtle, so the file
    reads as either; a node shared by several records is stated again with each.
    """
    from healthdatahub.catalogue import dump
    from healthdatahub.jobs import atomic_file

    started = time.perf_counter()
    records_, statements = 0, 0
    with atomic_file(dest) as tmp, open(tmp, "w", encoding="utf-8") as out:
        out.write(f"# {' '.join(settings.hub_name.split())}: HealthDCAT-AP catalogue "
                  "(N-Triples).\n")
        for text, count in dump.chunks(settings, chunk):
            out.write(text)
            records_ += 1
            statements += count
    records_ -= 1  # the last text is the catalogue node
    return Outcome("catalogue export", f"Wrote {records_:,} records ({statements:,} statements) "
                   f"to {dest}.", paths={"catalogue": str(dest)},
                   counts={"records": records_, "statements": statements,
                           "bytes": dest.stat().st_size},
                   timings={"total": round(time.perf_counter() - started, 3)})


def export(settings: Settings, slug: str | None = None, fmt: str = "turtle") -> str:
    """One record, or the whole catalogue, as Turtle, JSON-LD, RDF/XML or N-Triples (rdflib:
    for small exports; ``write_catalogue`` for the full dump)."""
    graph = record_graph(settings, slug) if slug else catalogue_graph(settings)
    if fmt == "ntriples":
        return graph.serialize(format="nt")
    return rdf.serialise(graph, fmt)


def validate(settings: Settings, slug: str | None = None,
             profiles: tuple[str, ...] = tuple(shacl.PROFILES)) -> Outcome:
    """SHACL-validate one record or every record; the outcome lists each violation."""
    from healthdatahub.catalogue.service import list_databases

    slugs = [slug] if slug else [r["slug"] for r in list_databases(settings)]
    violations = []
    for name in slugs:
        violations.extend(shacl.validate(record_graph(settings, name), profiles))
    catalogue = rdf.new_graph()
    rdf.add_catalogue(catalogue, settings, [])
    violations.extend(shacl.validate(catalogue, profiles))
    details = {"violations": [v.__dict__ for v in violations[:1000]], "records": slugs}
    summary = (f"{len(slugs)} records conform to {', '.join(profiles)}." if not violations
               else f"{len(violations)} violations in {len(slugs)} records.")
    return Outcome("catalogue validate", summary, counts={"records": len(slugs),
                   "violations": len(violations)}, details=details)


def import_rdf(settings: Settings, data: str | bytes, fmt: str = "turtle",
               check_shapes: bool = True, owner_id: int | None = None,
               may_edit: Any = None) -> Outcome:
    """Create or update records from RDF; a record failing the shapes is refused by name.

    ``owner_id`` owns the new records; ``may_edit`` guards existing ones (``save_many``).
    """
    from healthdatahub.catalogue.service import save_many

    graph = rdf_read.parse(data, fmt)
    if check_shapes:
        violations = shacl.validate(graph, ("healthdcat-ap",))
        if violations:
            first = violations[0]
            raise HubError(f"The RDF fails {len(violations)} SHACL constraints; first: shape "
                           f"{first.shape}, path {first.path}, node {first.focus}: "
                           f"{first.message[:200]}")
    raws = [rdf_read.record_of(graph, node) for node in rdf_read.datasets_in(graph)]
    if not raws:
        raise HubError("The RDF holds no dcat:Dataset.")
    slugs = save_many(settings, raws, owner_id, may_edit)
    return Outcome("catalogue import", f"Imported {len(slugs)} records from RDF.",
                   counts={"records": len(slugs)}, details={"databases": slugs})


def check(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the store would keep it (for comparisons)."""
    return records.check_record(record)
