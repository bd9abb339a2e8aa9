"""The catalogue's public face for the CLI and the portal: records, import, seed, search."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue import records
from healthdatahub.catalogue import search as S
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.results import Outcome
from healthdatahub.store.db import ensure_schema, session_scope
from healthdatahub.store.models_catalogue import (
    CatalogueCollection,
    CatalogueDatabase,
    CatalogueVariable,
)

#: Asked with a record's owner (a user id or None): may the person saving change it?
MayEdit = Callable[[int | None], bool]


class NotYours(HubError):
    """A record the person saving may not change (the portal answers 403)."""


def _guard(db: Any, record: dict[str, Any], may_edit: MayEdit | None,
           owner_id: int | None) -> CatalogueDatabase | None:
    """The stored row with the record's identifier, once the saver may change it."""
    row = db.scalars(select(CatalogueDatabase).where(
        CatalogueDatabase.identifier == record["identifier"])).one_or_none()
    if row is not None and may_edit is not None and not may_edit(row.owner_id):
        raise NotYours(f"The catalogue record {row.slug} belongs to another data holder; "
                       "only its owner and operators may change it.")
    if row is None and owner_id is not None:
        record["owner_id"] = owner_id
    return row


def save_record(settings: Settings, raw: dict[str, Any], keep_collections: bool = False,
                owner_id: int | None = None, may_edit: MayEdit | None = None) -> str:
    """Create or update a database record (by identifier); returns its slug.

    A new record is owned by ``owner_id``; an existing one is changed only when
    ``may_edit(its owner)`` allows it (NotYours otherwise).
    """
    record = records.check_record(raw)
    with session_scope(settings) as db:
        row = _guard(db, record, may_edit, owner_id)
        if keep_collections and row is not None:
            record["collections"] = records.to_dict(row)["collections"]
        records.save(db, record)
    return record["slug"]


def save_many(settings: Settings, raws: list[dict[str, Any]], owner_id: int | None = None,
              may_edit: MayEdit | None = None) -> list[str]:
    """Save several records in one transaction (duplicate identifiers refused)."""
    checked = [records.check_record(r) for r in raws]
    seen: set[str] = set()
    for r in checked:
        if r["identifier"] in seen:
            raise HubError(f"Duplicate identifier {r['identifier'][:100]!r} in the batch.")
        seen.add(r["identifier"])
    with session_scope(settings) as db:
        for r in checked:
            _guard(db, r, may_edit, owner_id)
            records.save(db, r)
    return [r["slug"] for r in checked]


def owner_of(settings: Settings, slug: str) -> int | None:
    """The user id owning a database record (None: seeded, imported or harvested)."""
    with session_scope(settings) as db:
        row = db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.slug == slug)).one_or_none()
        if row is None:
            raise HubError(f"No catalogue database {slug[:100]!r}.")
        return row.owner_id


def seed(settings: Settings) -> Outcome:
    """Load the 22 SNDS-catalogue databases and the fully described SNDS (idempotent)."""
    from healthdatahub.catalogue.seeds import seed_records

    started = time.perf_counter()
    ensure_schema(settings)
    raws = seed_records(settings)
    slugs = save_many(settings, raws)
    counts = counts_of(settings)
    return Outcome("catalogue seed", f"Catalogue seeded: {len(slugs)} databases, "
                   f"{counts['collections']:,} collections, {counts['variables']:,} variables.",
                   counts=counts, timings={"total": round(time.perf_counter() - started, 3)},
                   details={"databases": slugs})


def counts_of(settings: Settings) -> dict[str, int]:
    """How many databases, collections and variables the catalogue holds."""
    from sqlalchemy import func

    with session_scope(settings) as db:
        return {name: db.scalar(select(func.count()).select_from(model)) or 0
                for name, model in (("databases", CatalogueDatabase),
                                    ("collections", CatalogueCollection),
                                    ("variables", CatalogueVariable))}


def import_descriptors(settings: Settings, path: Path, slug: str,
                       title: str | None = None) -> Outcome:
    """Set a database's collections from Table Schema / Data Package descriptors."""
    from healthdatahub.catalogue.tableschema import collections_from_path

    collections = collections_from_path(path)
    with session_scope(settings) as db:
        row = db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.slug == slug)).one_or_none()
        base = records.to_dict(row) if row is not None else {
            "slug": slug, "acronym": slug.upper(), "title": {"fr": title or slug, "en": ""},
            "identifier": f"{settings.catalogue_base_uri.rstrip('/')}/{slug}",
            "publisher": settings.catalogue_publisher, "source": "descriptor"}
        record = records.check_record({**base, "collections": collections})
        records.save(db, record)
    variables = sum(len(c["variables"]) for c in collections)
    return Outcome("catalogue import", f"Imported {len(collections)} tables and {variables:,} "
                   f"variables into {slug} from {path}.",
                   counts={"collections": len(collections), "variables": variables},
                   details={"database": slug})


