"""Shared fixtures: a metadata store on SQLite and, when configured, on PostgreSQL.

``HDH_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
enables the PostgreSQL runs. Each test gets its own schema ``hdh_t_<uuid8>`` in that
database, so concurrent test runs sharing it never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from healthdatahub.config import Settings, get_settings, load_settings
from healthdatahub.store import dispose_engines, upgrade

PG_ENV = "HDH_TEST_DATABASE_URL"


def _pg_schema_url(base_url: str, schema: str) -> str:
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty (unmigrated) metadata store URL: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        dispose_engines()
        return
    base_url = os.environ.get(PG_ENV)
    if not base_url:
        pytest.skip(f"{PG_ENV} not set")
    schema = f"hdh_t_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _pg_schema_url(base_url, schema)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings with a data dir in tmp_path and the store at ``db_url`` (not migrated)."""
    get_settings.cache_clear()
    return load_settings(data_dir=tmp_path / "data", database_url=db_url)


@pytest.fixture
def store_settings(settings: Settings) -> Settings:
    """Like ``settings``, with the store migrated to the latest revision."""
    upgrade(settings.store_url)
    return settings
