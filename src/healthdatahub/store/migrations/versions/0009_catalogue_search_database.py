"""Search rows per database (every word of its record, tables and variables; its facets)
so that totals and facet counts are counts of databases, cheap for common words; the
database documents leave ``catalogue_search`` (which keeps tables and variables).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Existing catalogues are indexed here, 200 databases at a time, with the same function the
save path uses (``catalogue.search_index.database_rows``). On SQLite the FTS5 table over the
new rows is created on first use, like the documents' one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 200
#: A database's words as a tsvector (PostgreSQL). PL/pgSQL so that it is not inlined and its
#: cost is seen: with the built-in functions' nominal cost the planner rather evaluates the
#: condition on every row (400 ms for 10,000 databases) than read the GIN index (13 ms).
WORDS_FUNCTION = (
    "CREATE FUNCTION catalogue_words(words text) RETURNS tsvector LANGUAGE plpgsql "
    "IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS "
    "$$ BEGIN RETURN array_to_tsvector(string_to_array(words, ' ')); END $$")
_FACETS = sa.table("catalogue_search_database", *(sa.column(c) for c in (
    "database_id", "sort_key", "speciality", "theme", "publisher", "access_rights",
    "languages", "coding_systems")))
_WORDS = sa.table("catalogue_search_words", sa.column("database_id"), sa.column("words"))
_DOCS = sa.table("catalogue_search", *(sa.column(c) for c in (
    "kind", "database_id", "collection_id", "variable_id", "sort_key", "speciality", "theme",
    "publisher", "access_rights", "languages", "coding_system", "body")))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _databases(conn: sa.Connection) -> Any:
    """Each stored database's columns, with its tables' and variables' text, by chunk."""
    from healthdatahub.catalogue.search_index import (
        COLLECTION_TEXT,
        DATABASE_COLUMNS,
        VARIABLE_TEXT,
    )

    ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM catalogue_database ORDER BY id"))]
    for start in range(0, len(ids), CHUNK):
        low, high = ids[start], ids[min(start + CHUNK, len(ids)) - 1]
        bounds = {"low": low, "high": high}
        rows = conn.execute(sa.text(
            f"SELECT {', '.join(DATABASE_COLUMNS)} FROM catalogue_database "
            "WHERE id BETWEEN :low AND :high"), bounds).mappings().all()
        tables: dict[int, list[Any]] = {}
        for c in conn.execute(sa.text(
                f"SELECT database_id, {', '.join(COLLECTION_TEXT)} FROM catalogue_collection "
                "WHERE database_id BETWEEN :low AND :high"), bounds).mappings():
            tables.setdefault(c["database_id"], []).append(c)
        columns: dict[int, list[Any]] = {}
        for v in conn.execute(sa.text(
                "SELECT c.database_id, " + ", ".join(f"v.{k}" for k in VARIABLE_TEXT) +
                " FROM catalogue_variable v JOIN catalogue_collection c ON c.id = "
                "v.collection_id WHERE c.database_id BETWEEN :low AND :high"),
                bounds).mappings():
            columns.setdefault(v["database_id"], []).append(v)
        for d in rows:
            d = {**d, "keywords": _json(d["keywords"]), "mesh": _json(d["mesh"])}
            yield d, tables.get(d["id"], []), columns.get(d["id"], [])


def _database_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["database_id"], ["catalogue_database.id"],
                                   ondelete="CASCADE",
                                   name=op.f(f"fk_{table}_database_id_catalogue_database"))


def _insert(conn: sa.Connection, rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    if rows:
        conn.execute(sa.insert(_FACETS), [facets for facets, _ in rows])
        conn.execute(sa.insert(_WORDS), [words for _, words in rows])


def upgrade() -> None:
    """Create the per-database search tables, index every stored database, drop the
    database documents."""
    from healthdatahub.catalogue.search_index import database_rows

    op.create_table(
        "catalogue_search_database",
        sa.Column("database_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sort_key", sa.String(length=300), nullable=False),
        sa.Column("speciality", sa.String(length=100), nullable=False),
        sa.Column("theme", sa.String(length=100), nullable=False),
        sa.Column("publisher", sa.String(length=300), nullable=False),
        sa.Column("access_rights", sa.String(length=30), nullable=False),
        sa.Column("languages", sa.String(length=50), nullable=False),
        sa.Column("coding_systems", sa.Text(), nullable=False),
        _database_key("catalogue_search_database"),
        sa.PrimaryKeyConstraint("database_id", name=op.f("pk_catalogue_search_database")),
    )
    op.create_index("ix_catalogue_search_database_sort_key", "catalogue_search_database",
                    ["sort_key"])
    op.create_table(
        "catalogue_search_words",
        sa.Column("database_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        _database_key("catalogue_search_words"),
        sa.PrimaryKeyConstraint("database_id", name=op.f("pk_catalogue_search_words")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(WORDS_FUNCTION)
        op.execute("CREATE INDEX ix_catalogue_search_words_words ON catalogue_search_words "
                   "USING gin (catalogue_words(words))")
    conn = op.get_bind()
    batch = []
    for d, tables, columns in _databases(conn):
        batch.append(database_rows(d, tables, columns))
        if len(batch) == CHUNK:
            _insert(conn, batch)
            batch = []
    _insert(conn, batch)
    conn.execute(sa.text("DELETE FROM catalogue_search WHERE kind = 'database'"))


def downgrade() -> None:
    """Put the database documents back into ``catalogue_search``; drop the new table."""
    from healthdatahub.catalogue.search_index import DATABASE_FACETS, database_text, normalise

    conn = op.get_bind()
    for d, _, _ in _databases(conn):
        conn.execute(sa.insert(_DOCS), [{
            "kind": "database", "database_id": d["id"], "collection_id": None,
            "variable_id": None, "sort_key": normalise(d["acronym"])[:300],
            "coding_system": "", "body": normalise(*database_text(d)),
            **{k: d[k] or "" for k in DATABASE_FACETS}}])
    if conn.dialect.name == "sqlite":
        for statement in ("DROP TRIGGER IF EXISTS catalogue_search_words_ai",
                          "DROP TRIGGER IF EXISTS catalogue_search_words_ad",
                          "DROP TABLE IF EXISTS catalogue_database_fts"):
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_catalogue_search_words_words")
        op.execute("DROP FUNCTION IF EXISTS catalogue_words(text)")
    op.drop_table("catalogue_search_words")
    op.drop_index("ix_catalogue_search_database_sort_key",
                  table_name="catalogue_search_database")
    op.drop_table("catalogue_search_database")
