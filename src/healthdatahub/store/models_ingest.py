"""Metadata-store tables of the ingest domain: ingestion (tables, columns and statistics of landed versions; dataset policies)."""

from __future__ import annotations

from healthdatahub.store.models import Base  # noqa: F401  (tables register on Base.metadata)
