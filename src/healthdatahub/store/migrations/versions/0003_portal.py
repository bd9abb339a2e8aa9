"""The portal domain's tables: portal (accounts, two-factor authentication, API tokens, invitations, audit trail).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the portal tables (filled in by the portal work)."""


def downgrade() -> None:
    """Drop the portal tables."""
