"""The ingest domain's tables: ingestion (tables, columns and statistics of landed versions; dataset policies).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the ingest tables (filled in by the ingest work)."""


def downgrade() -> None:
    """Drop the ingest tables."""
