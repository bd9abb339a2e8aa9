"""Engine conformance: the same DuckDB-dialect SQL gives the same rows on every engine.

Each case is one query over the ``patients`` and ``claims`` tables of conftest.py and the
rows it must return, literally. Together they are the SQL subset the hub may rely on;
constructs the Spark translation refuses are listed at the end.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from healthdatahub.config import Settings
from healthdatahub.engine import Engine, QueryError, SqlTranslationError, get_engine, to_spark
from healthdatahub.errors import HubError

D = dt.date


def rows(table: pa.Table, *, ordered: bool = False) -> list[tuple[Any, ...]]:
    """A result's rows as tuples, sorted (NULLs first) unless the order is under test."""
    out = [tuple(r.values()) for r in table.to_pylist()]
    if ordered:
        return out
    return sorted(out, key=lambda r: tuple((v is not None, v) for v in r))


def names(folder: Path) -> list[str]:
    """Entries of a folder, hidden ones included, sorted."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# (id, sql, expected rows); rows are compared sorted.
CASES: list[tuple[str, str, list[tuple[Any, ...]]]] = [
    (
        "join-group-count-distinct",
        (
            "SELECT p.sex, count(DISTINCT c.code) AS codes, count(*) AS n "
            "FROM claims c JOIN patients p ON c.pid = p.pid GROUP BY p.sex"
        ),
        [(1, 2, 3), (2, 2, 2)],
    ),
    (
        "left-join-coalesce",
        (
            "SELECT c.pid, COALESCE(p.dept, 'unknown') AS dept "
            "FROM claims c LEFT JOIN patients p ON c.pid = p.pid WHERE c.code = 'B02'"
        ),
        [("P1", "75"), ("P9", "unknown")],
    ),
    (
        "window-row-number",
        (
            "SELECT pid, code, day FROM (SELECT *, row_number() OVER "
            "(PARTITION BY pid ORDER BY day DESC) AS rn FROM claims) AS t WHERE rn = 1"
        ),
        [
            ("P1", "B02", D(2024, 2, 1)),
            ("P2", "C03", D(2024, 3, 31)),
            ("P9", "B02", D(2024, 2, 29)),
        ],
    ),
    (
        "qualify",
        "SELECT pid, day FROM claims QUALIFY row_number() OVER (PARTITION BY pid ORDER BY day) = 1",
        [("P1", D(2024, 1, 5)), ("P2", D(2024, 1, 7)), ("P9", D(2024, 2, 29))],
    ),
    (
        "window-running-sum",
        (
            "SELECT pid, day, sum(amount) OVER (PARTITION BY pid ORDER BY day) AS s "
            "FROM claims WHERE pid = 'P1'"
        ),
        [("P1", D(2024, 1, 5), 10.5), ("P1", D(2024, 1, 20), 15.5), ("P1", D(2024, 2, 1), 15.5)],
    ),
    (
        "parse-ddmmyyyy",
        "SELECT pid, try_strptime(birth, '%d%m%Y')::DATE AS born FROM patients",
        [("P1", D(1980, 3, 15)), ("P2", D(1975, 12, 1)), ("P3", None), ("P4", None)],
    ),
    (
        "parse-dd/mm/yyyy",
        (
            "SELECT CAST(strptime('05/01/2024', '%d/%m/%Y') AS DATE) AS d, "
            "TRY_CAST('2024-02-30' AS DATE) AS bad, CAST('2024-02-29' AS DATE) AS good"
        ),
        [(D(2024, 1, 5), None, D(2024, 2, 29))],
    ),
    (
        "date-arithmetic",
        (
            "SELECT (day + INTERVAL 30 DAY)::DATE AS plus30, day + 1 AS next, "
            "date_diff('day', DATE '2024-01-01', day) AS since, "
            "date_trunc('month', day)::DATE AS month, year(day) AS y, month(day) AS m, "
            "strftime(day, '%Y%m') AS ym, dayofweek(day) AS dow, last_day(day) AS eom "
            "FROM claims WHERE pid = 'P9'"
        ),
        [
            (
                D(2024, 3, 30),
                D(2024, 3, 1),
                59,
                D(2024, 2, 1),
                2024,
                2,
                "202402",
                4,
                D(2024, 2, 29),
            )
        ],
    ),
    (
        "date-diff-boundaries",
        (
            "SELECT date_diff('year', DATE '1980-03-15', DATE '2024-03-14') AS y, "
            "date_diff('month', DATE '2024-01-31', DATE '2024-02-01') AS m, "
            "date_diff('quarter', DATE '2023-12-31', DATE '2024-01-01') AS q, "
            "date_diff('week', DATE '2024-01-01', DATE '2024-01-14') AS w, "
            "isodow(DATE '2024-01-07') AS iso_sunday, dayofweek(DATE '2024-01-07') AS sunday"
        ),
        [(44, 1, 1, 1, 7, 0)],
    ),
    (
        "timestamps",
        (
            "SELECT strptime('05012024 13:45', '%d%m%Y %H:%M') AS ts, "
            "CAST(TIMESTAMP '2024-01-05 23:59:00' AS DATE) AS d, "
            "strftime(TIMESTAMP '2024-01-05 08:05:00', '%Y-%m-%d %H:%M') AS txt"
        ),
        [(dt.datetime(2024, 1, 5, 13, 45), D(2024, 1, 5), "2024-01-05 08:05")],
    ),
    (
        "regexp",
        (
            "SELECT pid, regexp_matches(dept, '^[0-9]{2}$') AS two_digits, "
            "regexp_full_match(dept, '[0-9]') AS one_digit, "
            "regexp_matches(pid, '[0-9]') AS has_digit FROM patients"
        ),
        [
            ("P1", True, False, True),
            ("P2", False, False, True),
            ("P3", None, None, True),
            ("P4", True, False, True),
        ],
    ),
    (
        "regexp-extract-replace",
        (
            "SELECT DISTINCT code, regexp_extract(code, '([A-Z])([0-9]+)', 2) AS num, "
            "regexp_replace(code, '[0-9]', '#', 'g') AS masked FROM claims"
        ),
        [("A01", "01", "A##"), ("B02", "02", "B##"), ("C03", "03", "C##")],
    ),
    (
        "case-when",
        (
            "SELECT amount, CASE WHEN amount IS NULL THEN 'missing' WHEN amount >= 7 THEN 'high' "
            "ELSE 'low' END AS band FROM claims WHERE pid = 'P1'"
        ),
        [(None, "missing"), (5.0, "low"), (10.5, "high")],
    ),
    (
        "strings",
        (
            "SELECT upper('abé') AS u, lower('ABC') AS l, substr('ABCDEF', 2, 3) AS s, "
            "lpad('7', 3, '0') AS p, length('été') AS n, trim('  x ') AS t, "
            "replace('a-b-c', '-', '') AS r, 'a' || 'b' AS c, concat('a', NULL, 'b') AS c2, "
            "left('ABCDEF', 2) AS lf, split_part('a;b;c', ';', 2) AS sp, "
            "starts_with('ABC', 'AB') AS sw, 'Abc' ILIKE 'a%' AS il"
        ),
        [("ABÉ", "abc", "BCD", "007", 3, "x", "abc", "ab", "ab", "AB", "b", True, True)],
    ),
    (
        "casts",
        (
            "SELECT CAST('12' AS INTEGER) + 1 AS i, TRY_CAST('x' AS INTEGER) AS bad, "
            "TRY_CAST(trim(' 42 ') AS BIGINT) AS big, CAST('3.5' AS DOUBLE) AS dbl, "
            "CAST(7 AS VARCHAR) AS txt, CAST(DATE '2024-01-05' AS VARCHAR) AS dtxt, "
            "CAST('1.25' AS DECIMAL(10, 2)) AS dec, CAST(1 AS BOOLEAN) AS b"
        ),
        [(13, None, 42, 3.5, "7", "2024-01-05", Decimal("1.25"), True)],
    ),
    (
        "null-handling",
        (
            "SELECT count(*) AS n, count(amount) AS n_amount, sum(amount) AS total, "
            "count(*) FILTER (WHERE amount IS NULL) AS missing, max(qty) AS top, "
            "sum(CASE WHEN qty IS NULL THEN 1 ELSE 0 END) AS no_qty FROM claims"
        ),
        [(6, 5, 25.75, 1, 3, 1)],
    ),
    (
        "nullif-guarded-division",
        "SELECT pid, amount / NULLIF(qty - 1, 0) AS per FROM claims WHERE pid = 'P2'",
        [("P2", None), ("P2", 3.625)],
    ),
    (
        "union-all-cte",
        (
            "WITH a AS (SELECT pid FROM claims), b AS (SELECT pid FROM patients) "
            "SELECT pid, count(*) AS n FROM (SELECT pid FROM a UNION ALL SELECT pid FROM b) AS u "
            "GROUP BY pid"
        ),
        [("P1", 4), ("P2", 3), ("P3", 1), ("P4", 1), ("P9", 1)],
    ),
    (
        "group-by-all-having",
        "SELECT code, sum(qty) AS q FROM claims GROUP BY ALL HAVING count(*) > 1",
        [("A01", 6), ("B02", 2)],
    ),
    (
        "string-agg-ordered",
        "SELECT pid, string_agg(code, ',' ORDER BY code) AS codes FROM claims GROUP BY pid",
        [("P1", "A01,A01,B02"), ("P2", "A01,C03"), ("P9", "B02")],
    ),
    (
        "hashes",
        "SELECT md5('abc') AS m, sha256('abc') AS s",
        [
            (
                "900150983cd24fb0d6963f7d28e17f72",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            )
        ],
    ),
]


@pytest.mark.parametrize(("sql", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_query_gives_the_same_rows(engine: Engine, sql: str, expected: list[tuple]) -> None:
    assert rows(engine.to_arrow(sql)) == expected


def test_order_by_nulls(engine: Engine) -> None:
    got = [
        rows(engine.to_arrow(f"SELECT amount FROM claims ORDER BY amount {o}"), ordered=True)
        for o in ("", "NULLS FIRST", "DESC", "DESC NULLS FIRST")
    ]
    asc = [(1.0,), (2.0,), (5.0,), (7.25,), (10.5,)]
    assert got == [asc + [(None,)], [(None,)] + asc, asc[::-1] + [(None,)], [(None,)] + asc[::-1]]


def test_views_scalar_and_pandas(engine: Engine) -> None:
    engine.execute("CREATE OR REPLACE VIEW big AS SELECT * FROM claims WHERE amount > 5")
    assert engine.scalar("SELECT count(*) FROM big") == 2
    assert engine.scalar("SELECT pid FROM big WHERE false") is None
    frame = engine.to_pandas("SELECT pid, amount FROM big ORDER BY amount")
    assert frame.to_dict("list") == {"pid": ["P2", "P1"], "amount": [7.25, 10.5]}


def test_write_parquet_round_trip_and_overwrite(engine: Engine, tmp_path: Path) -> None:
    dest = tmp_path / "lake" / "claims"
    assert engine.write_parquet("SELECT * FROM claims", dest) == 6
    assert engine.write_parquet("SELECT * FROM claims WHERE pid = 'P1'", dest) == 3
    assert names(dest.parent) == ["claims"]  # no .tmp- or .old- leftovers
    assert all(p.name.startswith("part-") for p in dest.glob("*.parquet"))
    engine.register("back", dest)
    assert rows(engine.to_arrow("SELECT pid, count(*) FROM back GROUP BY pid")) == [("P1", 3)]


def test_write_parquet_partitioned(engine: Engine, tmp_path: Path) -> None:
    dest = tmp_path / "by_code"
    assert engine.write_parquet("SELECT * FROM claims", dest, partition_by=["code"]) == 6
    assert names(dest) == ["code=A01", "code=B02", "code=C03"]
    engine.register("back", dest)
    got = engine.to_arrow("SELECT code, count(*) AS n, sum(amount) AS s FROM back GROUP BY code")
    assert rows(got) == [("A01", 3, 22.75), ("B02", 2, 2.0), ("C03", 1, 1.0)]


def test_write_parquet_empty_result(engine: Engine, tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    assert engine.write_parquet("SELECT * FROM claims WHERE false", dest) == 0
    assert dest.is_dir()


def test_failed_write_leaves_nothing(engine: Engine, tmp_path: Path) -> None:
    """A query failing while rows are written leaves no dest and no temporary folder."""
    bad = "SELECT pid, CAST(dept AS INTEGER) AS d FROM patients"  # '2A' fails at run time
    with pytest.raises(QueryError):
        engine.write_parquet(bad, tmp_path / "out")
    assert names(tmp_path) == []
    dest = tmp_path / "kept"
    engine.write_parquet("SELECT * FROM claims", dest)
    with pytest.raises(QueryError):
        engine.write_parquet(bad, dest)
    engine.register("kept", dest)
    assert engine.scalar("SELECT count(*) FROM kept") == 6  # the old output is intact
    assert "out" not in names(tmp_path) and not any(n.startswith(".") for n in names(tmp_path))


def test_csv_semicolon_latin1(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ben.csv"
    path.write_bytes("NOM;VILLE;CODE\nRené;Besançon;007\nZoé;Nîmes;\n".encode("latin-1"))
    engine.register("ben", path, delimiter=";", encoding="latin-1", all_varchar=True)
    got = engine.to_arrow("SELECT NOM, VILLE, CODE FROM ben")
    assert rows(got) == [("René", "Besançon", "007"), ("Zoé", "Nîmes", None)]
    assert got.schema.field("CODE").type == pa.string()


def test_csv_without_header(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "raw.txt"
    path.write_text("a,1\nb,2\n", encoding="utf-8")
    engine.register("raw", path, format="csv", header=False, all_varchar=True)
    assert rows(engine.to_arrow("SELECT column0, column1 FROM raw")) == [("a", "1"), ("b", "2")]


def test_errors_are_hub_errors(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="could not run"):
        engine.to_arrow("SELECT * FROM no_such_table")
    with pytest.raises(HubError, match="does not exist"):
        engine.register("x", tmp_path / "missing.parquet")
    with pytest.raises(HubError, match="Table name"):
        engine.register_arrow("bad name; drop", pa.table({"a": [1]}))
    with pytest.raises(HubError, match="Unknown CSV option"):
        engine.register("x", tmp_path, format="csv", sep=";")


@pytest.mark.spark
def test_outputs_are_readable_by_the_other_engine(
    engine_settings: Settings, tmp_path: Path
) -> None:
    """A folder written by one engine reads the same on the other (hive partitions too)."""
    with (
        get_engine(engine_settings, "duckdb") as duck,
        get_engine(engine_settings, "spark") as spark,
    ):
        for writer, reader in ((duck, spark), (spark, duck)):
            writer.register_arrow("claims", pa.table({"code": ["A", "A", "B"], "n": [1, 2, 3]}))
            dest = tmp_path / writer.name
            writer.write_parquet("SELECT * FROM claims", dest, partition_by=["code"])
            reader.register("back", dest)
            got = reader.to_arrow("SELECT code, sum(n) AS s FROM back GROUP BY code")
            assert rows(got) == [("A", 3), ("B", 3)], writer.name


# -- translation (no engine needed) -------------------------------------------------------
@pytest.mark.parametrize(
    ("sql", "spark_sql"),
    [
        (
            "SELECT try_strptime(s, '%d%m%Y') FROM t",
            "SELECT TRY_TO_TIMESTAMP(s, 'ddMMyyyy') FROM t",
        ),
        ("SELECT regexp_full_match(s, 'a|b') FROM t", "SELECT s RLIKE '^(?:a|b)$' FROM t"),
        ("CREATE VIEW v AS SELECT 1 AS x", "CREATE TEMPORARY VIEW v AS SELECT 1 AS x"),
        ("SELECT * FROM t ORDER BY a", "SELECT * FROM t ORDER BY a NULLS LAST"),
    ],
)
def test_spark_translation(sql: str, spark_sql: str) -> None:
    assert to_spark(sql) == spark_sql


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("SELECT regexp_replace(s, 'a', 'b') FROM t", "'g' flag"),
        ("SELECT s SIMILAR TO 'a+' FROM t", "SIMILAR TO"),
        ("SELECT hash(s) FROM t", "hash"),
        ("SELECT * FROM read_csv('a.csv')", "register the file"),
        ("SELECT 1; SELECT 2", "one SQL statement"),
        ("SELECT FROM WHERE (", "does not parse"),
    ],
)
def test_untranslatable_sql_is_refused(sql: str, problem: str) -> None:
    with pytest.raises(SqlTranslationError, match=problem):
        to_spark(sql)


def test_scalar_leaves_the_engine_ready_for_the_next_query(engine) -> None:
    """A scalar over a many-row result gives its first value and leaves the engine usable."""
    assert engine.scalar("SELECT code FROM claims ORDER BY code") == "A01"
    assert engine.scalar("SELECT count(*) FROM claims") == 6
