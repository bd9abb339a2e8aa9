"""``hdh omop export --postgres URL``: the CDM's Parquet into PostgreSQL with DDL and constraints.

Tables are created from the specification's DDL (primary keys, NOT NULL), each table is
streamed as CSV written by the engine and fed to ``COPY … FROM STDIN`` in blocks (no Python
loop over rows), then the foreign keys are added and validated, as the OHDSI DDL does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from healthdatahub.engine import Engine
from healthdatahub.errors import HubError
from healthdatahub.omop import cdm, ddl

BLOCK = 1 << 20


def _connect(url: str) -> Any:
    import psycopg

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise HubError(f"--postgres wants a postgresql:// URL, not {parsed.drivername}.")
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return psycopg.connect(conninfo)
    except psycopg.Error as exc:
        raise HubError(f"Cannot connect to PostgreSQL at {parsed.host}: "
                       f"{str(exc).splitlines()[0]}.") from None


def export_postgres(engine: Engine, tables: list[str], url: str,
                    schema: str | None = None, step: Any = None) -> dict[str, int]:
    """Create the CDM tables in PostgreSQL, load every registered table, add the foreign keys."""
    import psycopg

    chosen = [t for t in cdm.tables() if t in set(tables)]
    counts: dict[str, int] = {}
    with _connect(url) as conn, tempfile.TemporaryDirectory(prefix="hdh-omop-") as tmp:
        with conn.cursor() as cur:
            if schema:
                cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            for statement in ddl.ddl("postgresql", chosen, schema):
                if not statement.startswith("ALTER"):
                    cur.execute(statement)
            for table in chosen:
                if step:
                    step(table)
                cols = cdm.column_names(table)
                target = Path(tmp) / f"{table}.csv"
                engine.execute(f"COPY (SELECT {', '.join(cols)} FROM {table}) TO '{target}' "
                               "(FORMAT csv, HEADER false)") if engine.name == "duckdb" else None
                if engine.name != "duckdb":
                    raise HubError("The PostgreSQL export runs on the DuckDB engine.")
                name = f'"{schema}".{table}' if schema else table
                with target.open("rb") as fh, cur.copy(
                        f"COPY {name} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv)") as copy:
                    while block := fh.read(BLOCK):
                        copy.write(block)
                counts[table] = max(cur.rowcount, 0)
            try:
                for statement in ddl.ddl("postgresql", chosen, schema):
                    if statement.startswith("ALTER"):
                        cur.execute(statement)
            except psycopg.Error as exc:
                raise HubError("A CDM foreign key does not hold in PostgreSQL: "
                               f"{str(exc).splitlines()[0]}.") from None
        conn.commit()
    return counts
