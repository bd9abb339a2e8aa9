"""A Table Schema descriptor compiled to SQL: typed expressions and one boolean per rule.

The input relation holds every column as text (CSV read with ``all_varchar``); each field
becomes a typed expression and a list of :class:`Check` conditions (true when the row breaks
the rule). The SQL is written in DuckDB's dialect and only uses functions the Spark engine
transpiles, so the same checks run on both engines (``tests/spec/ingest``).

Types are checked strictly, as Table Schema (and frictionless-py) reads them. An integer's
lenient ``TRY_CAST`` is computed once per row (``pre``, an inner projection); it is the typed
value when the text is one character or the cast's canonical text (both cheap, and both imply
the integer regular expression), or else when the text matches that regular expression
(``TRY_CAST`` alone accepts ``1.5``, ``1e3``, ``0x10``, spaces). Numbers: the regular
expression, skipped for one-character texts (the cast takes only the ten digits there too).
Dates: ``try_strptime`` with the declared format (plus an optional per-delivery override).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from healthdatahub.errors import HubError

INTEGER_RE = "[+-]?[0-9]{1,19}"  # the BIGINT range then decides (TRY_CAST)
NUMBER_RE = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"
YEAR_RE = "[0-9]{4}"
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")
DEFAULT_FORMATS = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S"}
#: Per-delivery date conventions (``--date-format``) accepted besides each field's own format.
DATE_OVERRIDES: dict[str, dict[str, str]] = {
    "iso": {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S"},
    "ddmmyyyy": {"date": "%d%m%Y", "datetime": "%d%m%Y:%H:%M:%S"},
    "dd/mm/yyyy": {"date": "%d/%m/%Y", "datetime": "%d/%m/%Y %H:%M:%S"},
}
SQL_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "date": "DATE",
             "datetime": "TIMESTAMP", "year": "INTEGER", "boolean": "BOOLEAN"}
#: Rules, in report order, with the sentence a producer reads.
RULES: dict[str, str] = {
    "type": "the value is not a valid {type}{fmt}",
    "required": "the value is empty but the column is required",
    "enum": "the value is not one of the allowed values",
    "pattern": "the value does not match the pattern {pattern}",
    "minLength": "the value is shorter than {minLength} characters",
    "maxLength": "the value is longer than {maxLength} characters",
    "minimum": "the value is below the minimum {minimum}",
    "maximum": "the value is above the maximum {maximum}",
}


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A SQL literal for a descriptor value (string, number or boolean)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Check:
    """One rule on one column: ``condition`` is true on the rows that break it."""

    column: str
    rule: str
    condition: str
    message: str


@dataclass
class CompiledTable:
    """A descriptor compiled against the columns actually present in one input."""

    name: str
    pre: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    clean: dict[str, str] = field(default_factory=dict)
    sql_types: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    unique: list[str] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)

    def select_typed(self) -> str:
        """SELECT items computing each typed value as ``__t_<column>`` (over :meth:`typed_query`'s
        inner projection of the ``pre`` values)."""
        return ", ".join(f"{expr} AS {typed_ref(c)}" for c, expr in self.typed.items())

    def typed_query(self, source: str) -> str:
        """``source`` (a relation of text columns) with every typed value added."""
        pre = ", ".join(f"{expr} AS {pre_ref(c)}" for c, expr in self.pre.items())
        inner = f"(SELECT *, {pre} FROM {source})" if pre else source
        typed = self.select_typed()
        return f"SELECT *{', ' + typed if typed else ''} FROM {inner}"

    def select_output(self) -> str:
        """SELECT items of the landed columns (typed values under their own names)."""
        return ", ".join(f"{typed_ref(c)} AS {quote_ident(c)}" for c in self.typed)

    def select_clean(self) -> str:
        """SELECT items of the landed columns cast directly (valid only when no value failed)."""
        return ", ".join(f"{expr} AS {quote_ident(c)}" for c, expr in self.clean.items())

    def any_error(self) -> str:
        """A condition true on every row that breaks at least one rule."""
        if not self.checks:
            return "FALSE"
        return "(" + " OR ".join(f"coalesce({c.condition}, FALSE)" for c in self.checks) + ")"

    def reasons(self) -> str:
        """A list expression naming the rules a row breaks (``COLUMN:rule``)."""
        if not self.checks:
            return "CAST([] AS VARCHAR[])"
        items = ", ".join(
            f"CASE WHEN {c.condition} THEN {literal(c.column + ':' + c.rule)} END"
            for c in self.checks
        )
        return f"list_filter(list_value({items}), lambda x: x IS NOT NULL)"


def _formats(spec: Mapping[str, Any], override: str | None) -> list[str]:
    """The strptime formats accepted for a date/datetime field."""
    kind = spec["type"]
    declared = spec.get("format")
    fmt = declared if declared and declared not in ("default", "any") else DEFAULT_FORMATS[kind]
    out = [fmt]
    if override:
        extra = DATE_OVERRIDES[override][kind]
        if extra not in out:
            out.append(extra)
    return out


def typed_ref(name: str) -> str:
    """The identifier of a column's typed value in the checked relation."""
    return quote_ident("__t_" + name)


