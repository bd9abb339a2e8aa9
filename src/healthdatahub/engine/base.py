"""The Engine protocol and the helpers every engine shares.

An engine registers Parquet/CSV/Arrow inputs as named tables, runs SQL written in
DuckDB's dialect (transpiled for the engines that need it) and writes query results
to Parquet atomically. Every Parquet output is a folder of part files
(``part-*.parquet``, hive sub-folders when partitioned), whichever engine wrote it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

from healthdatahub.errors import HubError

if TYPE_CHECKING:
    import pandas
    import pyarrow

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CSV_OPTIONS = frozenset({"delimiter", "header", "encoding", "all_varchar", "quote"})
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz")


class QueryError(HubError):
    """A query an engine refused or failed to run (same type on every engine)."""


@runtime_checkable
class Engine(Protocol):
    """What the hub needs from a data engine; SQL is always written in DuckDB's dialect."""

    name: str
    dialect: str

    def register(
        self, name: str, path: str | Path, format: str | None = None, **csv_options: Any
    ) -> None:
        """Expose a Parquet file/folder or a CSV file as table ``name``."""
        ...

    def register_arrow(self, name: str, table: pyarrow.Table) -> None:
        """Expose an in-memory Arrow table as table ``name`` (small inputs, tests)."""
        ...

    def unregister(self, name: str) -> None:
        """Forget table ``name`` (no error when it is not registered)."""
        ...

    def transpile(self, sql: str) -> str:
        """The engine's own SQL for ``sql`` (DuckDB dialect); HubError when impossible."""
        ...

    def execute(self, sql: str) -> None:
        """Run one statement for its effect (CREATE VIEW, DROP VIEW, ...)."""
        ...

    def to_arrow(self, sql: str) -> pyarrow.Table:
        """Run a query and return its (small) result as an Arrow table."""
        ...

    def to_pandas(self, sql: str) -> pandas.DataFrame:
        """Run a query and return its (small) result as a pandas DataFrame."""
        ...

    def scalar(self, sql: str) -> Any:
        """Run a query and return the first column of its first row (None if no row)."""
        ...

    def write_parquet(
        self, sql: str, dest: str | Path, *, partition_by: list[str] | None = None
    ) -> int:
        """Write the query's result to folder ``dest`` atomically; return the row count."""
        ...

    def close(self) -> None:
        """Release the engine's resources (tables registered by it are forgotten)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


def check_name(name: str) -> str:
    """Return ``name`` if it is a plain SQL identifier, else raise (names go into SQL text)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise HubError(f"Table name {name!r} must be letters, digits and underscores only.")
    return name


def check_columns(columns: list[str] | None) -> list[str]:
    """Validate partition column names; an empty list when there are none."""
    return [check_name(c) for c in (columns or [])]


def sql_string(value: str | Path) -> str:
    """Quote a value as a SQL string literal (paths into DuckDB SQL)."""
    return "'" + str(value).replace("'", "''") + "'"


def infer_format(path: Path, format: str | None) -> str:
    """'parquet' or 'csv' for ``path``: the given format, else its suffix or folder content."""
    if not path.exists():
        raise HubError(f"Input {path} does not exist.")
    if format is not None:
        fmt = format.lower()
        if fmt not in ("parquet", "csv"):
            raise HubError(f"Format {format!r} is not supported; use 'parquet' or 'csv'.")
        return fmt
    if path.is_dir():
        if any(path.rglob("*.parquet")):
            return "parquet"
        if any(path.rglob("*.csv")):
            return "csv"
        raise HubError(f"Folder {path} holds no .parquet or .csv file.")
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    raise HubError(f"Cannot tell the format of {path}; pass format='parquet' or 'csv'.")


def csv_settings(options: dict[str, Any]) -> dict[str, Any]:
    """Normalised CSV options (delimiter, header, encoding, all_varchar, quote) with defaults."""
    unknown = set(options) - CSV_OPTIONS
    if unknown:
        raise HubError(
            f"Unknown CSV option(s) {', '.join(sorted(unknown))}; "
            f"use {', '.join(sorted(CSV_OPTIONS))}."
        )
    encoding = str(options.get("encoding") or "utf-8")
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        raise HubError(f"Unknown CSV encoding {encoding!r}.") from None
    return {
        "delimiter": str(options.get("delimiter", ",")),
        "header": bool(options.get("header", True)),
        "encoding": encoding,
        "all_varchar": bool(options.get("all_varchar", False)),
        "quote": str(options.get("quote", '"')),
    }


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first meaningful line of an engine's error message, for a one-sentence HubError."""
    text = str(exc).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return line if len(line) <= limit else line[: limit - 1] + "…"


@contextmanager
def atomic_folder(dest: str | Path) -> Iterator[Path]:
    """Yield an empty hidden sibling of ``dest`` that replaces ``dest`` only on success.

    Delegates to :func:`healthdatahub.jobs.atomic.atomic_dir` so that engine outputs follow
    the hub's one atomic-output convention (and ``clean_stale_tmp`` recognises leftovers).
    """
    from healthdatahub.jobs.atomic import atomic_dir  # lazy: jobs imports the store

    with atomic_dir(Path(dest).resolve()) as tmp:
        yield tmp
