"""Metadata-store tables of the linkage domain: linkage projects, holders, uploads in the vault, linkage runs."""

from __future__ import annotations

from healthdatahub.store.models import Base  # noqa: F401  (tables register on Base.metadata)
