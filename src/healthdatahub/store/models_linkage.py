"""Metadata-store tables of the linkage domain: linkage projects, holders, uploads in the vault, linkage runs.

No identity is ever stored here: an upload row holds the vault file's path, the data key
wrapped by the master key (NULL once crypto-erased), its state and counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from healthdatahub.store.models import Base
from healthdatahub.store.types import utcnow

#: Upload states, in order; ``failed`` when a run could not process it.
UPLOAD_STATES = ("uploaded", "checked", "pseudonymised", "linked", "delivered", "failed")


class LinkageProject(Base):
    """A linkage project: one mode, one or more data holders, its own pseudonym key."""

    __tablename__ = "linkage_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    mode: Mapped[str] = mapped_column(String(20))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), index=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkageHolder(Base):
    """A data holder of a linkage project (hospital, registry, cohort)."""

    __tablename__ = "linkage_holder"
    __table_args__ = (UniqueConstraint("project_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("linkage_project.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkageRun(Base):
    """One linkage run of a project (a job), with its parameters and counts."""

    __tablename__ = "linkage_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("linkage_project.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default="running")
    threshold: Mapped[float] = mapped_column(Float)
    margin: Mapped[float] = mapped_column(Float)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class LinkageUpload(Base):
    """A holder's uploaded table, sealed in the vault, and its progress through the linkage."""

    __tablename__ = "linkage_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("linkage_holder.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_run.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default="uploaded")
    vault_path: Mapped[str] = mapped_column(String(1000))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    uploaded_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]
