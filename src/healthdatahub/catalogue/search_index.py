"""The search index: what is written for each record, on both stores, when it is saved.

Two tables, kept in step by ``reindex`` (every save goes through ``records.save``):

- ``catalogue_search``: one document per table and per variable (normalised text and the
  facet values of its database): the table and variable hits, with phrase matching.
- ``catalogue_search_words``: one row per database, every word of its record, tables and
  variables, and ``catalogue_search_database``, its name and facet values (small rows):
  at most 10,000 rows for 10,000 databases, so the databases a common word finds are
  counted, and their facets too, without visiting the hundreds of thousands of documents
  it matches.

A *word* there is one whitespace-separated piece of text, its ``[a-z0-9]`` tokens joined
by ``_`` (``BEN_NAI_ANN`` → ``ben_nai_ann``), stored with each of its suffixes
(``nai_ann``, ``ann``), so a query word (its tokens joined the same way, as a prefix)
matches where the same tokens follow each other inside one word. Positions are not kept:
PostgreSQL's limits on them (16,383 positions, 256 per lexeme) would cut large databases.
On PostgreSQL GIN indexes serve both tables; on SQLite two FTS5 tables kept by triggers,
created by ``ensure_index`` (not by the migrations, whose schema must equal the models').
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue.mesh import fold
from healthdatahub.store.models_catalogue import (
    CatalogueDatabase,
    CatalogueSearch,
    CatalogueSearchDatabase,
    CatalogueSearchWords,
)

WORD = re.compile(r"[a-z0-9]+")
#: Tokens of one word that are indexed (longer runs, e.g. URLs, are cut).
MAX_WORD_TOKENS = 8
#: Characters of an indexed word (PostgreSQL refuses lexemes over 2 kB).
MAX_WORD_CHARS = 200
#: The facet columns a database row carries (``coding_systems`` apart).
DATABASE_FACETS = ("speciality", "theme", "publisher", "access_rights", "languages")
#: The record's own columns that ``database_row`` reads.
DATABASE_COLUMNS = ("id", "acronym", "title_fr", "title_en", "description_fr",
                    "description_en", "publisher", "keywords", "mesh", *DATABASE_FACETS)
COLLECTION_TEXT = ("name", "title_fr", "title_en", "description_fr", "description_en")
VARIABLE_TEXT = ("name", "label_fr", "label_en", "description_fr", "description_en",
                 "coding_system")
_FTS = (
    ("catalogue_fts",
     ("CREATE VIRTUAL TABLE catalogue_fts USING fts5(body, content='catalogue_search', "
      "content_rowid='id', tokenize='unicode61')"),
     "catalogue_search", "id", "body"),
    ("catalogue_database_fts",
     ("CREATE VIRTUAL TABLE catalogue_database_fts USING fts5(words, "
      "content='catalogue_search_words', content_rowid='database_id', "
      "tokenize=\"unicode61 tokenchars '_'\", detail=none)"),
     "catalogue_search_words", "database_id", "words"),
)


def normalise(*parts: Any) -> str:
    """The indexed form of a document: folded tokens joined by single spaces."""
    return " ".join(WORD.findall(fold(" ".join(str(p) for p in parts if p))))


def words_of(*parts: Any) -> set[str]:
    """The database-level words of some text: each word's tokens joined by ``_``, and suffixes."""
    found: set[str] = set()
    for piece in fold(" ".join(str(p) for p in parts if p)).split():
        tokens = WORD.findall(piece)[:MAX_WORD_TOKENS]
        found.update("_".join(tokens[i:])[:MAX_WORD_CHARS] for i in range(len(tokens)))
    return found


def query_word(tokens: list[str]) -> str:
    """A query word's form in the database-level index (matched as a prefix)."""
    return "_".join(tokens[:MAX_WORD_TOKENS])[:MAX_WORD_CHARS]


