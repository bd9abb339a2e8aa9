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
  as a prefix. Tables and variables are each counted up to ``COUNT_LIMIT``, and not at
  all when databases and exact names fill the page; then the total is a lower bound
  (``total_exact`` false, shown "at least …").

Hits: exact names first, then databases by name, then tables, then variables, each in the
order they were saved (a database's tables and variables together, as documented).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
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
#: Matching tables, and variables, are counted up to this many each; beyond, "at least".
COUNT_LIMIT = 100
#: Hits are paged within the first this many; deeper, the search must be narrowed.
PAGE_WINDOW = 1_000
__all__ = ["KINDS", "SearchResult", "normalise", "search"]


def _query_words(query: str) -> list[list[str]]:
    words = [WORD.findall(fold(w)) for w in query.split()]
    return [w for w in words if w][:MAX_WORDS]


def _match(dialect: str, words: list[list[str]]) -> tuple[str, dict[str, str]]:
    """FROM and WHERE over the documents (``catalogue_search s``) for the query's words.

    On SQLite the full-text match drives, in rowid order, so ``ORDER BY rowid LIMIT n``
    stops after ``n`` matches instead of visiting them all.
    """
    if dialect == "sqlite":
        expr = " AND ".join('"' + " ".join(tokens) + '"*' for tokens in words)
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
    return (("FROM catalogue_search_words w JOIN catalogue_search_database d "
             "ON d.database_id = w.database_id WHERE "
             "catalogue_words(w.words) @@ CAST(:dq AS tsquery)"),
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
    """Databases counted by facet value, from ``(facet column, value, count)`` rows."""
    tallies: dict[str, dict[str, int]] = {facet: {} for facet in F.FACETS}
    for column, value, count in rows:
        facet = "coding_system" if column == "coding_systems" else column
        for one in value.split("|") if facet == "coding_system" else [value]:
            if one:
                tallies[facet][one] = tallies[facet].get(one, 0) + count
    facets = {facet: sorted(values.items(), key=lambda item: (-item[1], item[0]))
              for facet, values in tallies.items()}
    return sum(count for column, _, count in rows if column == "speciality"), facets


@dataclass
class SearchResult:
    """Hits (kind, ids); their total (at least that many unless ``total_exact``); the number
    of databases found and their counts by facet value (both exact)."""

    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    total_exact: bool = True
    databases: int = 0


#: PostgreSQL planner settings while databases are searched (see ``_index_reads``).
_PG_SETTINGS = {"enable_seqscan": "off", "enable_indexscan": "off",
                "max_parallel_workers_per_gather": "0", "jit": "off"}


@contextmanager
def _index_reads(db: Session) -> Iterator[None]:
    """PostgreSQL reads full-text matches through the GIN indexes, in this transaction.

    For a word most databases hold, the planner estimates reading every row (or every row
    of the primary key) cheaper than the index and then builds 10,000 tsvectors (300–400
    ms, against 10–15 ms through the index, measured at 10,000 databases); sequential and
    plain index scans (and parallel workers, which cost more than they save on 10,000
    rows) are turned off around these queries only, so the bitmap scan of the GIN index is
    taken, and JIT compilation too (the disabled scans' nominal cost would trigger it: 180
    ms). The same for the documents' bounded counts and for reading a few matches: without
    fresh statistics (a store just loaded) the planner checked every row (400 ms for a word
    without hits at 30,000 documents). Not for many matches read in id order, which walks
    the primary key.
    """
    if db.connection().dialect.name != "postgresql":
        yield
        return
    names = list(_PG_SETTINGS)
    before = db.execute(text("SELECT " + ", ".join(
        f"current_setting('{n}')" for n in names))).one()
    db.execute(text("SELECT " + ", ".join(
        f"set_config('{n}', '{v}', true)" for n, v in _PG_SETTINGS.items())))
    try:
        yield
    finally:
        db.execute(text("SELECT " + ", ".join(
            f"set_config('{n}', :v{i}, true)" for i, n in enumerate(names))),
            {f"v{i}": value for i, value in enumerate(before)})


class _Query:
    """One search's SQL pieces, shared by its counts and its pages of hits."""

    def __init__(self, db: Session, words: list[list[str]], filters: dict[str, str]) -> None:
        self.db, self.words, self.filters = db, words, filters
        self.dialect = db.connection().dialect.name
        self.exact = " ".join(token for tokens in words for token in tokens)
        d_from, d_params = _database_match(self.dialect, words)
        d_where, d_filters = _filters("d", filters)
        self.d_sql, self.d_params = d_from + d_where, {**d_params, **d_filters}

    def _documents(self) -> tuple[str, dict[str, Any]]:
        s_from, s_params = _match(self.dialect, self.words)
        s_where, s_filters = _filters("s", self.filters)
        return s_from + s_where, {**s_params, **s_filters, "exact": self.exact}

    def databases(self, n: int) -> tuple[int, dict[str, list[tuple[str, int]]],
                                         list[tuple[bool, dict[str, Any]]]]:
        """How many databases match, how many per facet value, and the first ``n`` of them
        (exact acronym first, then by acronym): one statement, one pass over them."""
        columns = (*DATABASE_FACETS, "coding_systems")
        counts = " UNION ALL ".join(
            f"SELECT '{c}', {c}, count(*), CAST(NULL AS INTEGER) FROM m GROUP BY {c}"
            for c in columns)
        first = ("SELECT 'hit', sort_key, CASE WHEN sort_key = :exact THEN 0 ELSE 1 END, "
                 "database_id FROM (SELECT * FROM m ORDER BY CASE WHEN sort_key = :exact "
                 "THEN 0 ELSE 1 END, sort_key, database_id LIMIT :n) h")
        rows = self.db.execute(text(
            f"WITH m AS MATERIALIZED (SELECT d.database_id, d.sort_key, "
            f"{', '.join(f'd.{c}' for c in columns)} {self.d_sql}) {counts} UNION ALL {first}"),
            {**self.d_params, "exact": self.exact, "n": n}).all()
        hits = sorted((r[2], r[1], r[3]) for r in rows if r[0] == "hit")
        total, facets = _facets([r[:3] for r in rows if r[0] != "hit"])
        return total, facets, [(rank == 0, {"kind": "database", "database_id": key,
                                            "collection_id": None, "variable_id": None})
                               for rank, _, key in hits]

    def _kind(self) -> str:
        """The kind, as an expression no index serves: it is checked on each full-text
        match, never used to read all the documents of a kind (which both planners did
        without statistics, checking the match on every one)."""
        return "+s.kind" if self.dialect == "sqlite" else "(s.kind || '')"

    def count(self, kind: str) -> int:
        """Matching documents of one kind, counted up to ``COUNT_LIMIT + 1``."""
        sql, params = self._documents()
        return self.db.scalar(text(
            f"SELECT count(*) FROM (SELECT 1 {sql} AND {self._kind()} = '{kind}' "
            "LIMIT :bound) x"), {**params, "bound": COUNT_LIMIT + 1})

    def exact_hits(self, kinds: list[str], n: int) -> list[dict[str, Any]]:
        """Up to ``n`` documents of ``kinds`` named as the query (by kind, then order saved).

        No full-text check: a document's text starts with its name, so it matches.
        """
        s_where, s_filters = _filters("s", self.filters)
        return self._hits(f"FROM catalogue_search s WHERE s.kind IN "
                          f"({', '.join(repr(k) for k in kinds)}) AND s.sort_key = :exact"
                          f"{s_where} ORDER BY CASE s.kind WHEN 'collection' THEN 0 ELSE 1 "
                          "END, s.id", {**s_filters, "exact": self.exact}, n)

    def saved_order_hits(self, kind: str, n: int, few: bool) -> list[dict[str, Any]]:
        """Up to ``n`` documents of one kind, other than the exact names, in the order saved.

        ``few`` (at most ``COUNT_LIMIT`` match): all are read, then sorted; otherwise the
        first ones in id order (SQLite streams them from the full-text index; PostgreSQL
        walks the primary key, which finds ``n`` quickly when matches are many, and would
        check every row of the table when they are few).
        """
        sql, params = self._documents()
        plus = "+" if self.dialect == "sqlite" else ""
        where = f"{sql} AND {self._kind()} = '{kind}' AND {plus}s.sort_key <> :exact"
        if few:  # the inner LIMIT (no more rows than match) keeps the subquery apart
            return self._hits(f"FROM (SELECT s.* {where} LIMIT {COUNT_LIMIT + 1}) s "
                              "ORDER BY s.id", params, n)
        rowid = "catalogue_fts.rowid" if self.dialect == "sqlite" else "s.id"  # the same
        return self._hits(f"{where} ORDER BY {rowid}", params, n)

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
    if offset >= PAGE_WINDOW:
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
    limit = min(limit, PAGE_WINDOW - offset)  # a page ends where the paged results end
    q = _Query(db, _query_words(query), filters)
    wanted = offset + limit
    with _index_reads(db):
        databases, facets, found = q.databases(wanted)
    if "database" not in kinds:
        found = []
    doc_kinds = [k for k in ("collection", "variable") if k in kinds and q.words]
    if "coding_system" in filters and "collection" in doc_kinds:
        doc_kinds.remove("collection")  # only variables have a coding system
    exact_docs = q.exact_hits(doc_kinds, wanted) if doc_kinds else []
    hits = [h for is_exact, h in found if is_exact] + exact_docs
    hits += [h for is_exact, h in found if not is_exact]
    if len(hits) >= wanted:
        # The page is full with databases and exact names: tables and variables are not
        # counted (for common words that is what costs), so the total is a lower bound.
        shown = databases if "database" in kinds else 0
        return SearchResult(shown + len(exact_docs), hits[offset:wanted], facets,
                            not doc_kinds, databases)
    with _index_reads(db):
        counts = {kind: q.count(kind) for kind in doc_kinds}
    for kind in doc_kinds:
        if len(hits) >= wanted:
            break
        few = counts[kind] <= COUNT_LIMIT
        with _index_reads(db) if few else nullcontext():
            hits += q.saved_order_hits(kind, wanted - len(hits), few=few)
    total = (databases if "database" in kinds else 0) + sum(
        min(c, COUNT_LIMIT + 1) for c in counts.values())
    exact_total = all(c <= COUNT_LIMIT for c in counts.values())
    return SearchResult(total, hits[offset:wanted], facets, exact_total, databases)
