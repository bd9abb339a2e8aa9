"""Metadata-store tables of the portal domain: portal (accounts, two-factor authentication, API tokens, invitations, audit trail)."""

from __future__ import annotations

from healthdatahub.store.models import Base  # noqa: F401  (tables register on Base.metadata)