def database_text(d: Mapping[str, Any]) -> list[Any]:
    """The searchable text of a database record itself (not its tables)."""
    mesh = [m.get("label", "") for m in d["mesh"] or []]
    vocab = [F.label(F.SPECIALITIES, d["speciality"], lang) for lang in F.LANGS]
    return [d["acronym"], d["title_fr"], d["title_en"], d["description_fr"],
            d["description_en"], d["publisher"], *(d["keywords"] or []), *mesh, *vocab]


def database_rows(d: Mapping[str, Any], collections: Iterable[Mapping[str, Any]],
                  variables: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A database's ``catalogue_search_database`` and ``catalogue_search_words`` rows."""
    found = words_of(*database_text(d))
    for c in collections:
        found |= words_of(*(c[k] for k in COLLECTION_TEXT))
    systems: set[str] = set()
    for v in variables:
        found |= words_of(*(v[k] for k in VARIABLE_TEXT))
        if v["coding_system"]:
            systems.add(v["coding_system"])
    coded = "".join(f"|{s}" for s in sorted(systems)) + "|" if systems else ""
    return ({"database_id": d["id"], "sort_key": normalise(d["acronym"])[:300],
             "coding_systems": coded, **{k: d[k] or "" for k in DATABASE_FACETS}},
            {"database_id": d["id"], "words": " ".join(sorted(found))})


def _documents(row: CatalogueDatabase) -> list[dict[str, Any]]:
    facets = {k: getattr(row, k) for k in DATABASE_FACETS}
    docs = []
    for c in row.collections:
        docs.append({"kind": "collection", "collection_id": c.id, "variable_id": None,
                     "sort_key": normalise(c.name)[:300], "coding_system": "",
                     "body": normalise(*(getattr(c, k) for k in COLLECTION_TEXT)), **facets})
        for v in c.variables:
            docs.append({"kind": "variable", "collection_id": c.id, "variable_id": v.id,
                         "sort_key": normalise(v.name)[:300], "coding_system": v.coding_system,
                         "body": normalise(*(getattr(v, k) for k in VARIABLE_TEXT)), **facets})
    return docs


def _columns(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def reindex(db: Session, row: CatalogueDatabase) -> int:
    """Replace the search rows of one database; returns how many documents were written."""
    ensure_index(db)
    db.execute(delete(CatalogueSearch).where(CatalogueSearch.database_id == row.id))
    for model in (CatalogueSearchDatabase, CatalogueSearchWords):
        db.execute(delete(model).where(model.database_id == row.id))
    docs = [{**d, "database_id": row.id} for d in _documents(row)]
    if docs:
        db.execute(insert(CatalogueSearch), docs)
    facets, words = database_rows(
        _columns(row, DATABASE_COLUMNS),
        (_columns(c, COLLECTION_TEXT) for c in row.collections),
        (_columns(v, VARIABLE_TEXT) for c in row.collections for v in c.variables))
    db.execute(insert(CatalogueSearchDatabase), [facets])
    db.execute(insert(CatalogueSearchWords), [words])
    return len(docs)


def ensure_index(db: Session) -> None:
    """Create SQLite's FTS5 tables and triggers when missing (PostgreSQL: the migrations')."""
    conn = db.connection()
    if conn.dialect.name != "sqlite":
        return
    found = {r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
        "('catalogue_fts', 'catalogue_database_fts')")}
    for name, create, source, key, column in _FTS:
        if name in found:
            continue
        conn.exec_driver_sql(create)
        conn.exec_driver_sql(
            f"CREATE TRIGGER {source}_ai AFTER INSERT ON {source} BEGIN INSERT INTO "
            f"{name}(rowid, {column}) VALUES (new.{key}, new.{column}); END")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {source}_ad AFTER DELETE ON {source} BEGIN INSERT INTO "
            f"{name}({name}, rowid, {column}) VALUES ('delete', old.{key}, old.{column}); END")
        conn.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
