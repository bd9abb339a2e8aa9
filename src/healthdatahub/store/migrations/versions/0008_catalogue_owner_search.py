"""Catalogue records get an owner (the data holder who created them in the portal), and
the search documents an index by kind and name (browsing and facet-only searches).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``catalogue_database.owner_id`` (a user id, null for seeded and harvested records)."""
    op.add_column("catalogue_database", sa.Column("owner_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_catalogue_database_owner_id"), "catalogue_database", ["owner_id"])
    op.create_index("ix_catalogue_search_kind_sort_key", "catalogue_search",
                    ["kind", "sort_key"])


def downgrade() -> None:
    """Drop the index and the owner column (SQLite 3.35+ drops a column in place)."""
    op.drop_index("ix_catalogue_search_kind_sort_key", table_name="catalogue_search")
    op.drop_index(op.f("ix_catalogue_database_owner_id"), table_name="catalogue_database")
    op.drop_column("catalogue_database", "owner_id")
