"""Data engines: the :class:`Engine` protocol, DuckDB (default) and Spark (scale-out).

SQL is written once, in DuckDB's dialect; the Spark engine transpiles it with SQLGlot
(see :mod:`healthdatahub.engine.dialects` for the fixes and the refused constructs).
"""

from __future__ import annotations

from typing import Any

from healthdatahub.config import Settings, get_settings
from healthdatahub.engine.base import Engine, QueryError
from healthdatahub.errors import HubError

ENGINES = ("duckdb", "spark")

__all__ = ["ENGINES", "Engine", "QueryError", "SqlTranslationError", "get_engine", "to_spark"]


def __getattr__(name: str) -> Any:
    """``to_spark`` and ``SqlTranslationError``, from the dialect module on first use: SQLGlot
    (0.1 s to import) is needed by the Spark engine only, not by every ``hdh`` command."""
    if name in ("to_spark", "SqlTranslationError"):
        from healthdatahub.engine import dialects

        return getattr(dialects, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_engine(settings: Settings | None = None, name: str | None = None) -> Engine:
    """A new engine chosen by ``name`` or ``settings.engine`` (the caller closes it)."""
    settings = settings or get_settings()
    chosen = name or settings.engine
    if chosen == "duckdb":
        from healthdatahub.engine.duckdb_engine import DuckDBEngine

        return DuckDBEngine(settings)
    if chosen == "spark":
        from healthdatahub.engine.spark_engine import SparkEngine

        return SparkEngine(settings)
    raise HubError(f"Unknown engine {chosen!r}; choose one of {', '.join(ENGINES)}.")
