"""The omop domain's tables: OMOP CDM builds.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the omop tables (filled in by the omop work)."""


def downgrade() -> None:
    """Drop the omop tables."""
