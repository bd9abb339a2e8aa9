"""Metadata-store tables of the omop domain: OMOP CDM builds."""

from __future__ import annotations

from healthdatahub.store.models import Base  # noqa: F401  (tables register on Base.metadata)
