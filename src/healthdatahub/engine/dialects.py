"""DuckDB SQL to Spark SQL: SQLGlot plus the few fixes our SQL needs, all in one place.

The hub's SQL is written in DuckDB's dialect. :func:`to_spark` parses it, rewrites the
constructs SQLGlot leaves wrong for Spark (so both engines return the same rows) and
refuses, with a HubError naming the construct, what has no faithful Spark equivalent.

Fixes applied:
- ``try_strptime(s, fmt)`` becomes ``TRY_TO_TIMESTAMP(s, java_fmt)`` (NULL on bad input).
- ``regexp_full_match(s, 'p')`` becomes ``s RLIKE '^(?:p)$'`` (Spark's RLIKE is a search).
- ``date_diff('year'|'quarter'|'month', a, b)`` counts boundaries crossed, as DuckDB does
  (Spark's DATEDIFF/TIMESTAMPDIFF counts whole periods: 1980-03-15 to 2024-03-14 is 44
  years on DuckDB, 43 on Spark).
- ``isodow(d)`` becomes ``WEEKDAY(d) + 1`` (SQLGlot's default is wrong for Sunday).
- ``dayofweek(d)`` is shifted to DuckDB's 0 (Sunday) .. 6 (Saturday).
- ``CREATE VIEW`` becomes ``CREATE TEMPORARY VIEW`` (views over registered tables are
  session-scoped in Spark, as in an in-memory DuckDB).

Refused (no faithful translation): ``regexp_replace`` without the ``'g'`` flag (DuckDB
replaces the first match only, Spark all), ``SIMILAR TO``, ``hash()`` (different hash
functions), table functions ``read_csv``/``read_json`` (register the file instead) and
DuckDB-only list functions.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.errors import ParseError, SqlglotError, UnsupportedError
from sqlglot.time import format_time

from healthdatahub.errors import HubError

READ = "duckdb"
WRITE = "spark"

# DuckDB functions SQLGlot passes through unchanged although Spark lacks them (or differs).
_REFUSED_FUNCTIONS = {
    "hash": "hash() differs between engines; use md5() or sha256()",
    "read_csv": "read_csv() is DuckDB-only; register the file as a table instead",
    "read_csv_auto": "read_csv_auto() is DuckDB-only; register the file as a table instead",
    "read_json": "read_json() is DuckDB-only",
    "read_json_auto": "read_json_auto() is DuckDB-only",
    "list_aggregate": "list_aggregate() has no Spark equivalent",
    "list_apply": "list_apply() has no Spark equivalent",
    "list_sort": "list_sort() is not translated; use array_sort()",
    "strlen": "strlen() counts bytes; use length()",
    "try_strptime": "try_strptime() needs a literal format string",
}


class SqlTranslationError(HubError):
    """SQL written in DuckDB's dialect that cannot be run faithfully on another engine."""


def _spark_time_format(fmt: exp.Expression) -> exp.Expression:
    """A DuckDB strftime format literal rewritten as a Java (Spark) datetime pattern."""
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        raise SqlTranslationError("try_strptime() needs a literal format string for Spark.")
    java = format_time(fmt.this, Spark.INVERSE_TIME_MAPPING, Spark.INVERSE_TIME_TRIE)
    return exp.Literal.string(java or fmt.this)


_BOUNDARY_UNITS = {"YEAR": None, "QUARTER": (exp.Quarter, 4), "MONTH": (exp.Month, 12)}


def _boundary_diff(unit: str, start: exp.Expression, end: exp.Expression) -> exp.Expression:
    """DuckDB's date_diff for year/quarter/month: part boundaries crossed, not whole periods."""
    years: exp.Expression = exp.Sub(
        this=exp.Year(this=end.copy()), expression=exp.Year(this=start.copy())
    )
    part = _BOUNDARY_UNITS[unit]
    if part is None:
        return exp.Paren(this=years)
    func, per_year = part
    scaled = exp.Mul(this=exp.Paren(this=years), expression=exp.Literal.number(per_year))
    delta = exp.Sub(this=func(this=end.copy()), expression=func(this=start.copy()))
    return exp.Paren(this=exp.Add(this=scaled, expression=delta))


