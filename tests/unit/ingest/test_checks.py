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
