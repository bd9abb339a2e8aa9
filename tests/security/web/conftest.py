"""Fixtures of the portal's security tests: fast settings on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from healthdatahub.config import Settings
from healthdatahub.web.testing import client, fast


@pytest.fixture
def portal(store_settings: Settings) -> Settings:
    """Migrated store, cheap hashing, plain-HTTP cookies."""
    return fast(store_settings)


@pytest.fixture
def http(portal: Settings):
    """An in-process client of the portal."""
    with client(portal) as c:
        yield c
