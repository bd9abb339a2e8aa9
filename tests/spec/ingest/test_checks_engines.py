"""The compiled checks count the same errors on DuckDB and on Spark."""

from __future__ import annotations

import pyarrow as pa
import pytest

from healthdatahub.engine import get_engine
from healthdatahub.ingest.checks import compile_table

DESC = {"name": "T", "fields": [
    {"name": "I", "type": "integer", "constraints": {"minimum": 0, "required": True}},
    {"name": "S", "type": "string", "constraints": {"enum": ["A", "B"], "maxLength": 1}}]}
ROWS = pa.table({"I": ["1", "1.5", None, "-2", "7"], "S": ["A", "C", "B", "AB", None]})
EXPECTED = {"I:type": 1, "I:required": 1, "I:minimum": 1, "S:enum": 2, "S:maxLength": 1}


@pytest.mark.parametrize("engine_name", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_same_counts(settings, engine_name):
    compiled = compile_table(DESC, ["I", "S"])
    items = ", ".join(f"count_if({c.condition}) AS c{i}" for i, c in enumerate(compiled.checks))
    sql = f"SELECT {items} FROM ({compiled.typed_query('rows_in')})"
    with get_engine(settings, engine_name) as engine:
        engine.register_arrow("rows_in", ROWS)
        row = engine.to_arrow(sql).to_pylist()[0]
    got = {f"{c.column}:{c.rule}": row[f"c{i}"] for i, c in enumerate(compiled.checks)}
    assert got == EXPECTED


TYPED = {"name": "U", "fields": [
    {"name": "I", "type": "integer"}, {"name": "Y", "type": "year"},
    {"name": "N", "type": "number"}]}
TYPED_ROWS = pa.table({
    "I": ["007", "+5", "1e3", " 12", "1.5", "0x10", "-0", "9223372036854775807",
          "9223372036854775808", "12"],
    "Y": ["2023", "0999", "999", "-123", "12345", "1900", None, None, None, None],
    "N": ["1.5", "inf", "1_0", " 1.5", "-2e3", ".5", "1.", "nan", "x", None]})
TYPED_EXPECTED = {"I:type": 5, "Y:type": 3, "N:type": 5}


@pytest.mark.parametrize("engine_name", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_strict_types_same_counts(settings, engine_name):
    """The fast integer path and the number regex are as strict on Spark as on DuckDB."""
    compiled = compile_table(TYPED, ["I", "Y", "N"])
    items = ", ".join(f"count_if({c.condition}) AS c{i}" for i, c in enumerate(compiled.checks))
    sql = f"SELECT {items} FROM ({compiled.typed_query('rows_in')})"
    with get_engine(settings, engine_name) as engine:
        engine.register_arrow("rows_in", TYPED_ROWS)
        row = engine.to_arrow(sql).to_pylist()[0]
    got = {f"{c.column}:{c.rule}": row[f"c{i}"] for i, c in enumerate(compiled.checks)}
    assert got == TYPED_EXPECTED
