"""Full-text search across databases, tables and variables, with facets of databases.

One interface, two back-ends: SQLite FTS5 on the embedded default, PostgreSQL full-text in
production, over the index of ``search_index`` (the same text, the same query semantics, so
the same answers). Each query word must match:

- a **database** when it is found anywhere in it (record, tables or variables): the query
  word's tokens joined by ``_`` as a prefix of one of the database's words. Databases are
  counted exactly (at most one row per database) and so are the facets: the number of
  *databases* per speciality, theme, publisher, access rights, language, and coding system
  of a variable.
- a **table or variable** document when it holds the word's tokens in a row, the last one
  as a prefix. They are counted up to ``COUNT_LIMIT`` each; beyond, the total is a lower
  bound (``total_exact`` false, shown "more than …").

Hits: exact names first, then databases, tables, variables, each by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue.mesh import fold
from healthdatahub.catalogue.search_index import (
    DATABASE_FACETS,
    WORD,
    ensure_index,
    normalise,
    query_word,
)
from healthdatahub.errors import HubError

KINDS = ("database", "collection", "variable")
MAX_WORDS = 12
#: Matching tables (and variables) are counted up to this many; beyond, "more than".
COUNT_LIMIT = 10_000
#: Hits are paged within the first this many; deeper, the search must be narrowed.
PAGE_WINDOW = 1_000
__all__ = ["KINDS", "SearchResult", "normalise", "search"]


def _query_words(query: str) -> list[list[str]]:
    words = [WORD.findall(fold(w)) for w in query.split()]
    return [w for w in words if w][:MAX_WORDS]


def _match(dialect: str, words: list[list[str]], walk: bool = False
           ) -> tuple[str, dict[str, str]]:
    """FROM and WHERE over the documents (``catalogue_search s``) for the query's words.

    SQLite: driven by the full-text match (``walk`` false: every match is visited), or by
    the documents' ``(kind, sort_key)`` index, each row checked against the match (``walk``:
    when matches are so many that the first by name come after few rows). PostgreSQL's
    planner makes that choice itself.
    """
    if dialect == "sqlite":
        expr = " AND ".join('"' + " ".join(tokens) + '"*' for tokens in words)
        if walk:
            return (("FROM catalogue_search s WHERE EXISTS (SELECT 1 FROM catalogue_fts "
                     "WHERE catalogue_fts MATCH :q AND catalogue_fts.rowid = s.id)"),
                    {"q": expr})
        return (("FROM catalogue_fts JOIN catalogue_search s ON s.id = catalogue_fts.rowid "
                 "WHERE catalogue_fts MATCH :q"), {"q": expr})
    expr = " & ".join("(" + " <-> ".join(tokens) + ":*)" for tokens in words)
    return (("FROM catalogue_search s WHERE to_tsvector('simple', s.body) @@ "
             "to_tsquery('simple', :q)"), {"q": expr})


def _database_match(dialect: str, words: list[list[str]]) -> tuple[str, dict[str, str]]:
    """FROM and WHERE over ``catalogue_search_database d`` for the query's words."""
    if not words:
        return "FROM catalogue_search_database d WHERE 1 = 1", {}
    forms = [query_word(tokens) for tokens in words]
    if dialect == "sqlite":
        return (("FROM catalogue_database_fts JOIN catalogue_search_database d "
                 "ON d.database_id = catalogue_database_fts.rowid "
                 "WHERE catalogue_database_fts MATCH :dq"),
                {"dq": " AND ".join(f'"{w}"*' for w in forms)})
    return (("FROM catalogue_search_database d WHERE "
             "array_to_tsvector(string_to_array(d.words, ' ')) @@ CAST(:dq AS tsquery)"),
            {"dq": " & ".join(f"'{w}':*" for w in forms)})


