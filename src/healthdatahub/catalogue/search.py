"""Full-text search across databases, collections and variables, with facets.

One interface, two back-ends: SQLite FTS5 on the embedded default, PostgreSQL full-text
(``to_tsvector('simple', body)`` with a GIN index) in production. Both index the same
normalised text (lower case, accents removed, one space between ``[a-z0-9]`` words) and
receive the same query (each query word is a phrase of its tokens, its last token a
prefix, all words required), so they return the same hits in the same order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue.mesh import fold
from healthdatahub.errors import HubError
from healthdatahub.store.models_catalogue import CatalogueDatabase, CatalogueSearch

KINDS = ("database", "collection", "variable")
MAX_WORDS = 12
_WORD = re.compile(r"[a-z0-9]+")
FTS_DDL = (
    ("CREATE VIRTUAL TABLE catalogue_fts USING fts5(body, content='catalogue_search', "
     "content_rowid='id', tokenize='unicode61')"),
    ("CREATE TRIGGER catalogue_search_ai AFTER INSERT ON catalogue_search BEGIN "
     "INSERT INTO catalogue_fts(rowid, body) VALUES (new.id, new.body); END"),
    ("CREATE TRIGGER catalogue_search_ad AFTER DELETE ON catalogue_search BEGIN "
     "INSERT INTO catalogue_fts(catalogue_fts, rowid, body) VALUES ('delete', old.id, old.body);"
     " END"),
    "INSERT INTO catalogue_fts(catalogue_fts) VALUES ('rebuild')",
)


def normalise(*parts: Any) -> str:
    """The indexed form of some text: folded words joined by single spaces."""
    return " ".join(_WORD.findall(fold(" ".join(str(p) for p in parts if p))))


def ensure_index(db: Session) -> None:
    """Create SQLite's FTS5 table and triggers when missing (PostgreSQL: the migration's)."""
    conn = db.connection()
    if conn.dialect.name != "sqlite":
        return
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'catalogue_fts'").first()
    if found is None:
        for statement in FTS_DDL:
            conn.exec_driver_sql(statement)


def _documents(row: CatalogueDatabase) -> list[dict[str, Any]]:
    facets = {"speciality": row.speciality, "theme": row.theme, "publisher": row.publisher,
              "access_rights": row.access_rights, "languages": row.languages}
    mesh = [m.get("label", "") for m in row.mesh or []]
    vocab = [F.label(F.SPECIALITIES, row.speciality, lang) for lang in F.LANGS]
    docs = [{"kind": "database", "collection_id": None, "variable_id": None,
             "sort_key": normalise(row.acronym)[:300], "coding_system": "",
             "body": normalise(row.acronym, row.title_fr, row.title_en, row.description_fr,
                               row.description_en, row.publisher, *row.keywords, *mesh,
                               *vocab), **facets}]
    for c in row.collections:
        docs.append({"kind": "collection", "collection_id": c.id, "variable_id": None,
                     "sort_key": normalise(c.name)[:300], "coding_system": "",
                     "body": normalise(c.name, c.title_fr, c.title_en, c.description_fr,
                                       c.description_en), **facets})
        for v in c.variables:
            docs.append({"kind": "variable", "collection_id": c.id, "variable_id": v.id,
                         "sort_key": normalise(v.name)[:300], "coding_system": v.coding_system,
                         "body": normalise(v.name, v.label_fr, v.label_en, v.description_fr,
                                           v.description_en, v.coding_system), **facets})
    return docs


def reindex(db: Session, row: CatalogueDatabase) -> int:
    """Replace the search documents of one database; returns how many were written."""
    ensure_index(db)
    db.execute(delete(CatalogueSearch).where(CatalogueSearch.database_id == row.id))
    docs = [{**d, "database_id": row.id} for d in _documents(row)]
    if docs:
        db.execute(insert(CatalogueSearch), docs)
    return len(docs)


def _query_words(query: str) -> list[list[str]]:
    words = [_WORD.findall(fold(w)) for w in query.split()]
    words = [w for w in words if w][:MAX_WORDS]
    return words


def _match(dialect: str, words: list[list[str]]) -> tuple[str, dict[str, str]]:
    if not words:
        return "s.kind = 'database'", {}
    if dialect == "sqlite":
        expr = " AND ".join('"' + " ".join(tokens) + '"*' for tokens in words)
        return ("s.id IN (SELECT rowid FROM catalogue_fts WHERE catalogue_fts MATCH :q)",
                {"q": expr})
    expr = " & ".join("(" + " <-> ".join(tokens) + ":*)" for tokens in words)
    return "to_tsvector('simple', s.body) @@ to_tsquery('simple', :q)", {"q": expr}


def _counts(db: Session, clause: str, params: dict[str, Any]
            ) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """The total and every facet's counts from one pass over the matching documents.

    One grouped query instead of one per facet: each costs a visit of every match, which
    dominates the search time when a common word matches a large part of the catalogue.
    """
    columns = ", ".join(f"s.{facet}" for facet in F.FACETS)
    rows = db.execute(text(f"SELECT {columns}, count(*) FROM catalogue_search s "
                           f"WHERE {clause} GROUP BY {columns}"), params).all()
    tallies: dict[str, dict[str, int]] = {facet: {} for facet in F.FACETS}
    for row in rows:
        count = row[-1]
        for facet, value in zip(F.FACETS, row[:-1], strict=False):
            if value:
                tallies[facet][value] = tallies[facet].get(value, 0) + count
    facets = {facet: sorted(values.items(), key=lambda item: (-item[1], item[0]))
              for facet, values in tallies.items()}
    return sum(row[-1] for row in rows), facets


@dataclass
class SearchResult:
    """Hits (kind, ids), their total, and facet counts over all matching documents."""

    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def search(db: Session, query: str = "", filters: dict[str, str] | None = None,
           kinds: tuple[str, ...] = KINDS, limit: int = 20, offset: int = 0) -> SearchResult:
    """Search the catalogue: words in ``query`` (all required), facet ``filters``."""
    ensure_index(db)
    filters = {k: v for k, v in (filters or {}).items() if v}
    unknown = set(filters) - set(F.FACETS)
    if unknown:
        raise HubError(f"Unknown search facets {sorted(unknown)}; use {sorted(F.FACETS)}.")
    if set(kinds) - set(KINDS) or not kinds:
        raise HubError(f"Search kinds must be among {KINDS}.")
    words = _query_words(query)
    dialect = db.connection().dialect.name
    match, params = _match(dialect, words)
    where = [match]
    if set(kinds) != set(KINDS):
        # SQLite would walk the (kind, sort_key) index and test every entry against the
        # full-text match; ``+`` keeps it driving from the match instead.
        column = "+s.kind" if words and dialect == "sqlite" else "s.kind"
        where.append(f"{column} IN (" + ", ".join(f"'{k}'" for k in kinds) + ")")
    for i, (facet, value) in enumerate(sorted(filters.items())):
        where.append(f"s.{facet} = :f{i}")
        params[f"f{i}"] = value[:300]
    clause = " AND ".join(where)
    exact = " ".join(token for tokens in words for token in tokens)
    total, facets = _counts(db, clause, params)
    rows = db.execute(text(
        "SELECT s.kind, s.database_id, s.collection_id, s.variable_id FROM catalogue_search s "
        f"WHERE {clause} ORDER BY CASE WHEN s.sort_key = :exact THEN 0 "
        "ELSE 1 END, CASE s.kind WHEN 'database' THEN 0 WHEN 'collection' THEN 1 ELSE 2 END, "
        "s.sort_key, s.id LIMIT :limit OFFSET :offset"),
        {**params, "exact": exact, "limit": max(1, min(limit, 200)),
         "offset": max(0, offset)}).all()
    hits = [{"kind": r[0], "database_id": r[1], "collection_id": r[2], "variable_id": r[3]}
            for r in rows]
    return SearchResult(total, hits, facets)