def pre_ref(name: str) -> str:
    """The identifier of a column's lenient cast, computed once per row before typing."""
    return quote_ident("__v_" + name)


def _lenient(col: str, kind: str) -> str:
    """The lenient cast of an integer/year text (accepts more than Table Schema; see _integer)."""
    return f"TRY_CAST({col} AS {SQL_TYPES[kind]})"


def _integer(col: str, kind: str, cast: str) -> str:
    """Typed integer/year: the lenient ``cast`` (computed once) where the text is strictly valid.

    The text is valid when it matches the regex; on such a text the cast is exact (no space to
    trim). Two cheaper conditions, tried first, imply the regex wherever the cast succeeds, so
    the regex only runs on the other values (``+5``, ``007``, nulls and errors): a single
    character (the cast accepts no one-character text but the ten digits: tested on every code
    point) and a text equal to its cast's canonical text (no sign, leading zero, point,
    exponent or space).
    """
    canonical = f"CAST({cast} AS VARCHAR) = {col}"
    fast, pattern = f"length({col}) = 1 OR {canonical}", INTEGER_RE
    if kind == "year":
        fast, pattern = f"length({col}) = 4 AND {cast} >= 1000 AND {canonical}", YEAR_RE
    return f"CASE WHEN {fast} OR regexp_full_match({col}, '{pattern}') THEN {cast} END"


def _typed(spec: Mapping[str, Any], col: str, override: str | None, decimal_char: str) -> str:
    """The typed expression of one field over its text column (NULL when it does not parse)."""
    kind = spec["type"]
    if kind == "string":
        return col
    if kind in ("integer", "year"):
        return _integer(col, kind, pre_ref(spec["name"]))
    if kind == "number":  # a one-character text: the cast, like the regex, takes only digits
        text = col if decimal_char == "." else f"replace({col}, {literal(decimal_char)}, '.')"
        return (f"CASE WHEN length({text}) = 1 OR regexp_full_match({text}, '{NUMBER_RE}') "
                f"THEN TRY_CAST({text} AS DOUBLE) END")
    if kind == "boolean":
        trues = ", ".join(literal(v) for v in spec.get("trueValues", TRUE_VALUES))
        falses = ", ".join(literal(v) for v in spec.get("falseValues", FALSE_VALUES))
        return f"CASE WHEN {col} IN ({trues}) THEN TRUE WHEN {col} IN ({falses}) THEN FALSE END"
    if kind in ("date", "datetime"):
        parsed = [f"try_strptime({col}, {literal(f)})" for f in _formats(spec, override)]
        expr = parsed[0] if len(parsed) == 1 else f"coalesce({', '.join(parsed)})"
        return f"CAST({expr} AS {SQL_TYPES[kind]})"
    raise HubError(f"Field {spec.get('name')} has unsupported type {kind!r}.")


