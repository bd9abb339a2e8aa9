"""Compiled checks are as strict as Table Schema; row numbers map to physical lines."""

from __future__ import annotations

import duckdb
import pytest

from healthdatahub.ingest.checks import compile_table, typed_ref
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
    typed = compiled.typed_query("(SELECT ?::VARCHAR AS I, ?::VARCHAR AS D, ?::VARCHAR AS S)")
    sql = f"SELECT {compiled.reasons()} FROM ({typed})"
    assert set(duckdb.connect().execute(sql, [i, d, s]).fetchone()[0]) == broken


def test_date_override_accepted_besides_declared():
    compiled = compile_table(DESC, ["I", "D", "S"], date_format="iso")
    typed = compiled.typed_query("(SELECT '1' AS I, '2023-01-15' AS D, 'AB' AS S)")
    sql = f"SELECT {compiled.reasons()} FROM ({typed})"
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
                 "-9223372036854775808", "99999999999999999999", "1.", ".5", "+-1",
                 "00000000000000000001", "+0000000000000000001", "1\t", "\t1", "1\n", "0X1F",
                 "1E3", "1e+3", "١", "１", "²", "2023", "0999", "999", "-123", "12345", "1000"]
#: Every text of up to four characters over digits, signs and what the lenient cast accepts.
SMALL_ALPHABET = ["0", "1", "9", "+", "-", " ", ".", "e", "x", "b", "_", "a"]


def _texts() -> list[str]:
    from itertools import product
    out = list(INTEGER_TEXTS)
    for n in range(1, 5):
        out += ["".join(p) for p in product(SMALL_ALPHABET, repeat=n)]
    return out


@pytest.mark.parametrize("kind", ["integer", "year"])
def test_fast_integer_paths_equal_strict_regex(kind):
    """The one-character and canonical-text fast paths accept exactly what the strict regex
    (then the cast of the trimmed text) accepted, with the same values: the rule before them."""
    compiled = compile_table({"fields": [{"name": "X", "type": kind}]}, ["X"])
    pattern, sql_type = ("[+-]?[0-9]{1,19}", "BIGINT") if kind == "integer" else \
        ("[0-9]{4}", "INTEGER")
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE texts AS SELECT unnest(?::VARCHAR[]) AS X", [_texts()])
    rows = con.execute(
        f"SELECT X, {typed_ref('X')} AS fast, CASE WHEN regexp_full_match(X, '{pattern}') "
        f"THEN TRY_CAST(trim(X) AS {sql_type}) END AS strict FROM ({compiled.typed_query('texts')})"
    ).fetchall()
    assert len(rows) > 20_000
    assert [(x, fast) for x, fast, _ in rows] == [(x, strict) for x, _, strict in rows]
    assert compiled.clean["X"] == f'TRY_CAST("X" AS {sql_type})'


@pytest.mark.parametrize("sql_type", ["BIGINT", "INTEGER", "DOUBLE"])
def test_lenient_cast_of_one_character_accepts_only_the_ten_digits(sql_type):
    """Why the one-character fast paths are exact: over every Unicode code point, the cast the
    integer and number checks rely on succeeds on exactly '0'..'9' (so a one-character text it
    accepts matches the integer and the number regex)."""
    con = duckdb.connect()
    accepted = con.execute(
        "SELECT list(c ORDER BY c) FROM (SELECT chr(i::INTEGER) AS c FROM (SELECT * FROM "
        "range(1, 55296) UNION ALL SELECT * FROM range(57344, 1114112)) t(i)) "
        f"WHERE TRY_CAST(c AS {sql_type}) IS NOT NULL").fetchone()[0]
    assert accepted == list("0123456789")


@pytest.mark.parametrize("decimal_char", [".", ","])
def test_number_fast_path_equals_regex(decimal_char):
    """Numbers: the one-character fast path accepts what the regex (then the cast) accepted."""
    from itertools import product

    from healthdatahub.ingest.checks import NUMBER_RE

    compiled = compile_table({"fields": [{"name": "N", "type": "number"}]}, ["N"],
                             decimal_char=decimal_char)
    texts = INTEGER_TEXTS + ["inf", "nan", "-inf", "1,5", ",5", ".", ","]
    for n in range(1, 5):
        texts += ["".join(p) for p in product(["0", "7", "+", "-", ".", ",", "e", " ", "i"],
                                              repeat=n)]
    text = "N" if decimal_char == "." else "replace(N, ',', '.')"
    rows = duckdb.connect().execute(
        f"SELECT N, {compiled.typed['N']} AS fast, CASE WHEN regexp_full_match({text}, "
        f"'{NUMBER_RE}') THEN TRY_CAST({text} AS DOUBLE) END AS strict "
        "FROM unnest(?::VARCHAR[]) t(N)", [texts]).fetchall()
    assert [(x, fast) for x, fast, _ in rows] == [(x, strict) for x, _, strict in rows]
