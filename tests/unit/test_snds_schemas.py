"""The project's SNDS descriptors: well-formed, consistent, and faithful to the published schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from healthdatahub.errors import HubError
from healthdatahub.snds import schema
from healthdatahub.snds.schema import FIXES, JOIN_KEYS

# Each test module queries through its own connection, never DuckDB's process-wide default.
_DB = duckdb.connect()

SHARED = Path(__file__).parents[2].parent / "shared" / "snds-schema" / "schemas"
TABLES = schema.list_tables()
PATIENT_COLUMNS = {"BEN_NIR_PSA", "BEN_NIR_ANO", "BEN_IDT_ANO", "NIR_ANO_17", "BEN_RNG_GEM"}


def _published(table: str) -> dict:
    """The published descriptor of ``table`` from the shared reference folder."""
    paths = list(SHARED.rglob(f"{table}.json"))
    if not paths:
        pytest.skip(f"published schema for {table} not available")
    return json.loads(paths[0].read_text(encoding="utf-8"))


def test_expected_tables_are_described() -> None:
    expected = {"IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "ER_ETE_F", "IR_IMB_R", "KI_CCI_R",
                "T_MCOaaB", "T_MCOaaC", "T_MCOaaD", "T_MCOaaA"}
    assert expected <= set(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_descriptor_loads_and_keys_exist(table: str) -> None:
    descriptor = schema.load_schema(table)
    names = schema.field_names(table)
    assert descriptor["name"] == table
    assert 5 <= len(names) <= 35
    assert set(schema.primary_key(table)) <= set(names)
    for name in schema.primary_key(table):
        assert schema.table_schema(table).field(name).required


@pytest.mark.parametrize("table", TABLES)
def test_foreign_keys_point_to_existing_fields(table: str) -> None:
    names = set(schema.field_names(table))
    for fk in schema.foreign_keys(table):
        assert fk.resource in TABLES
        assert set(fk.fields) <= names
        assert set(fk.reference_fields) <= set(schema.field_names(fk.resource))
        assert len(fk.fields) == len(fk.reference_fields)
        for local, remote in zip(fk.fields, fk.reference_fields, strict=True):
            here = schema.table_schema(table).field(local)
            there = schema.table_schema(fk.resource).field(remote)
            assert here.type == there.type, (table, local, remote)


def test_nine_join_keys_are_er_prs_f_primary_key() -> None:
    assert schema.primary_key("ER_PRS_F") == list(JOIN_KEYS)
    prs = schema.table_schema("ER_PRS_F")
    for detail in ("ER_PHA_F", "ER_ETE_F"):
        (fk,) = schema.foreign_keys(detail)
        assert fk.resource == "ER_PRS_F"
        assert fk.fields == JOIN_KEYS == fk.reference_fields
        spec = schema.table_schema(detail)
        for key in JOIN_KEYS:
            assert spec.field(key) == prs.field(key)


@pytest.mark.parametrize("table", ["ER_PHA_F", "ER_ETE_F"])
def test_detail_tables_have_no_patient_column(table: str) -> None:
    assert not PATIENT_COLUMNS & set(schema.field_names(table))


def test_patient_and_stay_links() -> None:
    assert schema.primary_key("IR_BEN_R") == ["BEN_NIR_PSA", "BEN_RNG_GEM"]
    prs_links = {(fk.fields, fk.resource) for fk in schema.foreign_keys("ER_PRS_F")}
    assert (("BEN_NIR_PSA", "BEN_RNG_GEM"), "IR_BEN_R") in prs_links
    assert schema.primary_key("T_MCOaaB") == ["ETA_NUM", "RSA_NUM"]
    for table in ("T_MCOaaA", "T_MCOaaC", "T_MCOaaD"):
        links = {(fk.fields, fk.resource) for fk in schema.foreign_keys(table)}
        assert (("ETA_NUM", "RSA_NUM"), "T_MCOaaB") in links
    c_links = {(fk.fields, fk.resource, fk.reference_fields)
               for fk in schema.foreign_keys("T_MCOaaC")}
    assert (("NIR_ANO_17",), "IR_BEN_R", ("BEN_NIR_PSA",)) in c_links
    assert {fk.resource for fk in schema.foreign_keys("IR_IMB_R")} == {"IR_BEN_R"}
    assert "IR_BEN_R" in {fk.resource for fk in schema.foreign_keys("KI_CCI_R")}


def test_eta_num_and_rsa_num_are_strings_everywhere() -> None:
    for table in TABLES:
        spec = schema.table_schema(table)
        for name in ("ETA_NUM", "RSA_NUM"):
            if name in spec.field_names:
                assert spec.field(name).type == "string", table


def _documented(table: str, field: str) -> bool:
    if f"{table}.{field}" in FIXES or f"*.{field}" in FIXES:
        return True
    return table in FIXES and field in JOIN_KEYS


@pytest.mark.parametrize("table", TABLES)
def test_fields_exist_in_published_schema_with_same_type(table: str) -> None:
    published = {f["name"]: f for f in _published(table)["fields"]}
    for field in schema.load_schema(table)["fields"]:
        name = field["name"]
        assert name in published, f"{table}.{name} is not in the published schema"
        source = published[name]
        if field["description"] != source["description"].strip():
            assert _documented(table, name), f"undocumented description change {table}.{name}"
        if field["type"] != source["type"]:
            assert _documented(table, name), f"undocumented type change {table}.{name}"
        if field["type"] == "date" and field.get("format") != source.get("format"):
            assert source.get("format") == "default" and field["format"] == "%d/%m/%Y"
        if field["type"] == "string" and source.get("length", "").isdigit():
            max_length = field["constraints"]["maxLength"]
            if max_length != int(source["length"]):
                assert _documented(table, name), f"undocumented length change {table}.{name}"


@pytest.mark.parametrize("table", TABLES)
def test_published_constraints_kept_unless_documented(table: str) -> None:
    published = {f["name"]: f for f in _published(table)["fields"]}
    for field in schema.load_schema(table)["fields"]:
        source = published[field["name"]].get("constraints", {})
        ours = field.get("constraints", {})
        for key, value in source.items():
            if key == "description":
                assert field["note"] == value
            elif ours.get(key) != value:
                assert _documented(table, field["name"]), (table, field["name"], key)


def test_constraints_patterns() -> None:
    b = schema.table_schema("T_MCOaaB")
    eta = re.compile(b.field("ETA_NUM").constraints["pattern"])
    assert eta.fullmatch("750712184") and eta.fullmatch("2A0000017") and eta.fullmatch("010000024")
    assert not eta.fullmatch("75071218") and not eta.fullmatch("2C0000017")
    cim = re.compile(b.field("DGN_PAL").constraints["pattern"])
    assert all(cim.fullmatch(c) for c in ("I21", "I214", "E1190", "Z5100", "S062+0"))
    assert not cim.fullmatch("121") and not cim.fullmatch("I2")
    ccam = re.compile(schema.table_schema("T_MCOaaA").field("CDC_ACT").constraints["pattern"])
    assert ccam.fullmatch("AHQP001") and not ccam.fullmatch("AHQ001")
    ben = schema.table_schema("IR_BEN_R")
    assert ben.field("BEN_SEX_COD").constraints["enum"] == [0, 1, 2, 9]
    month = ben.field("BEN_NAI_MOI")
    assert (month.type, month.constraints["minimum"], month.constraints["maximum"]) == (
        "integer", 1, 12)


def test_yearly_pmsi_names_resolve() -> None:
    assert schema.load_schema("T_MCO23B") == schema.load_schema("T_MCOaaB")
    assert schema.resolve_table("T_MCO09D") == "T_MCOaaD"
    assert schema.primary_key("t_mco23c") == ["ETA_NUM", "RSA_NUM"]


def test_unknown_table_is_a_hub_error_listing_tables() -> None:
    with pytest.raises(HubError) as info:
        schema.load_schema("ER_XYZ_F")
    message = str(info.value)
    assert message.startswith("Unknown SNDS table 'ER_XYZ_F'; the known tables are ER_ETE_F,")
    assert "T_MCOaaB" in message and message.endswith(".")


def test_load_schema_returns_a_copy() -> None:
    descriptor = schema.load_schema("IR_BEN_R")
    descriptor["fields"].clear()
    assert schema.field_names("IR_BEN_R")[0] == "BEN_NIR_PSA"
    assert schema.load_schema("IR_BEN_R")["fields"]


def test_duckdb_types() -> None:
    expected = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "date": "DATE",
                "datetime": "TIMESTAMP", "year": "INTEGER", "boolean": "BOOLEAN"}
    for kind, sql in expected.items():
        assert schema.duckdb_type({"name": "X", "type": kind}) == sql
    assert schema.table_schema("ER_PHA_F").field("PHA_PRS_C13").duckdb_type == "BIGINT"
    with pytest.raises(HubError):
        schema.duckdb_type({"name": "X", "type": "geopoint"})


def test_date_formats_parse_with_duckdb() -> None:
    samples = {"%d/%m/%Y": "15/01/2023", "%d%m%Y": "15012023",
               "%d%b%Y:%H:%M:%S": "15JAN2023:00:00:00"}
    seen = set()
    for table in TABLES:
        for spec in schema.table_schema(table).fields:
            fmt = schema.strptime_format(spec)
            if fmt is not None:
                seen.add(fmt)
                value = _DB.sql(f"SELECT strptime('{samples[fmt]}', '{fmt}')").fetchall()[0][0]
                assert (value.year, value.month, value.day) == (2023, 1, 15)
    assert seen == set(samples)