def _filters(alias: str, filters: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Facet conditions on databases (``d``) or documents (``s``)."""
    where, params = [], {}
    for i, (facet, value) in enumerate(sorted(filters.items())):
        value = value[:300]
        if alias == "d" and facet == "coding_system":
            where.append(f"d.coding_systems LIKE :f{i} ESCAPE '\\'")
            value = "%|" + re.sub(r"([\\%_])", r"\\\1", value) + "|%"
        else:
            where.append(f"{alias}.{facet} = :f{i}")
        params[f"f{i}"] = value
    return "".join(f" AND {w}" for w in where), params


def _facets(rows: list[Any]) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """Databases counted by each facet's value, from rows grouped by the facet columns."""
    tallies: dict[str, dict[str, int]] = {facet: {} for facet in F.FACETS}
    for row in rows:
        count = row[-1]
        values = dict(zip(DATABASE_FACETS, row[:-2], strict=True))
        values_of = {facet: [v] for facet, v in values.items()}
        values_of["coding_system"] = [s for s in row[-2].split("|") if s]
        for facet, found in values_of.items():
            for value in found:
                if value:
                    tallies[facet][value] = tallies[facet].get(value, 0) + count
    facets = {facet: sorted(values.items(), key=lambda item: (-item[1], item[0]))
              for facet, values in tallies.items()}
    return sum(row[-1] for row in rows), facets


@dataclass
class SearchResult:
    """Hits (kind, ids); their total (a lower bound unless ``total_exact``); the number of
    databases found and their counts by facet value (both exact)."""

    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    total_exact: bool = True
    databases: int = 0


class _Query:
    """One search's SQL pieces, shared by its counts and its pages of hits."""

    def __init__(self, db: Session, words: list[list[str]], filters: dict[str, str]) -> None:
        self.db, self.words, self.filters = db, words, filters
        self.dialect = db.connection().dialect.name
        self.exact = " ".join(token for tokens in words for token in tokens)
        d_from, d_params = _database_match(self.dialect, words)
        d_where, d_filters = _filters("d", filters)
        self.d_sql, self.d_params = d_from + d_where, {**d_params, **d_filters}

    def _documents(self, walk: bool) -> tuple[str, dict[str, Any]]:
        s_from, s_params = _match(self.dialect, self.words, walk)
        s_where, s_filters = _filters("s", self.filters)
        return s_from + s_where, {**s_params, **s_filters, "exact": self.exact}

    def databases(self) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        columns = ", ".join(f"d.{c}" for c in (*DATABASE_FACETS, "coding_systems"))
        rows = self.db.execute(text(f"SELECT {columns}, count(*) {self.d_sql} "
                                    f"GROUP BY {columns}"), self.d_params).all()
        return _facets(rows)

    def database_hits(self, n: int) -> list[tuple[bool, dict[str, Any]]]:
        rows = self.db.execute(text(
            f"SELECT d.database_id, d.sort_key = :exact {self.d_sql} ORDER BY CASE WHEN "
            "d.sort_key = :exact THEN 0 ELSE 1 END, d.sort_key, d.database_id LIMIT :n"),
            {**self.d_params, "exact": self.exact, "n": n}).all()
        return [(bool(r[1]), {"kind": "database", "database_id": r[0], "collection_id": None,
                              "variable_id": None}) for r in rows]

    def count(self, kind: str) -> int:
        """Matching documents of one kind, counted up to ``COUNT_LIMIT + 1``."""
        sql, params = self._documents(walk=False)
        return self.db.scalar(text(
            f"SELECT count(*) FROM (SELECT 1 {sql} AND {self._plus(False)}s.kind = :kind "
            "LIMIT :bound) x"), {**params, "kind": kind, "bound": COUNT_LIMIT + 1})

    def _plus(self, walk: bool) -> str:
        """SQLite's ``+`` keeping a match-driven plan off the ``(kind, sort_key)`` index."""
        return "+" if self.dialect == "sqlite" and not walk else ""

    def exact_hits(self, kinds: list[str], n: int) -> list[dict[str, Any]]:
        """Up to ``n`` documents of ``kinds`` whose name is the query (by kind, then id)."""
        sql, params = self._documents(walk=True)
        return self._hits(f"{sql} AND s.kind IN ({', '.join(repr(k) for k in kinds)}) "
                          "AND s.sort_key = :exact ORDER BY CASE s.kind WHEN 'collection' "
                          "THEN 0 ELSE 1 END, s.id", params, n)

    def named_hits(self, kind: str, n: int, walk: bool) -> list[dict[str, Any]]:
        """Up to ``n`` documents of one kind, other than the exact names, by name."""
        sql, params = self._documents(walk)
        plus = self._plus(walk)
        return self._hits(f"{sql} AND {plus}s.kind = '{kind}' AND {plus}s.sort_key <> :exact "
                          "ORDER BY s.sort_key, s.id", params, n)

    def _hits(self, sql: str, params: dict[str, Any], n: int) -> list[dict[str, Any]]:
        rows = self.db.execute(text(
            f"SELECT s.kind, s.database_id, s.collection_id, s.variable_id {sql} LIMIT :n"),
            {**params, "n": n}).all()
        return [{"kind": r[0], "database_id": r[1], "collection_id": r[2], "variable_id": r[3]}
                for r in rows]


def _check(filters: dict[str, str], kinds: tuple[str, ...], limit: int, offset: int) -> None:
    unknown = set(filters) - set(F.FACETS)
    if unknown:
        raise HubError(f"Unknown search facets {sorted(unknown)}; use {sorted(F.FACETS)}.")
    if set(kinds) - set(KINDS) or not kinds:
        raise HubError(f"Search kinds must be among {KINDS}.")
    if offset + limit > PAGE_WINDOW:
        raise HubError(f"Only the first {PAGE_WINDOW:,} results are paged; add words or "
                       "choose a facet to narrow the search.")


def search(db: Session, query: str = "", filters: dict[str, str] | None = None,
           kinds: tuple[str, ...] = KINDS, limit: int = 20, offset: int = 0) -> SearchResult:
    """Search the catalogue: words in ``query`` (all required), facet ``filters``.

    Without words, the databases are listed (filtered by the facets).
    """
    ensure_index(db)
    filters = {k: v for k, v in (filters or {}).items() if v}
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    _check(filters, kinds, limit, offset)
    q = _Query(db, _query_words(query), filters)
    databases, facets = q.databases()
    wanted = offset + limit
    found = q.database_hits(wanted) if "database" in kinds else []
    doc_kinds = [k for k in ("collection", "variable") if k in kinds and q.words]
    counts = {kind: q.count(kind) for kind in doc_kinds}
    hits = [h for is_exact, h in found if is_exact]
    hits += q.exact_hits(doc_kinds, wanted) if doc_kinds else []
    hits += [h for is_exact, h in found if not is_exact]
    for kind in doc_kinds:
        if len(hits) >= wanted:
            break
        hits += q.named_hits(kind, wanted - len(hits), walk=counts[kind] > COUNT_LIMIT)
    total = (databases if "database" in kinds else 0) + sum(
        min(c, COUNT_LIMIT) for c in counts.values())
    exact_total = all(c <= COUNT_LIMIT for c in counts.values())
    return SearchResult(total, hits[offset:wanted], facets, exact_total, databases)
