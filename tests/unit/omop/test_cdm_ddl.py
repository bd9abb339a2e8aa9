"""The CDM copy agrees with the reference; the DDL runs on DuckDB; the fixture loads."""

from __future__ import annotations

from pathlib import Path

import duckdb

from healthdatahub.omop import cdm, ddl
from healthdatahub.omop.etl import hid

# Each test module queries through its own connection, never DuckDB's process-wide default.
_DB = duckdb.connect()

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "omop"


def test_spec_copy_matches_shared() -> None:
    ours = Path(cdm.__file__).parent / "spec" / "OMOP_CDMv5.4_Field_Level.csv"
    ref = SHARED / "OMOP_CDMv5.4_Field_Level.csv"
    if ref.is_file():
        assert ours.read_bytes() == ref.read_bytes()
    assert len(cdm.tables()) == 39 and cdm.primary_key("person") == "person_id"


def test_duckdb_ddl_creates_every_table() -> None:
    con = duckdb.connect()
    for statement in ddl.ddl("duckdb"):
        con.execute(statement)
    assert len(con.execute("SHOW TABLES").fetchall()) == 39


def test_postgres_ddl_has_keys_and_foreign_keys() -> None:
    script = ddl.ddl_script("postgresql")
    assert "PRIMARY KEY (person_id)" in script
    assert "REFERENCES person (person_id)" in script and "NOT NULL" in script
    assert "PRIMARY KEY" not in ddl.create_table("person", "spark")


def test_hid_is_sha256_prefix() -> None:
    import hashlib

    value = _DB.sql("SELECT " + hid("'ABC|1'", "P")).fetchall()[0][0]
    assert value == int(hashlib.sha256(b"P|ABC|1").hexdigest()[:15], 16) > 0
