"""Catalogue records as plain dicts, checked, and saved to / read from the metadata store.

A record: ``identifier``, ``slug``, ``acronym``, ``title``/``description`` (``{"fr", "en"}``),
``doi``, facet values (``speciality``, ``theme``, ``publisher``, ``access_rights``,
``languages``), ``keywords``, ``mesh`` (``[{"id", "label"}]``), ``details`` and
``collections`` (each with ``variables``), as in ``catalogue.fields``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue.variables import TYPES, is_identifying, shows_range
from healthdatahub.errors import HubError
from healthdatahub.store.models_catalogue import (
    CatalogueCollection,
    CatalogueDatabase,
    CatalogueVariable,
)
from healthdatahub.store.types import utcnow

MAX_TEXT = 20000


def _short(value: Any, limit: int, what: str) -> str:
    value = "" if value is None else str(value).strip()
    if len(value) > limit:
        raise HubError(f"{what} is longer than {limit} characters.")
    return value


def _bilingual(value: Any, limit: int, what: str) -> dict[str, str]:
    return {lang: _short(v, limit, f"{what} ({lang})") for lang, v in F.text(value).items()}


def check_variable(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """A variable dict with defaults, or a HubError naming ``where``."""
    name = _short(raw.get("name"), 100, f"{where}: variable name")
    if not name:
        raise HubError(f"{where}: a variable has no name.")
    type_ = raw.get("type") or "string"
    if type_ not in TYPES:
        raise HubError(f"{where}.{name}: unknown type {str(type_)[:30]!r}.")
    system = _short(raw.get("coding_system"), 50, f"{where}.{name}: coding system")
    texts = F.text(raw.get("label")) | {"d": F.pick(F.text(raw.get("description")), "fr")}
    identifying = bool(raw.get("identifying")) or is_identifying(
        name, " ".join(texts.values()), system)
    ranged = shows_range(type_, identifying)
    return {
        "name": name, "label": _bilingual(raw.get("label"), 500, f"{where}.{name} label"),
        "description": _bilingual(raw.get("description"), MAX_TEXT, f"{where}.{name}"),
        "type": type_, "unit": _short(raw.get("unit"), 50, f"{where}.{name}: unit"),
        "coding_system": system, "nullable": bool(raw.get("nullable", True)),
        "identifying": identifying, "null_rate": raw.get("null_rate"),
        "distinct_count": raw.get("distinct_count"),
        "min_value": _short(raw.get("min_value"), 100, "min") or None if ranged else None,
        "max_value": _short(raw.get("max_value"), 100, "max") or None if ranged else None,
    }


def check_collection(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """A collection dict with its checked variables (names unique)."""
    name = _short(raw.get("name"), 100, f"{where}: collection name")
    if not name:
        raise HubError(f"{where}: a collection has no name.")
    variables = [check_variable(v, f"{where}/{name}") for v in raw.get("variables", [])]
    names = [v["name"] for v in variables]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise HubError(f"{where}/{name}: duplicate variable names {duplicates}.")
    return {"name": name, "title": _bilingual(raw.get("title"), 500, f"{where}/{name} title"),
            "description": _bilingual(raw.get("description"), MAX_TEXT, f"{where}/{name}"),
            "row_count": raw.get("row_count"), "time_min": raw.get("time_min"),
            "time_max": raw.get("time_max"), "details": dict(raw.get("details") or {}),
            "variables": variables}


def _details(raw: dict[str, Any], where: str) -> dict[str, Any]:
    details = {}
    for key, value in (raw or {}).items():
        if key not in F.DETAIL_KEYS:
            raise HubError(f"{where}: unknown field {str(key)[:40]!r}.")
        if key in F.TEXT_DETAILS:
            details[key] = _bilingual(value, MAX_TEXT, f"{where} {key}")
        elif key in F.INT_DETAILS:
            if value not in (None, ""):
                if not str(value).isdigit():
                    raise HubError(f"{where}: {key} must be a whole number.")
                details[key] = int(value)
        elif value not in (None, ""):
            details[key] = _short(value, 1000, f"{where} {key}")
    return details


def check_record(raw: dict[str, Any]) -> dict[str, Any]:
    """A complete, checked database record (HubError on the first problem)."""
    acronym = _short(raw.get("acronym"), 100, "acronym")
    slug = raw.get("slug") or (F.slugify(acronym) if acronym else "")
    if not F.SLUG.match(slug or "") or slug in F.RESERVED_SLUGS:
        raise HubError(f"Invalid slug {str(slug)[:40]!r}: lower-case letters, digits, hyphens.")
    where = f"Record {slug}"
    title = _bilingual(raw.get("title"), 500, f"{where} title")
    if not (title["fr"] or title["en"]):
        raise HubError(f"{where} has no title.")
    collections = [check_collection(c, where) for c in raw.get("collections", [])]
    names = [c["name"] for c in collections]
    if len(set(names)) != len(names):
        raise HubError(f"{where}: duplicate collection names.")
    access = raw.get("access_rights") or "NON_PUBLIC"
    if access not in F.ACCESS_RIGHTS:
        raise HubError(f"{where}: access rights must be one of {sorted(F.ACCESS_RIGHTS)}.")
    languages = raw.get("languages") or ["fr"]
    languages = languages.split(",") if isinstance(languages, str) else list(languages)
    return {
        "identifier": _short(raw.get("identifier") or slug, 300, "identifier"), "slug": slug,
        "acronym": acronym or slug.upper(), "title": title,
        "description": _bilingual(raw.get("description"), MAX_TEXT, f"{where} description"),
        "doi": _short(raw.get("doi"), 200, "DOI") or None,
        "speciality": _short(raw.get("speciality"), 100, "speciality"),
        "theme": _short(raw.get("theme"), 100, "theme") or "OTHER",
        "publisher": _short(raw.get("publisher"), 300, "publisher"), "access_rights": access,
        "languages": sorted({_short(x, 5, "language") for x in languages if x}),
        "keywords": sorted({_short(k, 200, "keyword") for k in raw.get("keywords", []) if k}),
        "mesh": sorted(({"id": _short(m.get("id"), 20, "MeSH id"), "label": _short(
            m.get("label"), 300, "MeSH label")} for m in raw.get("mesh", [])),
            key=lambda m: m["id"]),
        "details": {"spatial": "FRA", **_details(raw.get("details") or {}, where)},
        "collections": collections, "source": raw.get("source") or "portal",
        "harvested_from": raw.get("harvested_from"),
    }


def _fill_database(row: CatalogueDatabase, record: dict[str, Any]) -> None:
    for key in ("identifier", "slug", "acronym", "doi", "speciality", "theme", "publisher",
                "access_rights", "keywords", "mesh", "details", "source", "harvested_from"):
        setattr(row, key, record[key])
    row.languages = ",".join(record["languages"])
    for lang in F.LANGS:
        setattr(row, f"title_{lang}", record["title"][lang])
        setattr(row, f"description_{lang}", record["description"][lang])
    row.updated_at = utcnow()


def _collection_row(position: int, c: dict[str, Any]) -> CatalogueCollection:
    row = CatalogueCollection(position=position, name=c["name"], row_count=c["row_count"],
                              time_min=c["time_min"], time_max=c["time_max"],
                              details=c["details"])
    for lang in F.LANGS:
        setattr(row, f"title_{lang}", c["title"][lang])
        setattr(row, f"description_{lang}", c["description"][lang])
    for i, v in enumerate(c["variables"]):
        var = CatalogueVariable(position=i, **{k: v[k] for k in (
            "name", "type", "unit", "coding_system", "nullable", "identifying", "null_rate",
            "distinct_count", "min_value", "max_value")})
        for lang in F.LANGS:
            setattr(var, f"label_{lang}", v["label"][lang])
            setattr(var, f"description_{lang}", v["description"][lang])
        row.variables.append(var)
    return row


def save(db: Session, record: dict[str, Any], replace_collections: bool = True
         ) -> CatalogueDatabase:
    """Insert or update a checked record by its identifier (slug clashes refused)."""
    row = db.scalars(select(CatalogueDatabase).where(
        CatalogueDatabase.identifier == record["identifier"])).one_or_none()
    clash = db.scalars(select(CatalogueDatabase).where(
        CatalogueDatabase.slug == record["slug"])).one_or_none()
    if clash is not None and clash is not row:
        raise HubError(f"Another record already uses the slug {record['slug']!r}.")
    if row is None:
        row = CatalogueDatabase(owner_id=record.get("owner_id"))
        db.add(row)
    _fill_database(row, record)
    if replace_collections:
        row.collections.clear()
        db.flush()
        for i, c in enumerate(record["collections"]):
            row.collections.append(_collection_row(i, c))
    db.flush()
    from healthdatahub.catalogue.search_index import reindex

    reindex(db, row)
    return row


def variable_dict(v: CatalogueVariable) -> dict[str, Any]:
    """A variable row as a record dict (a range only where it may be shown)."""
    ranged = shows_range(v.type, v.identifying)
    return {"name": v.name, "label": {"fr": v.label_fr, "en": v.label_en},
            "description": {"fr": v.description_fr, "en": v.description_en}, "type": v.type,
            "unit": v.unit, "coding_system": v.coding_system, "nullable": v.nullable,
            "identifying": v.identifying, "null_rate": v.null_rate,
            "distinct_count": v.distinct_count,
            "min_value": v.min_value if ranged else None,
            "max_value": v.max_value if ranged else None}


def collection_dict(c: CatalogueCollection, variables: bool = True) -> dict[str, Any]:
    """A collection row as a record dict."""
    out = {"name": c.name, "title": {"fr": c.title_fr, "en": c.title_en},
           "description": {"fr": c.description_fr, "en": c.description_en},
           "row_count": c.row_count, "time_min": c.time_min, "time_max": c.time_max,
           "details": dict(c.details or {}), "variable_count": len(c.variables)}
    if variables:
        out["variables"] = [variable_dict(v) for v in c.variables]
    return out


def to_dict(row: CatalogueDatabase, collections: bool = True) -> dict[str, Any]:
    """A database row as a record dict."""
    out = {"identifier": row.identifier, "slug": row.slug, "acronym": row.acronym,
           "title": {"fr": row.title_fr, "en": row.title_en},
           "description": {"fr": row.description_fr, "en": row.description_en},
           "doi": row.doi, "speciality": row.speciality, "theme": row.theme,
           "publisher": row.publisher, "access_rights": row.access_rights,
           "languages": [x for x in row.languages.split(",") if x],
           "keywords": list(row.keywords or []), "mesh": list(row.mesh or []),
           "details": dict(row.details or {}), "source": row.source,
           "harvested_from": row.harvested_from,
           "created_at": row.created_at.isoformat() if row.created_at else None,
           "updated_at": row.updated_at.isoformat() if row.updated_at else None}
    out["collections"] = [collection_dict(c, variables=collections) for c in row.collections]
    return out
