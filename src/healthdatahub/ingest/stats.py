"""Catalogue hook: each landed table's columns, types, row count, null rates and time coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from healthdatahub.engine import Engine
from healthdatahub.engine.base import sql_string
from healthdatahub.ingest.checks import quote_ident

RANGED_TYPES = ("DATE", "TIMESTAMP", "BIGINT", "INTEGER", "DOUBLE")
#: Preferred time columns, first present wins (care date, stay exit, death, update).
TIME_COLUMNS = ("EXE_SOI_DTD", "ENT_DAT", "SOR_DAT", "BEN_DCD_DTE", "IMB_ALD_DTD", "FLX_DIS_DTD")


def table_stats(engine: Engine, folder: Path, sql_types: dict[str, str]) -> dict[str, Any]:
    """Row count, per-column null count/rate and min/max (dates, numbers only), time coverage."""
    source = f"read_parquet({sql_string(folder.resolve() / '*.parquet')})"
    items = ["count(*) AS __n"]
    for i, (col, kind) in enumerate(sql_types.items()):
        ident = quote_ident(col)
        items.append(f"count(*) - count({ident}) AS n{i}")
        if kind in RANGED_TYPES:
            items += [f"CAST(min({ident}) AS VARCHAR) AS lo{i}", f"CAST(max({ident}) AS VARCHAR) AS hi{i}"]
    row = engine.to_arrow(f"SELECT {', '.join(items)} FROM {source}").to_pylist()[0]
    n = int(row["__n"])
    columns = []
    for i, (col, kind) in enumerate(sql_types.items()):
        nulls = int(row[f"n{i}"])
        columns.append({"name": col, "type": kind, "null_count": nulls,
                        "null_rate": round(nulls / n, 6) if n else 0.0,
                        "min": row.get(f"lo{i}"), "max": row.get(f"hi{i}")})
    time_col = next((c for c in TIME_COLUMNS if sql_types.get(c) in ("DATE", "TIMESTAMP")), None)
    time_min = time_max = None
    if time_col:
        entry = next(c for c in columns if c["name"] == time_col)
        time_min, time_max = entry["min"], entry["max"]
    return {"rows": n, "columns": columns, "time_column": time_col, "time_min": time_min,
            "time_max": time_max}
