"""The metadata store on SQLite and PostgreSQL: migrations, constraints, types, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect, select, text
from sqlalchemy.exc import IntegrityError

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.store import (
    Base,
    Dataset,
    DatasetVersion,
    Ingestion,
    Job,
    Project,
    ProjectMember,
    User,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    make_engine,
    session_scope,
    upgrade,
    upgrade_store,
)


def _schema_diff(url: str, metadata: MetaData) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_upgrade_creates_exactly_the_models_schema(db_url: str) -> None:
    assert current_revision(db_url) is None
    assert upgrade(db_url) == head_revision()
    assert current_revision(db_url) == head_revision()
    assert upgrade(db_url) == head_revision()  # idempotent
    assert _schema_diff(db_url, Base.metadata) == []

    # The comparison is not vacuous: a column the migration lacks is reported.
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["job"].append_column(Column("extra", Integer))
    assert [d[0] for d in _schema_diff(db_url, changed)] == ["add_column"]


def test_downgrade_to_base_and_ensure_schema(db_url: str) -> None:
    upgrade(db_url)
    assert downgrade(db_url, "base") == "base"
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    assert ensure_schema(db_url) == head_revision()
    assert ensure_schema(db_url) == head_revision()


def test_upgrade_store_outcome_masks_the_password(settings: Settings) -> None:
    outcome = upgrade_store(settings)
    assert outcome.ok and outcome.details["revision"] == outcome.details["head"] == head_revision()
    assert outcome.details["previous"] is None and "migrated" in outcome.summary
    again = upgrade_store(settings)
    assert f"already at revision {head_revision()}" in again.summary
    with pytest.raises(HubError) as info:
        upgrade_store(Settings(database_url="postgresql+psycopg://u:s3cret@127.0.0.1:1/x"))
    assert "s3cret" not in str(info.value) and "***" in str(info.value)


def test_models_round_trip_with_constraints(store_settings: Settings) -> None:
    with session_scope(store_settings) as s:
        ds = Dataset(slug="dcir", title="DCIR claims")
        ds.versions.append(DatasetVersion(version="2024-01", path="lake/dcir/2024-01"))
        s.add(ds)
        user = User(email="a@example.org", display_name="A")
        project = Project(slug="p1", title="Project 1")
        project.members.append(ProjectMember(user=user, role="owner"))
        s.add(project)
    with session_scope(store_settings) as s:
        ds = s.scalars(select(Dataset).where(Dataset.slug == "dcir")).one()
        version = ds.versions[0]
        assert (version.version, version.status, ds.description) == ("2024-01", "pending", "")
        s.add(
            Ingestion(
                dataset=ds,
                version=version,
                state="succeeded",
                sources=["in/a.csv", "in/b.csv"],
                manifest={"in/a.csv": {"sha256": "ab" * 32, "bytes": 12}},
                counts={"rows": 10, "rejected": 1},
            )
        )
        member = s.scalars(select(ProjectMember)).one()
        assert (member.user.email, member.project.slug, member.user.is_active) == (
            "a@example.org",
            "p1",
            True,
        )
    with session_scope(store_settings) as s:
        ing = s.scalars(select(Ingestion)).one()
        assert ing.sources == ["in/a.csv", "in/b.csv"]
        assert ing.manifest["in/a.csv"]["bytes"] == 12
        assert ing.counts == {"rows": 10, "rejected": 1}

    with pytest.raises(IntegrityError), session_scope(store_settings) as s:
        s.add(DatasetVersion(dataset_id=1, version="2024-01"))
    with pytest.raises(IntegrityError), session_scope(store_settings) as s:
        s.add(DatasetVersion(dataset_id=999, version="x"))  # foreign keys on, SQLite too
    with pytest.raises(IntegrityError), session_scope(store_settings) as s:
        s.add(Job(kind="k", label="l", state="bogus"))
    with pytest.raises(IntegrityError), session_scope(store_settings) as s:
        s.add(User(email="a@example.org", display_name="twin"))

    with session_scope(store_settings) as s:  # deleting a dataset cascades in the database
        s.execute(text("DELETE FROM dataset"))
    with session_scope(store_settings) as s:
        assert s.scalars(select(DatasetVersion)).all() == []
        assert s.scalars(select(Ingestion)).all() == []


def test_timestamps_are_utc_aware_and_json_null_is_sql_null(store_settings: Settings) -> None:
    paris = timezone(timedelta(hours=2))
    moment = datetime(2024, 6, 1, 14, 30, tzinfo=paris)
    with session_scope(store_settings) as s:
        s.add(Job(kind="k", label="l", started_at=moment, params={"a": [1, 2]}, result=None))
    with session_scope(store_settings) as s:
        job = s.scalars(select(Job)).one()
        assert job.started_at == moment and job.started_at.tzinfo == UTC
        assert job.started_at.hour == 12
        assert job.created_at.tzinfo == UTC
        assert job.params == {"a": [1, 2]} and job.result is None
        assert s.scalar(select(Job.id).where(Job.result.is_(None))) == job.id
    with pytest.raises(Exception, match="naive datetime"), session_scope(store_settings) as s:
        s.add(Job(kind="k", label="l", started_at=datetime(2024, 1, 1)))


def test_sqlite_uses_wal_and_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'store.sqlite'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["not a url", "nosuchdb://x/y", "postgresql+psycopg://u:s3cret@127.0.0.1:1/nodb"],
)
def test_bad_or_unreachable_store_is_one_clear_sentence(url: str) -> None:
    with pytest.raises(HubError) as info:
        upgrade(url)
    message = str(info.value)
    assert "\n" not in message and "s3cret" not in message and "Traceback" not in message
    assert message.endswith(".")


def test_unmigrated_store_says_to_run_upgrade(settings: Settings) -> None:
    with pytest.raises(HubError, match="hdh db upgrade"), session_scope(settings) as s:
        s.scalars(select(Job)).all()
