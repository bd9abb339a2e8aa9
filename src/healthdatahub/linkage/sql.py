"""The linkage job's private DuckDB connection: in memory, no spilling, errors without values."""

from __future__ import annotations

from typing import Any

import duckdb

from healthdatahub.config import Settings
from healthdatahub.errors import HubError


class LinkageEngineError(HubError):
    """A DuckDB failure inside the linkage job, reported by step and type only (never values)."""


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with spilling to disk disabled, so identities never leave RAM.

    ``temp_directory = ''`` turns off DuckDB's offloading of intermediate results; an
    operation that would need it fails with an out-of-memory error instead of writing.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET temp_directory = ''")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    if settings.duckdb_memory_limit:
        con.execute("SET memory_limit = ?", [settings.duckdb_memory_limit])
    if settings.duckdb_threads:
        con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    return con


def q(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None,
      step: str = "linkage") -> list[tuple]:
    """Run ``sql`` and fetch every row; DuckDB errors become a LinkageEngineError without values."""
    try:
        return con.execute(sql, params).fetchall()
    except duckdb.Error as exc:
        raise LinkageEngineError(
            f"Linkage step {step!r} failed in the engine ({type(exc).__name__}).") from None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None,
           step: str = "linkage") -> Any:
    """The first value of the first row of ``sql`` (None when there is no row)."""
    rows = q(con, sql, params, step)
    return rows[0][0] if rows else None
