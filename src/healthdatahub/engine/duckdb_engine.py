"""The DuckDB engine (default): an in-memory DuckDB connection over Parquet/CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import duckdb

from healthdatahub.engine.base import (
    QueryError,
    atomic_folder,
    check_columns,
    check_name,
    csv_settings,
    first_line,
    infer_format,
    sql_string,
)
from healthdatahub.errors import HubError

if TYPE_CHECKING:
    import pandas
    import pyarrow

    from healthdatahub.config import Settings

# DuckDB's names for the encodings it reads natively (keys are Python codec names).
_DUCKDB_ENCODINGS = {"utf-8": "utf-8", "iso8859-1": "latin-1", "utf-16": "utf-16"}


class DuckDBEngine:
    """Runs DuckDB-dialect SQL as is on one private in-memory DuckDB connection."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, settings: Settings | None = None) -> None:
        config: dict[str, Any] = {}
        if settings is not None and settings.duckdb_memory_limit:
            config["memory_limit"] = settings.duckdb_memory_limit
        if settings is not None and settings.duckdb_threads:
            config["threads"] = settings.duckdb_threads
        try:
            self._con = duckdb.connect(":memory:", config=config)
        except duckdb.Error as exc:
            raise HubError(f"DuckDB could not start: {first_line(exc)}.") from None
        self._arrow: set[str] = set()

    # -- inputs ---------------------------------------------------------------------------
    def register(
        self, name: str, path: str | Path, format: str | None = None, **csv_options: Any
    ) -> None:
        """Expose a Parquet file/folder (hive partitions read) or a CSV file as view ``name``."""
        check_name(name)
        path = Path(path).resolve()
        fmt = infer_format(path, format)
        if fmt == "parquet":
            source = path / "**" / "*.parquet" if path.is_dir() else path
            relation = f"read_parquet({sql_string(source)})"
        else:
            relation = self._csv_relation(path, csv_settings(csv_options))
        self.unregister(name)
        self._run(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {relation}")

    def _csv_relation(self, path: Path, opts: dict[str, Any]) -> str:
        """A read_csv(...) call for ``path``; header-less columns are named column0, column1..."""
        if path.is_dir():
            path = path / "*.csv"
        encoding = _DUCKDB_ENCODINGS.get(opts["encoding"])
        if encoding is None:
            raise HubError(f"DuckDB cannot read CSV encoded as {opts['encoding']}.")
        call = (
            f"read_csv({sql_string(path)}, delim={sql_string(opts['delimiter'])}, "
            f"header={str(opts['header']).lower()}, encoding={sql_string(encoding)}, "
            f"quote={sql_string(opts['quote'])}, all_varchar={str(opts['all_varchar']).lower()})"
        )
        if opts["header"]:
            return call
        columns = self._query(f"DESCRIBE SELECT * FROM {call}").fetchall()
        aliases = ", ".join(f'"{col[0]}" AS column{i}' for i, col in enumerate(columns))
        return f"(SELECT {aliases} FROM {call})"

    def register_arrow(self, name: str, table: pyarrow.Table) -> None:
        """Expose an Arrow table as ``name`` (DuckDB reads it in place, no copy)."""
        check_name(name)
        self.unregister(name)
        self._con.register(name, table)
        self._arrow.add(name)

    def unregister(self, name: str) -> None:
        """Forget table ``name`` (view or Arrow table)."""
        check_name(name)
        if name in self._arrow:
            self._con.unregister(name)
            self._arrow.discard(name)
        self._run(f"DROP VIEW IF EXISTS {name}")

    # -- queries --------------------------------------------------------------------------
    def transpile(self, sql: str) -> str:
        """DuckDB runs the hub's SQL as written."""
        return sql

    def _query(self, sql: str) -> duckdb.DuckDBPyConnection:
        """Execute ``sql`` and return the cursor, turning DuckDB errors into QueryError."""
        try:
            return self._con.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(
                f"The duckdb engine could not run the query: {first_line(exc)}"
            ) from exc

    def _run(self, sql: str) -> None:
        """Execute a statement for its effect, consuming its result so the connection is free."""
        self._query(sql).fetchall()

    def execute(self, sql: str) -> None:
        """Run one statement for its effect (CREATE VIEW, DROP VIEW, ...)."""
        self._run(sql)

    def to_arrow(self, sql: str) -> pyarrow.Table:
        """Run a query and return its result as an Arrow table."""
        try:
            relation = self._con.sql(sql)
            if relation is None:  # a statement without result (DDL)
                import pyarrow as pa

                return pa.table({})
            return relation.to_arrow_table()
        except duckdb.Error as exc:
            raise QueryError(
                f"The duckdb engine could not run the query: {first_line(exc)}"
            ) from exc

    def to_pandas(self, sql: str) -> pandas.DataFrame:
        """Run a query and return its result as a pandas DataFrame."""
        return self.to_arrow(sql).to_pandas()

    def scalar(self, sql: str) -> Any:
        """Run a query and return the first column of its first row (None if no row)."""
        rows = self._query(sql).fetchall()  # fully consumed: DuckDB 2 refuses a half-read cursor
        return rows[0][0] if rows else None

    def write_parquet(
        self, sql: str, dest: str | Path, *, partition_by: list[str] | None = None
    ) -> int:
        """Write the result to folder ``dest`` as part files, atomically; return the row count."""
        columns = check_columns(partition_by)
        with atomic_folder(dest) as tmp:
            if columns:
                target = tmp
                options = f"FORMAT parquet, PARTITION_BY ({', '.join(columns)}), "
                options += "FILENAME_PATTERN 'part-{i}'"
            else:
                target = tmp / "part-00000.parquet"
                options = "FORMAT parquet"
            rows = self._query(f"COPY ({sql}) TO {sql_string(target)} ({options})").fetchall()
        return int(rows[0][0]) if rows else 0

    # -- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (views and Arrow tables go with it)."""
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
