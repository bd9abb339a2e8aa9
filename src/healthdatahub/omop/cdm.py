"""The OMOP CDM 5.4 specification (the package's copy of OHDSI's Field_Level.csv), loaded once.

``spec/OMOP_CDMv5.4_Field_Level.csv`` and ``spec/OMOP_CDMv5.4_Table_Level.csv`` are verbatim
copies of OHDSI CommonDataModel's specification (Apache-2.0, ``spec/LICENSE.txt``); the unit
tests check them against ``../shared/omop``. Table and field names are lower case, as in the spec.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from healthdatahub.errors import HubError

#: Vocabulary tables (loaded by ``hdh omop vocab load``, not produced by the ETL).
VOCABULARY_TABLES: tuple[str, ...] = (
    "concept", "vocabulary", "domain", "concept_class", "concept_relationship", "relationship",
    "concept_synonym", "concept_ancestor", "source_to_concept_map", "drug_strength",
)


@dataclass(frozen=True)
class Field:
    """One CDM field as the specification defines it."""

    table: str
    name: str
    datatype: str
    required: bool
    primary_key: bool
    fk_table: str | None
    fk_field: str | None
    fk_domain: str | None


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("healthdatahub.omop").joinpath("spec", name).read_text("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _none(value: str) -> str | None:
    return None if value in ("", "NA") else value


@cache
def fields() -> tuple[Field, ...]:
    """Every field of every CDM 5.4 table, in specification order."""
    out = []
    for row in _read("OMOP_CDMv5.4_Field_Level.csv"):
        fk = row["isForeignKey"] == "Yes"
        out.append(Field(
            table=row["cdmTableName"].lower(), name=row["cdmFieldName"].lower(),
            datatype=row["cdmDatatype"].lower(), required=row["isRequired"] == "Yes",
            primary_key=row["isPrimaryKey"] == "Yes",
            fk_table=_none(row["fkTableName"]).lower() if fk and _none(row["fkTableName"]) else None,
            fk_field=_none(row["fkFieldName"]).lower() if fk and _none(row["fkFieldName"]) else None,
            fk_domain=_none(row["fkDomain"]) if fk else None,
        ))
    return tuple(out)


@cache
def tables() -> tuple[str, ...]:
    """The CDM table names, in specification order."""
    return tuple(dict.fromkeys(f.table for f in fields()))


def table_fields(table: str) -> tuple[Field, ...]:
    """The fields of one CDM table, in order; HubError for an unknown table."""
    found = tuple(f for f in fields() if f.table == table.lower())
    if not found:
        raise HubError(f"{table!r} is not an OMOP CDM 5.4 table.")
    return found


def column_names(table: str) -> list[str]:
    """The column names of one CDM table, in order."""
    return [f.name for f in table_fields(table)]


def primary_key(table: str) -> str | None:
    """The primary key column of a table (None for tables without one)."""
    return next((f.name for f in table_fields(table) if f.primary_key), None)


def duckdb_type(field: Field) -> str:
    """The DuckDB type of a CDM field (the types DuckDB and Spark both read from Parquet)."""
    dt = field.datatype
    if dt == "integer":
        # ids and concept ids in this hub are 63-bit (hash-derived ids, local concepts ≥ 2e9)
        return "BIGINT"
    if dt == "float":
        return "DOUBLE"
    if dt == "date":
        return "DATE"
    if dt == "datetime":
        return "TIMESTAMP"
    return "VARCHAR"


def select_list(table: str, alias: str | None = None) -> str:
    """``CAST(col AS type) AS col, ...`` for every column of ``table`` (fixes Parquet types)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(
        f"CAST({prefix}{f.name} AS {duckdb_type(f)}) AS {f.name}" for f in table_fields(table)
    )
