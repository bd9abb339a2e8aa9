"""The linkage domain's tables: linkage projects, holders, uploads in the vault, linkage runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the linkage tables (filled in by the linkage work)."""


def downgrade() -> None:
    """Drop the linkage tables."""