def _clean(spec: Mapping[str, Any], col: str, typed: str, decimal_char: str) -> str:
    """The typed value by a plain cast: equal to ``typed`` on every value that passed its check."""
    kind = spec["type"]
    if kind in ("integer", "year"):  # valid: digits and a sign, no space
        return _lenient(col, kind)
    if kind == "number":
        text = col if decimal_char == "." else f"replace({col}, {literal(decimal_char)}, '.')"
        return f"TRY_CAST({text} AS DOUBLE)"
    return typed


def _message(rule: str, spec: Mapping[str, Any], override: str | None) -> str:
    """The producer-facing sentence of a rule on a field."""
    cons = dict(spec.get("constraints") or {})
    fmt = ""
    if spec["type"] in ("date", "datetime"):
        fmt = " in format " + " or ".join(_formats(spec, override))
    return RULES[rule].format(type=spec["type"], fmt=fmt, **{k: cons.get(k) for k in cons
                                                              if k in RULES})


def compile_table(descriptor: Mapping[str, Any], columns: list[str], *,
                  date_format: str | None = None, decimal_char: str = ".") -> CompiledTable:
    """Compile ``descriptor`` to SQL over a relation whose text columns are ``columns``."""
    if date_format is not None and date_format not in DATE_OVERRIDES:
        raise HubError(f"Unknown date format {date_format!r}; use one of "
                       f"{', '.join(DATE_OVERRIDES)}.")
    fields = list(descriptor.get("fields", []))
    names = [f["name"] for f in fields]
    present = set(columns)
    out = CompiledTable(name=str(descriptor.get("name", "")))
    out.missing = [n for n in names if n not in present]
    out.unexpected = [c for c in columns if c not in set(names)]
    pk = descriptor.get("primaryKey") or []
    out.primary_key = [pk] if isinstance(pk, str) else list(pk)
    for fk in descriptor.get("foreignKeys", []):
        local = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        remote = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        out.foreign_keys.append({"fields": local, "resource": ref["resource"], "reference": remote})
    for spec in fields:
        name = spec["name"]
        if name not in present:
            continue
        col = quote_ident(name)
        if spec["type"] in ("integer", "year"):
            out.pre[name] = _lenient(col, spec["type"])
        out.typed[name] = _typed(spec, col, date_format, decimal_char)
        out.clean[name] = _clean(spec, col, out.typed[name], decimal_char)
        expr = typed_ref(name)
        out.sql_types[name] = SQL_TYPES[spec["type"]]
        cons = spec.get("constraints") or {}
        if cons.get("unique"):
            out.unique.append(name)

        def add(rule: str, condition: str, _spec: Mapping[str, Any] = spec,
                _name: str = name) -> None:
            out.checks.append(Check(_name, rule, condition, _message(rule, _spec, date_format)))

        if spec["type"] != "string":
            add("type", f"({col} IS NOT NULL AND {expr} IS NULL)")
        if cons.get("required"):
            add("required", f"({col} IS NULL)")
        if "enum" in cons:
            values = ", ".join(literal(v) for v in cons["enum"])
            add("enum", f"({expr} NOT IN ({values}))")
        if "pattern" in cons:
            add("pattern", f"(NOT regexp_full_match({col}, {literal(cons['pattern'])}))")
        if "minLength" in cons:
            add("minLength", f"(length({col}) < {int(cons['minLength'])})")
        if "maxLength" in cons:
            add("maxLength", f"(length({col}) > {int(cons['maxLength'])})")
        for bound, op in (("minimum", "<"), ("maximum", ">")):
            if bound in cons and spec["type"] in ("integer", "number", "year"):
                add(bound, f"({expr} {op} {literal(cons[bound])})")
    return out


def scalar(engine: Any, sql: str) -> Any:
    """The first value of a query's result (fully fetched, leaving the connection free)."""
    table = engine.to_arrow(sql)
    return table.column(0)[0].as_py() if table.num_rows else None