def get_database(settings: Settings, slug: str, variables: bool = True) -> dict[str, Any]:
    """One database record, or a HubError when it does not exist."""
    with session_scope(settings) as db:
        row = db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.slug == slug)).one_or_none()
        if row is None:
            raise HubError(f"No catalogue database {slug[:100]!r}.")
        return records.to_dict(row, collections=variables)


def get_collection(settings: Settings, slug: str, name: str) -> dict[str, Any]:
    """One collection with its variables and its database's summary."""
    with session_scope(settings) as db:
        row = db.execute(select(CatalogueCollection, CatalogueDatabase).join(
            CatalogueDatabase).where(CatalogueDatabase.slug == slug,
                                     CatalogueCollection.name == name)).first()
        if row is None:
            raise HubError(f"No collection {name[:100]!r} in {slug[:100]!r}.")
        out = records.collection_dict(row[0])
        out["database"] = _summary(row[1])
        return out


def _summary(row: CatalogueDatabase) -> dict[str, Any]:
    return {"slug": row.slug, "acronym": row.acronym,
            "title": {"fr": row.title_fr, "en": row.title_en}}


def list_databases(settings: Settings) -> list[dict[str, Any]]:
    """Every database record, without collections, by acronym."""
    with session_scope(settings) as db:
        rows = db.scalars(select(CatalogueDatabase).order_by(CatalogueDatabase.slug)).all()
        return [{k: v for k, v in records.to_dict(r, collections=False).items()
                 if k != "collections"} for r in rows]


def delete_database(settings: Settings, slug: str) -> None:
    """Remove a database record with its collections and variables."""
    with session_scope(settings) as db:
        row = db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.slug == slug)).one_or_none()
        if row is None:
            raise HubError(f"No catalogue database {slug[:100]!r}.")
        db.delete(row)


def search(settings: Settings, query: str = "", filters: dict[str, str] | None = None,
           kinds: tuple[str, ...] = S.KINDS, limit: int = 20, offset: int = 0,
           lang: str = "fr") -> dict[str, Any]:
    """Search with facets; each hit names its database (and collection) for display.

    ``total`` counts the hits, a lower bound when ``total_exact`` is false (more than
    ``search.COUNT_LIMIT`` tables or variables match, or they were not counted because
    databases filled the page); ``databases`` is the number of databases found and the
    facets count databases (both exact).
    """
    with session_scope(settings) as db:
        result = S.search(db, query, filters, kinds, limit, offset)
        ids = {h["database_id"] for h in result.hits}
        dbs = {r.id: r for r in db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.id.in_(ids)))} if ids else {}
        cids = {h["collection_id"] for h in result.hits if h["collection_id"]}
        cols = {c.id: c for c in db.scalars(select(CatalogueCollection).where(
            CatalogueCollection.id.in_(cids)))} if cids else {}
        vids = {h["variable_id"] for h in result.hits if h["variable_id"]}
        vars_ = {v.id: v for v in db.scalars(select(CatalogueVariable).where(
            CatalogueVariable.id.in_(vids)))} if vids else {}
        hits = []
        for h in result.hits:
            d, c, v = dbs[h["database_id"]], cols.get(h["collection_id"]), vars_.get(
                h["variable_id"])
            hit = {"kind": h["kind"], "database": d.slug, "acronym": d.acronym,
                   "database_title": F.pick({"fr": d.title_fr, "en": d.title_en}, lang),
                   "collection": c.name if c else None, "variable": v.name if v else None}
            if v is not None:
                hit["title"] = F.pick({"fr": v.label_fr, "en": v.label_en}, lang) or v.name
            elif c is not None:
                hit["title"] = F.pick({"fr": c.title_fr, "en": c.title_en}, lang) or c.name
            else:
                hit["title"] = hit["database_title"]
            hits.append(hit)
    facets = {name: [{"value": value, "label": F.label(F.FACETS[name], value, lang),
                      "count": count} for value, count in values]
              for name, values in result.facets.items()}
    return {"query": query, "total": result.total, "total_exact": result.total_exact,
            "databases": result.databases, "hits": hits, "facets": facets,
            "filters": filters or {}, "offset": offset, "limit": limit,
            "page_window": S.PAGE_WINDOW}
