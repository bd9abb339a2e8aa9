"""CDM 5.4 DDL generated from the specification: DuckDB, Spark and PostgreSQL.

Every dialect gets the tables with their primary keys (Spark has no constraints: the keys are
written as comments there); PostgreSQL also gets the foreign keys, added after loading as the
OHDSI DDL does, so a bulk load does not pay for them row by row.
"""

from __future__ import annotations

import re

from healthdatahub.errors import HubError
from healthdatahub.omop import cdm

DIALECTS = ("duckdb", "spark", "postgresql")
_VARCHAR = re.compile(r"varchar\((\d+|max)\)")


def column_type(field: cdm.Field, dialect: str) -> str:
    """The SQL type of a CDM field in ``dialect``."""
    dt = field.datatype
    if dt == "integer":
        return "BIGINT"
    if dt == "float":
        return {"postgresql": "NUMERIC", "spark": "DOUBLE"}.get(dialect, "DOUBLE")
    if dt == "date":
        return "DATE"
    if dt == "datetime":
        return "TIMESTAMP"
    match = _VARCHAR.fullmatch(dt)
    if match is None:
        raise HubError(f"Unknown CDM datatype {dt!r} for {field.table}.{field.name}.")
    if dialect == "spark":
        return "STRING"
    size = match.group(1)
    return "TEXT" if size == "max" else f"VARCHAR({size})"


def _check(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise HubError(f"Unknown DDL dialect {dialect!r}; use one of {', '.join(DIALECTS)}.")
    return dialect


def create_table(table: str, dialect: str, schema: str | None = None) -> str:
    """``CREATE TABLE`` for one CDM table with its primary key."""
    _check(dialect)
    name = f"{schema}.{table}" if schema else table
    lines = []
    for f in cdm.table_fields(table):
        null = " NOT NULL" if f.required and dialect != "spark" else ""
        lines.append(f"  {f.name} {column_type(f, dialect)}{null}")
    pk = cdm.primary_key(table)
    if pk and dialect != "spark":
        lines.append(f"  PRIMARY KEY ({pk})")
    body = ",\n".join(lines)
    suffix = " USING PARQUET" if dialect == "spark" else ""
    comment = f"-- primary key: {pk}\n" if pk and dialect == "spark" else ""
    return f"{comment}CREATE TABLE IF NOT EXISTS {name} (\n{body}\n){suffix}"


def foreign_keys(table: str, schema: str | None = None,
                 tables: set[str] | None = None) -> list[str]:
    """PostgreSQL ``ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`` for one table's references."""
    name = f"{schema}.{table}" if schema else table
    out = []
    for f in cdm.table_fields(table):
        if not f.fk_table or not f.fk_field:
            continue
        if tables is not None and f.fk_table not in tables:
            continue
        target = f"{schema}.{f.fk_table}" if schema else f.fk_table
        constraint = f"fpk_{table}_{f.name}"[:63]
        out.append(f"ALTER TABLE {name} ADD CONSTRAINT {constraint} FOREIGN KEY ({f.name}) "
                   f"REFERENCES {target} ({f.fk_field})")
    return out


def ddl(dialect: str, tables: list[str] | None = None, schema: str | None = None) -> list[str]:
    """Every statement creating ``tables`` (default: all CDM tables) in ``dialect``."""
    chosen = list(tables or cdm.tables())
    statements = [create_table(t, dialect, schema) for t in chosen]
    if dialect == "postgresql":
        for t in chosen:
            statements.extend(foreign_keys(t, schema, set(chosen)))
    return statements


def ddl_script(dialect: str, tables: list[str] | None = None, schema: str | None = None) -> str:
    """The DDL as one script (statements separated by ``;``)."""
    return ";\n\n".join(ddl(dialect, tables, schema)) + ";\n"
