"""Compiled checks are as strict as Table Schema; row numbers map to physical lines."""

from __future__ import annotations

import duckdb
import pytest

from healthdatahub.ingest.checks import compile_table
from healthdatahub.ingest.scan import physical_lines
from healthdatahub.ingest.sources import detect_encoding

DESC = {"name": "T", "fields": [
    {"name": "I", "type": "integer", "constraints": {"minimum": 0}},
    {"name": "D", "type": "date", "format": "%d/%m/%Y"},
    {"name": "S", "type": "string", "constraints": {"pattern": "^[A-Z]{2}$", "required": True}}]}


@pytest.mark.parametrize(("i", "d", "s", "broken"), [
    ("12", "01/02/2023", "AB", set()),
    ("1.5", "01/02/2023", "AB", {"I:type"}),
    ("1e3", "01/02/2023", "AB", {"I:type"}),
    ("0x10", "01/02/2023", "AB", {"I:type"}),
    ("-1", "2023-01-15", "AB", {"I:minimum", "D:type"}),
    ("3", "31/02/2023", None, {"D:type", "S:required"}),
    ("3", None, "abc", {"S:pattern"}),
])
def test_rules(i, d, s, broken):
    compiled = compile_table(DESC, ["I", "D", "S"])
    sql = (f"SELECT {compiled.reasons()} FROM (SELECT *, {compiled.select_typed()} FROM "
           "(SELECT ?::VARCHAR AS I, ?::VARCHAR AS D, ?::VARCHAR AS S))")
    assert set(duckdb.connect().execute(sql, [i, d, s]).fetchone()[0]) == broken


def test_date_override_accepted_besides_declared():
    compiled = compile_table(DESC, ["I", "D", "S"], date_format="iso")
    sql = (f"SELECT {compiled.reasons()} FROM (SELECT *, {compiled.select_typed()} FROM "
           "(SELECT '1' AS I, '2023-01-15' AS D, 'AB' AS S))")
    assert duckdb.connect().execute(sql).fetchone()[0] == []


def test_physical_lines():
    assert physical_lines(1, [], []) == 2
    assert physical_lines(3, [4], []) == 5  # rejected line 4 sits before accepted row 3
    assert physical_lines(3, [], [(2, 2)]) == 6


def test_encoding_detection():
    assert detect_encoding("é".encode(), None) == ("utf-8", False)
    assert detect_encoding("é".encode("latin-1"), None) == ("latin-1", False)
    assert detect_encoding(b"\x80", None) == ("cp1252", False)
    assert detect_encoding(b"\xef\xbb\xbfA", None) == ("utf-8", True)


INTEGER_TEXTS = ["0", "12", "-0", "-7", "+5", "007", "1.5", "1e3", "0x10", "0b1", "1_000", " 12",
                 "12 ", "", "-", "+", "1-2", "٣", "9223372036854775807", "9223372036854775808",
                 "-9223372036854775808", "99999999999999999999", "1.", ".5", "+-1"]


@pytest.mark.parametrize("kind", ["integer", "year"])
def test_fast_integer_path_equals_strict_regex(kind):
    """The canonical-text fast path accepts exactly what the strict regex (then cast) accepts."""
    compiled = compile_table({"fields": [{"name": "X", "type": kind}]}, ["X"])
    pattern, sql_type = ("[+-]?[0-9]{1,19}", "BIGINT") if kind == "integer" else \
        ("[0-9]{4}", "INTEGER")
    texts = INTEGER_TEXTS + ["2023", "0999", "999", "-123", "12345", "1000"]
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT X, {compiled.typed['X']} AS fast, CASE WHEN regexp_full_match(X, '{pattern}') "
        f"THEN TRY_CAST(trim(X) AS {sql_type}) END AS strict FROM unnest(?::VARCHAR[]) t(X)",
        [texts]).fetchall()
    assert [(x, fast) for x, fast, _ in rows] == [(x, strict) for x, _, strict in rows]
    assert compiled.clean["X"] == f'TRY_CAST("X" AS {sql_type})'
