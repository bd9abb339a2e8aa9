"""The linkage domain's tables: linkage projects, holders, uploads in the vault, linkage runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(none_as_null=True), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{ref}"))


def upgrade() -> None:
    """Create the linkage tables."""
    op.create_table(
        "linkage_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _ts("created_at"),
        _fk("linkage_project", "project_id", "project.id", "SET NULL"),
        _fk("linkage_project", "created_by", "user_account.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_project")),
        sa.UniqueConstraint("uid", name=op.f("uq_linkage_project_uid")),
        sa.UniqueConstraint("slug", name=op.f("uq_linkage_project_slug")),
    )
    op.create_index(op.f("ix_linkage_project_project_id"), "linkage_project", ["project_id"])
    op.create_table(
        "linkage_holder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        _fk("linkage_holder", "project_id", "linkage_project.id", "CASCADE"),
        _fk("linkage_holder", "user_id", "user_account.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_holder")),
        sa.UniqueConstraint("project_id", "slug", name=op.f("uq_linkage_holder_project_id_slug")),
    )
    op.create_index(op.f("ix_linkage_holder_project_id"), "linkage_holder", ["project_id"])
    op.create_index(op.f("ix_linkage_holder_user_id"), "linkage_holder", ["user_id"])
    op.create_table(
        "linkage_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("margin", sa.Float(), nullable=False),
        _json("counts"),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        _fk("linkage_run", "project_id", "linkage_project.id", "CASCADE"),
        _fk("linkage_run", "job_id", "job.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_run")),
    )
    op.create_index(op.f("ix_linkage_run_project_id"), "linkage_run", ["project_id"])
    op.create_table(
        "linkage_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("vault_path", sa.String(length=1000), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        _json("counts"),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("erased_at", nullable=True),
        _fk("linkage_upload", "holder_id", "linkage_holder.id", "CASCADE"),
        _fk("linkage_upload", "run_id", "linkage_run.id", "SET NULL"),
        _fk("linkage_upload", "uploaded_by", "user_account.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_upload")),
        sa.UniqueConstraint("uid", name=op.f("uq_linkage_upload_uid")),
    )
    op.create_index(op.f("ix_linkage_upload_holder_id"), "linkage_upload", ["holder_id"])


def downgrade() -> None:
    """Drop the linkage tables."""
    for table in ("linkage_upload", "linkage_run", "linkage_holder", "linkage_project"):
        op.drop_table(table)