def _fix(node: exp.Expression) -> exp.Expression:
    """Rewrite one node for Spark (its children are already rewritten)."""
    if isinstance(node, exp.Anonymous):
        fname = str(node.this).lower()
        if fname == "try_strptime" and len(node.expressions) == 2:
            value, fmt = node.expressions
            return exp.Anonymous(
                this="TRY_TO_TIMESTAMP", expressions=[value.copy(), _spark_time_format(fmt)]
            )
        if fname in _REFUSED_FUNCTIONS:
            raise SqlTranslationError(f"Cannot run on Spark: {_REFUSED_FUNCTIONS[fname]}.")
        return node
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            anchored: exp.Expression = exp.Literal.string(f"^(?:{pattern.this})$")
        else:
            anchored = exp.Concat(
                expressions=[exp.Literal.string("^(?:"), pattern.copy(), exp.Literal.string(")$")]
            )
        return exp.RegexpLike(this=node.this.copy(), expression=anchored)
    if isinstance(node, exp.RegexpReplace):
        modifiers = node.args.get("modifiers")
        flags = modifiers.this if isinstance(modifiers, exp.Literal) else ""
        if "g" not in flags:
            raise SqlTranslationError(
                "Cannot run on Spark: regexp_replace() without the 'g' flag replaces only the "
                "first match on DuckDB; add 'g' to replace all matches."
            )
        return node
    if isinstance(node, exp.ReadCSV):
        raise SqlTranslationError(f"Cannot run on Spark: {_REFUSED_FUNCTIONS['read_csv']}.")
    if isinstance(node, exp.SimilarTo):
        raise SqlTranslationError("Cannot run on Spark: SIMILAR TO; use regexp_full_match().")
    if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary"):
        unit = str(node.args.get("unit") or "DAY").upper()
        if unit in _BOUNDARY_UNITS:
            return _boundary_diff(unit, start=node.expression, end=node.this)
        return node
    if isinstance(node, exp.DayOfWeekIso):
        weekday = exp.Anonymous(this="WEEKDAY", expressions=[node.this.copy()])
        return exp.Paren(this=exp.Add(this=weekday, expression=exp.Literal.number(1)))
    if isinstance(node, exp.DayOfWeek):
        return exp.Paren(this=exp.Sub(this=node.copy(), expression=exp.Literal.number(1)))
    if isinstance(node, exp.Create) and str(node.args.get("kind", "")).upper() == "VIEW":
        props = node.args.get("properties")
        existing = list(props.expressions) if props else []
        if not any(isinstance(p, exp.TemporaryProperty) for p in existing):
            node = node.copy()
            node.set("properties", exp.Properties(expressions=[exp.TemporaryProperty(), *existing]))
        return node
    return node


def _rewrite(tree: exp.Expression) -> exp.Expression:
    """Apply :func:`_fix` to every node, children before parents, on a copy of ``tree``."""
    root = tree.copy()
    for node in reversed(list(root.dfs())):
        new = _fix(node)
        if new is not node:
            if node is root:
                root = new
            else:
                node.replace(new)
    return root


@lru_cache(maxsize=1024)
def to_spark(sql: str) -> str:
    """Transpile one DuckDB-dialect statement to Spark SQL, or raise SqlTranslationError."""
    try:
        trees = [t for t in sqlglot.parse(sql, read=READ) if t is not None]
    except ParseError as exc:
        first = exc.errors[0]["description"] if exc.errors else str(exc)
        raise SqlTranslationError(f"SQL does not parse as DuckDB SQL: {first}.") from None
    if len(trees) != 1:
        raise SqlTranslationError(f"Expected one SQL statement, got {len(trees)}.")
    tree = _rewrite(trees[0])
    try:
        return tree.sql(dialect=WRITE, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise SqlTranslationError(f"Cannot run on Spark: {exc}.") from None
    except SqlglotError as exc:  # pragma: no cover - defensive
        raise SqlTranslationError(f"Cannot translate SQL for Spark: {exc}.") from None
