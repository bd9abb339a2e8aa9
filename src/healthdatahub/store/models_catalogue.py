"""Metadata-store tables of the catalogue: database > collection (table) > variable, and search.

Human-readable fields come in French and English (``*_fr`` / ``*_en``). The many
descriptive fields of the national catalogue that are neither searched nor faceted live in
``details`` (a JSON object, see ``catalogue.fields``). ``catalogue_search`` holds one
document per table and variable (normalised text plus the facet values) and
``catalogue_search_database`` one row per database (all its words and facet values), for
full-text search (``catalogue.search_index``): on PostgreSQL GIN indexes; on SQLite FTS5
tables kept in step by triggers, created by ``catalogue.search_index.ensure_index`` (not by
the migrations, so the migrations==models comparison stays exact).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthdatahub.store.models import Base
from healthdatahub.store.types import PortableJSON, utcnow


class CatalogueDatabase(Base):
    """A database (DCAT dataset) of the catalogue, with the national catalogue's fields."""

    __tablename__ = "catalogue_database"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(300), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    acronym: Mapped[str] = mapped_column(String(100))
    title_fr: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str] = mapped_column(String(500), default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    doi: Mapped[str | None] = mapped_column(String(200))
    speciality: Mapped[str] = mapped_column(String(100), default="")
    theme: Mapped[str] = mapped_column(String(100), default="")
    publisher: Mapped[str] = mapped_column(String(300), default="")
    access_rights: Mapped[str] = mapped_column(String(30), default="NON_PUBLIC")
    languages: Mapped[str] = mapped_column(String(50), default="fr")
    keywords: Mapped[list[Any]] = mapped_column(PortableJSON, default=list)
    mesh: Mapped[list[Any]] = mapped_column(PortableJSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(30), default="portal")
    harvested_from: Mapped[str | None] = mapped_column(String(1000))
    #: The data holder who created the record in the portal (users are never deleted once
    #: active, so no foreign key); operators edit every record, data holders their own.
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    collections: Mapped[list[CatalogueCollection]] = relationship(
        back_populates="database", cascade="all, delete-orphan",
        order_by="CatalogueCollection.position")


class CatalogueCollection(Base):
    """A collection (table) of a database: title, description, size and time coverage."""

    __tablename__ = "catalogue_collection"
    __table_args__ = (UniqueConstraint("database_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    database_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_database.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    title_fr: Mapped[str] = mapped_column(String(500), default="")
    title_en: Mapped[str] = mapped_column(String(500), default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    time_min: Mapped[str | None] = mapped_column(String(40))
    time_max: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    database: Mapped[CatalogueDatabase] = relationship(back_populates="collections")
    variables: Mapped[list[CatalogueVariable]] = relationship(
        back_populates="collection", cascade="all, delete-orphan",
        order_by="CatalogueVariable.position")


class CatalogueVariable(Base):
    """A variable (column): label, type, unit, coding system and non-identifying statistics."""

    __tablename__ = "catalogue_variable"
    __table_args__ = (UniqueConstraint("collection_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_collection.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    label_fr: Mapped[str] = mapped_column(String(500), default="")
    label_en: Mapped[str] = mapped_column(String(500), default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(30), default="string")
    unit: Mapped[str] = mapped_column(String(50), default="")
    coding_system: Mapped[str] = mapped_column(String(50), default="")
    nullable: Mapped[bool] = mapped_column(Boolean, default=True)
    identifying: Mapped[bool] = mapped_column(Boolean, default=False)
    null_rate: Mapped[float | None] = mapped_column(Float)
    distinct_count: Mapped[int | None] = mapped_column(BigInteger)
    min_value: Mapped[str | None] = mapped_column(String(100))
    max_value: Mapped[str | None] = mapped_column(String(100))

    collection: Mapped[CatalogueCollection] = relationship(back_populates="variables")


class _DatabaseFacets:
    """The facet values of a database, copied on its search rows."""

    speciality: Mapped[str] = mapped_column(String(100), default="")
    theme: Mapped[str] = mapped_column(String(100), default="")
    publisher: Mapped[str] = mapped_column(String(300), default="")
    access_rights: Mapped[str] = mapped_column(String(30), default="")
    languages: Mapped[str] = mapped_column(String(50), default="")


class CatalogueSearch(_DatabaseFacets, Base):
    """One search document per table or variable: normalised text, its database's facets."""

    __tablename__ = "catalogue_search"
    __table_args__ = (
        Index("ix_catalogue_search_body_tsv",
              func.to_tsvector(literal_column("'simple'"), literal_column("body")),
              postgresql_using="gin"),
        Index("ix_catalogue_search_kind_sort_key", "kind", "sort_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    database_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_database.id", ondelete="CASCADE"), index=True)
    collection_id: Mapped[int | None] = mapped_column(Integer)
    variable_id: Mapped[int | None] = mapped_column(Integer)
    sort_key: Mapped[str] = mapped_column(String(300))
    coding_system: Mapped[str] = mapped_column(String(50), default="")
    body: Mapped[str] = mapped_column(Text)


class CatalogueSearchDatabase(_DatabaseFacets, Base):
    """One search row per database: its name and facet values (small rows, read by the
    thousand for counts); its words are in ``catalogue_search_words``."""

    __tablename__ = "catalogue_search_database"
    __table_args__ = (Index("ix_catalogue_search_database_sort_key", "sort_key"),)

    database_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_database.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    sort_key: Mapped[str] = mapped_column(String(300))
    #: The coding systems of its variables, ``|CIM-10|CCAM|`` (empty: none).
    coding_systems: Mapped[str] = mapped_column(Text, default="")


class CatalogueSearchWords(Base):
    """Every word of a database's record, tables and variables (``catalogue.search_index``).

    On PostgreSQL the GIN index is over ``catalogue_words(words)`` (migration 0009), the
    words as a tsvector, declared costly so that the planner reads the index.
    """

    __tablename__ = "catalogue_search_words"
    __table_args__ = (
        Index("ix_catalogue_search_words_words", func.catalogue_words(literal_column("words")),
              postgresql_using="gin"),
    )

    database_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_database.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    words: Mapped[str] = mapped_column(Text)
