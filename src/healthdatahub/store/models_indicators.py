"""Metadata-store tables of the indicators domain: published results and guichet requests.

No patient row is ever stored here: a published indicator row holds what produced the
result (template, parameters, phenotype version, data version) and where its files are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from healthdatahub.store.models import Base
from healthdatahub.store.types import utcnow

#: Request states, in order (``refused`` ends a request, with its reason).
REQUEST_STATES = ("submitted", "accepted", "refused", "published")


class PublishedIndicator(Base):
    """A protected indicator published as open data under its permanent id."""

    __tablename__ = "indicator_published"

    id: Mapped[int] = mapped_column(primary_key=True)
    permanent_id: Mapped[str] = mapped_column(String(64), unique=True)
    template: Mapped[str] = mapped_column(String(50))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    phenotype: Mapped[str] = mapped_column(String(50), index=True)
    phenotype_version: Mapped[str] = mapped_column(String(20))
    data_version: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndicatorRequest(Base):
    """A guichet request: who asks what, where, when and why, and what became of it."""

    __tablename__ = "indicator_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester: Mapped[str] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(String(300))
    where: Mapped[str] = mapped_column(String(300), default="")
    when: Mapped[str] = mapped_column(String(100), default="")
    why: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str] = mapped_column(String(50), default="prevalence")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    result_id: Mapped[int | None] = mapped_column(
        ForeignKey("indicator_published.id", ondelete="SET NULL"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
