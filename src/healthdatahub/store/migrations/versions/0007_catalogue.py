"""The catalogue's tables: databases, collections, variables and the search documents.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

On PostgreSQL a GIN index over ``to_tsvector('simple', body)`` serves full-text search. On
SQLite the FTS5 table is derived data created by ``catalogue.search.ensure_index`` (its shadow
tables would otherwise show as differences between the migrated schema and the models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_DROP = ("DROP TRIGGER IF EXISTS catalogue_search_ai", "DROP TRIGGER IF EXISTS catalogue_search_ad",
            "DROP TABLE IF EXISTS catalogue_fts")


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(none_as_null=True), nullable=False)


def _str(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{ref}"))


def upgrade() -> None:
    """Create the catalogue tables (and the PostgreSQL full-text index)."""
    op.create_table(
        "catalogue_database",
        sa.Column("id", sa.Integer(), nullable=False),
        _str("identifier", 300), _str("slug", 100), _str("acronym", 100),
        _str("title_fr", 500), _str("title_en", 500), _text("description_fr"),
        _text("description_en"), _str("doi", 200, nullable=True), _str("speciality", 100),
        _str("theme", 100), _str("publisher", 300), _str("access_rights", 30),
        _str("languages", 50), _json("keywords"), _json("mesh"), _json("details"),
        _str("source", 30), _str("harvested_from", 1000, nullable=True),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        _ts("created_at"), _ts("updated_at"),
        _fk("catalogue_database", "dataset_id", "dataset.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_database")),
        sa.UniqueConstraint("identifier", name=op.f("uq_catalogue_database_identifier")),
        sa.UniqueConstraint("slug", name=op.f("uq_catalogue_database_slug")),
    )
    op.create_index(op.f("ix_catalogue_database_dataset_id"), "catalogue_database",
                    ["dataset_id"])
    op.create_table(
        "catalogue_collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("database_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _str("name", 100), _str("title_fr", 500), _str("title_en", 500),
        _text("description_fr"), _text("description_en"),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        _str("time_min", 40, nullable=True), _str("time_max", 40, nullable=True),
        _json("details"),
        _fk("catalogue_collection", "database_id", "catalogue_database.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_collection")),
        sa.UniqueConstraint("database_id", "name",
                            name=op.f("uq_catalogue_collection_database_id_name")),
    )
    op.create_index(op.f("ix_catalogue_collection_database_id"), "catalogue_collection",
                    ["database_id"])
    op.create_table(
        "catalogue_variable",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _str("name", 100), _str("label_fr", 500), _str("label_en", 500),
        _text("description_fr"), _text("description_en"), _str("type", 30), _str("unit", 50),
        _str("coding_system", 50),
        sa.Column("nullable", sa.Boolean(), nullable=False),
        sa.Column("identifying", sa.Boolean(), nullable=False),
        sa.Column("null_rate", sa.Float(), nullable=True),
        sa.Column("distinct_count", sa.BigInteger(), nullable=True),
        _str("min_value", 100, nullable=True), _str("max_value", 100, nullable=True),
        _fk("catalogue_variable", "collection_id", "catalogue_collection.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_variable")),
        sa.UniqueConstraint("collection_id", "name",
                            name=op.f("uq_catalogue_variable_collection_id_name")),
    )
    op.create_index(op.f("ix_catalogue_variable_collection_id"), "catalogue_variable",
                    ["collection_id"])
    op.create_table(
        "catalogue_search",
        sa.Column("id", sa.Integer(), nullable=False),
        _str("kind", 20),
        sa.Column("database_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=True),
        sa.Column("variable_id", sa.Integer(), nullable=True),
        _str("sort_key", 300), _str("speciality", 100), _str("theme", 100),
        _str("publisher", 300), _str("access_rights", 30), _str("languages", 50),
        _str("coding_system", 50), _text("body"),
        _fk("catalogue_search", "database_id", "catalogue_database.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_search")),
    )
    op.create_index(op.f("ix_catalogue_search_database_id"), "catalogue_search",
                    ["database_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_catalogue_search_body_tsv ON catalogue_search "
                   "USING gin (to_tsvector('simple', body))")


def downgrade() -> None:
    """Drop the catalogue tables (and SQLite's FTS5 table if search created it)."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_DROP:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_catalogue_search_body_tsv")
    for table in ("catalogue_search", "catalogue_variable", "catalogue_collection",
                  "catalogue_database"):
        op.drop_table(table)
