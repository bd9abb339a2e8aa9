"""The ingest domain's tables: ingestion (tables, columns and statistics of landed versions; dataset policies).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the ingest tables."""
    op.create_table(
        "ingest_policy",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=20), nullable=False),
        sa.Column("max_error_rate", sa.Float(), nullable=False),
        sa.Column("schema_source", sa.String(length=1000), nullable=False),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="CASCADE",
                                name=op.f("fk_ingest_policy_dataset_id_dataset")),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_ingest_policy")),
    )
    op.create_table(
        "landed_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("descriptor", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("rejected_count", sa.BigInteger(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("time_column", sa.String(length=100), nullable=True),
        sa.Column("time_min", sa.String(length=40), nullable=True),
        sa.Column("time_max", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["dataset_version.id"], ondelete="CASCADE",
                                name=op.f("fk_landed_table_version_id_dataset_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landed_table")),
        sa.UniqueConstraint("version_id", "name", name=op.f("uq_landed_table_version_id_name")),
    )
    op.create_index(op.f("ix_landed_table_version_id"), "landed_table", ["version_id"])
    op.create_table(
        "landed_column",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("null_count", sa.BigInteger(), nullable=False),
        sa.Column("null_rate", sa.Float(), nullable=False),
        sa.Column("min_value", sa.String(length=100), nullable=True),
        sa.Column("max_value", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["table_id"], ["landed_table.id"], ondelete="CASCADE",
                                name=op.f("fk_landed_column_table_id_landed_table")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landed_column")),
    )
    op.create_index(op.f("ix_landed_column_table_id"), "landed_column", ["table_id"])


def downgrade() -> None:
    """Drop the ingest tables."""
    op.drop_index(op.f("ix_landed_column_table_id"), table_name="landed_column")
    op.drop_table("landed_column")
    op.drop_index(op.f("ix_landed_table_version_id"), table_name="landed_table")
    op.drop_table("landed_table")
    op.drop_table("ingest_policy")
