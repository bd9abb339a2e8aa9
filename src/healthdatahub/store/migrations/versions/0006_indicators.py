"""The indicators domain's tables: published results and guichet requests.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(none_as_null=True), nullable=False)


def upgrade() -> None:
    """Create the indicators tables."""
    op.create_table(
        "indicator_published",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permanent_id", sa.String(length=64), nullable=False),
        sa.Column("template", sa.String(length=50), nullable=False),
        _json("params"),
        sa.Column("phenotype", sa.String(length=50), nullable=False),
        sa.Column("phenotype_version", sa.String(length=20), nullable=False),
        sa.Column("data_version", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_published")),
        sa.UniqueConstraint("permanent_id", name=op.f("uq_indicator_published_permanent_id")),
    )
    op.create_index(op.f("ix_indicator_published_phenotype"), "indicator_published",
                    ["phenotype"])
    op.create_table(
        "indicator_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester", sa.String(length=300), nullable=False),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.Column("where", sa.String(length=300), nullable=False),
        sa.Column("when", sa.String(length=100), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=50), nullable=False),
        _json("params"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["result_id"], ["indicator_published.id"], ondelete="SET NULL",
                                name=op.f("fk_indicator_request_result_id_indicator_published")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_request")),
    )


def downgrade() -> None:
    """Drop the indicators tables."""
    op.drop_table("indicator_request")
    op.drop_index(op.f("ix_indicator_published_phenotype"), table_name="indicator_published")
    op.drop_table("indicator_published")
