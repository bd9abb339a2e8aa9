"""Metadata-store tables of the indicators domain: phenotype algorithms, indicator runs, guichet requests, published results."""

from __future__ import annotations

from healthdatahub.store.models import Base  # noqa: F401  (tables register on Base.metadata)
