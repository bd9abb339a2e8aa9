"""Metadata-store tables of the ingest domain: dataset policies and landed tables with statistics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthdatahub.store.models import Base
from healthdatahub.store.types import utcnow


class IngestPolicy(Base):
    """How a dataset's deliveries are judged: reject on any error, or quarantine below a rate."""

    __tablename__ = "ingest_policy"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    policy: Mapped[str] = mapped_column(String(20), default="reject")
    max_error_rate: Mapped[float] = mapped_column(Float, default=0.0)
    schema_source: Mapped[str] = mapped_column(String(1000), default="snds")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LandedTable(Base):
    """One table of a landed dataset version: where it is, how many rows, what period."""

    __tablename__ = "landed_table"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    descriptor: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(1000))
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected_count: Mapped[int] = mapped_column(BigInteger, default=0)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    time_column: Mapped[str | None] = mapped_column(String(100))
    time_min: Mapped[str | None] = mapped_column(String(40))
    time_max: Mapped[str | None] = mapped_column(String(40))

    columns: Mapped[list[LandedColumn]] = relationship(
        back_populates="table", cascade="all, delete-orphan", order_by="LandedColumn.position"
    )


class LandedColumn(Base):
    """One column of a landed table with its type and null rate (min/max for dates and numbers)."""

    __tablename__ = "landed_column"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(
        ForeignKey("landed_table.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(30))
    null_count: Mapped[int] = mapped_column(BigInteger, default=0)
    null_rate: Mapped[float] = mapped_column(Float, default=0.0)
    min_value: Mapped[str | None] = mapped_column(String(100))
    max_value: Mapped[str | None] = mapped_column(String(100))

    table: Mapped[LandedTable] = relationship(back_populates="columns")
