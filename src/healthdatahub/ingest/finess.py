"""FINESS suppression: no establishment of an SNDS extraction can be re-identified in a delivery.

The FINESS-bearing fields come from ``finess_fields.txt`` (a copy of the published SNDS
schema's list, 260 fields in 146 tables; ETA_NUM_RET is a return code, not an identifier, and
is left out); the list is kept here rather than as a property in the foundation's descriptors.
A field is FINESS-bearing when its (table, column) is listed, or its column name is listed for
any table (defensive: a FINESS column keeps its name across tables).

Each FINESS value is either removed (``mode="remove"``: the column is dropped) or replaced by a
per-project keyed pseudonym, HMAC-SHA-256 computed in SQL with a key derived from the master
key for that project, so the same establishment has the same pseudonym within a project and
unrelated ones across projects. Establishments with fewer than ``min_stays`` stays (rows of the
PMSI stay tables, or rows of the table itself elsewhere) share the pseudonym ``GROUPED``.
After writing, every delivered column is searched for every original FINESS value: any hit
fails the step and nothing is delivered.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from healthdatahub.engine import Engine
from healthdatahub.engine.base import sql_string
from healthdatahub.errors import HubError
from healthdatahub.ingest.checks import quote_ident, scalar
from healthdatahub.snds.schema import resolve_table

NOT_IDENTIFIERS = frozenset({"ETA_NUM_RET"})
GROUPED = "GROUPED"
STAY_TABLES = ("T_MCOaaB",)


@cache
def finess_fields() -> frozenset[tuple[str, str]]:
    """(table, column) of every FINESS-bearing field of the published SNDS schema."""
    text = (resources.files("healthdatahub.ingest") / "finess_fields.txt").read_text("utf-8")
    out = set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] not in NOT_IDENTIFIERS:
            out.add((parts[0], parts[1]))
    return frozenset(out)


@cache
def finess_names() -> frozenset[str]:
    """Every FINESS-bearing column name, whatever the table."""
    return frozenset(col for _, col in finess_fields())


def is_finess_field(table: str, column: str) -> bool:
    """Whether ``column`` of ``table`` holds a FINESS number."""
    try:
        table = resolve_table(table)
    except HubError:
        pass
    return (table, column) in finess_fields() or column in finess_names()


def hmac_sql(key: bytes, value_sql: str) -> str:
    """HMAC-SHA-256 of a text value as a DuckDB expression (hex digest)."""
    block = key.ljust(64, b"\0")
    ipad = bytes(b ^ 0x36 for b in block).hex()
    opad = bytes(b ^ 0x5C for b in block).hex()
    return (f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || "
            f"encode(CAST({value_sql} AS VARCHAR)))))")


def suppress_tables(engine: Engine, tables: dict[str, Path], out: Path, key: bytes, *,
                    mode: str, min_stays: int) -> dict[str, dict[str, int]]:
    """Write each table of ``tables`` (name -> Parquet folder) to ``out`` without FINESS."""
    if mode not in ("pseudonymise", "remove"):
        raise HubError(f"FINESS mode {mode!r} is unknown; use pseudonymise or remove.")
    for name, folder in tables.items():
        engine.execute(f"CREATE OR REPLACE TEMP VIEW in_{name} AS SELECT * FROM "
                       f"read_parquet({sql_string(folder.resolve() / '*.parquet')})")
    columns = {name: [r["column_name"] for r in engine.to_arrow(
        f"DESCRIBE SELECT * FROM in_{name}").to_pylist()] for name in tables}
    bearing = {name: [c for c in cols if is_finess_field(name, c)] for name, cols in columns.items()}
    values = [f"SELECT CAST({quote_ident(c)} AS VARCHAR) AS v, 1 AS w FROM in_{n} "
              f"WHERE {quote_ident(c)} IS NOT NULL" for n, cs in bearing.items() for c in cs]
    if not values:
        engine.execute("CREATE OR REPLACE TEMP TABLE finess_map (v VARCHAR, p VARCHAR, n BIGINT)")
    else:
        stays = [f"SELECT CAST(ETA_NUM AS VARCHAR) AS v, 1 AS w FROM in_{n}" for n in tables
                 if _descriptor(n) in STAY_TABLES and "ETA_NUM" in columns[n]]
        counted = " UNION ALL ".join(stays or values)
        engine.execute(
            "CREATE OR REPLACE TEMP TABLE finess_map AS SELECT a.v, CASE WHEN coalesce(s.n, 0) "
            f"< {int(min_stays)} THEN '{GROUPED}' ELSE 'E' || substr({hmac_sql(key, 'a.v')}, 1, "
            f"16) END AS p, coalesce(s.n, 0) AS n FROM (SELECT DISTINCT v FROM "
            f"({' UNION ALL '.join(values)})) a LEFT JOIN (SELECT v, count(*) AS n FROM "
            f"({counted}) GROUP BY v) s USING (v)")
    report: dict[str, dict[str, int]] = {}
    for name, cols in columns.items():
        items = []
        for c in cols:
            ident = quote_ident(c)
            if c not in bearing[name]:
                items.append(ident)
            elif mode == "pseudonymise":
                items.append(f"(SELECT p FROM finess_map m WHERE m.v = CAST(t.{ident} AS VARCHAR))"
                             f" AS {ident}")
        rows = engine.write_parquet(f"SELECT {', '.join(items) or '1 AS empty'} FROM in_{name} t",
                                    out / name)
        report[name] = {"rows": rows, "finess_columns": len(bearing[name])}
    _prove_absent(engine, out, columns)
    return report


def _descriptor(table: str) -> str:
    """The descriptor name of a table, or the name itself outside the SNDS set."""
    try:
        return resolve_table(table)
    except HubError:
        return table


def _prove_absent(engine: Engine, out: Path, columns: dict[str, list[str]]) -> None:
    """HubError when any original FINESS value appears in any delivered column."""
    for name in columns:
        source = f"read_parquet({sql_string((out / name).resolve() / '*.parquet')})"
        cols = [r["column_name"] for r in engine.to_arrow(
            f"DESCRIBE SELECT * FROM {source}").to_pylist()]
        for c in cols:
            hits = scalar(engine, f"SELECT count(*) FROM {source} t JOIN finess_map m ON "
                                 f"CAST(t.{quote_ident(c)} AS VARCHAR) = m.v")
            if hits:
                raise HubError(f"FINESS suppression failed: table {name} column {c} still "
                               "holds FINESS values; nothing was delivered.")
