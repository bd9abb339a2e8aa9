"""The DQD check types that apply to this ETL, generated from the DQD's own threshold files.

``spec/`` holds verbatim copies of the DataQualityDashboard's CDM 5.4 check descriptions and
table/field/concept threshold files (Apache-2.0). A check is two counts (violated rows, and
the denominator); each count is an aggregate expression over a *source* relation, so the
runner batches every count of the same source into one aggregate query (one scan) and the
sources of one table into one statement. A check fails when the violating share (in %)
exceeds its threshold, as in the DQD. Table and field level checks are here; concept level
checks are in ``concept_checks``. Counts never use a subquery inside an expression (Spark
refuses those): look-ups are LEFT JOINs in the source.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

KAHN = {"cdmTable": "Conformance", "cdmField": "Conformance", "cdmDatatype": "Conformance",
        "isRequired": "Conformance",
        "isPrimaryKey": "Conformance", "isForeignKey": "Conformance", "fkDomain": "Conformance",
        "fkClass": "Conformance", "isStandardValidConcept": "Conformance",
        "measurePersonCompleteness": "Completeness",
        "measureConditionEraCompleteness": "Completeness",
        "measureValueCompleteness": "Completeness",
        "standardConceptRecordCompleteness": "Completeness",
        "sourceConceptRecordCompleteness": "Completeness",
        "sourceValueCompleteness": "Completeness"}


@dataclass(frozen=True)
class Count:
    """An aggregate expression over a source relation (``FROM`` text, rows aliased ``x``)."""

    source: str
    expr: str
    batch: str = ""


@dataclass(frozen=True)
class Check:
    """One check: name, level, where it applies, its two counts and threshold (in %)."""

    name: str
    level: str
    table: str
    field: str | None
    violated: Count | int
    denominator: Count | int
    threshold: float
    concept_id: str | None = None

    @property
    def category(self) -> str:
        """The Kahn category (Conformance, Completeness, Plausibility)."""
        return KAHN.get(self.name, "Plausibility")


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of one of the DQD's threshold files."""
    text = resources.files("healthdatahub.omop.dqd").joinpath("spec", name).read_text("utf-8-sig")
    return tuple(csv.DictReader(io.StringIO(text)))


def threshold(row: dict[str, str], check: str) -> float:
    """A check's threshold (in %) from its DQD row (0 when absent)."""
    try:
        return float(row.get(f"{check}Threshold") or 0)
    except ValueError:
        return 0.0


def _bound(value: str, is_date: bool) -> str | None:
    """A DQD plausible-value bound (SQL Server syntax) as DuckDB SQL, None when unknown."""
    v = value.strip()
    if m := re.fullmatch(r"'(\d{4})(\d{2})(\d{2})'", v):
        return f"DATE '{m.group(1)}-{m.group(2)}-{m.group(3)}'"
    if v.upper().replace(" ", "") == "DATEADD(DD,1,GETDATE())":
        return "current_date + 1"
    if v.upper().replace(" ", "") == "YEAR(GETDATE())+1":
        return "year(current_date) + 1"
    if re.fullmatch(r"-?\d+(\.\d+)?", v) and not is_date:
        return v
    return None


def where(predicate: str, weight: str = "1") -> str:
    """``SUM(CASE WHEN predicate THEN weight ELSE 0 END)``: rows matching a predicate."""
    return f"SUM(CASE WHEN {predicate} THEN {weight} ELSE 0 END)"


def not_integer(value: str) -> str:
    """A non-NULL value that is not an integer: not numeric, or with a fractional part.

    The DQD's ``ISNUMERIC(x) = 0 OR '.' in CAST(ABS(x) AS varchar)``, written on the value's
    text so it holds for any column type (an integer-valued float passes, as on PostgreSQL).
    """
    num = f"TRY_CAST(CAST({value} AS VARCHAR) AS DOUBLE)"
    return f"{value} IS NOT NULL AND ({num} IS NULL OR ROUND({num}) <> {num})"


def birth(alias: str = "p", month: bool = False) -> str:
    """1 January of the birth year, or (``month``) the birth date, else the 1st of its month."""
    if not month:
        return f"make_date(CAST({alias}.year_of_birth AS INTEGER), 1, 1)"
    return (f"COALESCE(CAST({alias}.birth_datetime AS DATE), make_date(CAST({alias}.year_of_birth"
            f" AS INTEGER), CAST(COALESCE({alias}.month_of_birth, 1) AS INTEGER), 1))")


class Sources:
    """The source relations of one CDM table (joins prepared once, shared by its checks)."""

    def __init__(self, table: str, present: set[str], columns: dict[str, set[str]]) -> None:
        self.t, self.present, self.cols = table, present, columns.get(table, set())
        self.row = f"{table} x"
        has_person = "person_id" in self.cols and "person" in present and table != "person"
        self.has_death = (has_person and "death" in present and table != "death"
                          and {"person_id", "death_date"} <= columns.get("death", set()))
        self.life: str | None = None
        if has_person:
            death = ("" if not self.has_death else
                     " LEFT JOIN (SELECT person_id AS d_person_id, MIN(death_date) AS death_date "
                     "FROM death GROUP BY person_id) d ON d.d_person_id = x.person_id")
            self.life = f"{table} x LEFT JOIN person p ON p.person_id = x.person_id{death}"
        self.visit = (f"{table} x LEFT JOIN visit_occurrence v ON v.visit_occurrence_id = "
                      "x.visit_occurrence_id" if "visit_occurrence_id" in self.cols and
                      "visit_occurrence" in present and table != "visit_occurrence" else None)
        self.concept_fields: list[str] = []

    def count(self, source: str | None, expr: str) -> Count:
        """A count over one of this table's sources."""
        return Count(source or self.row, expr, self.t)

    def total(self) -> Count:
        """The table's row count."""
        return self.count(self.row, "COUNT(*)")

    def concept_source(self) -> str:
        """Every concept field of the table, unpivoted, grouped and joined to CONCEPT once."""
        union = " UNION ALL ".join(f"SELECT '{f}' AS fld, CAST({f} AS BIGINT) AS val FROM {self.t}"
                                   for f in self.concept_fields)
        return ("(SELECT g.fld, g.val, g.n, c.concept_id AS cid, c.domain_id, c.standard_concept,"
                " c.invalid_reason, c.concept_class_id FROM (SELECT fld, val, COUNT(*) AS n "
                f"FROM ({union}) u GROUP BY fld, val) g LEFT JOIN concept c ON c.concept_id = "
                "g.val) x")


def field_checks(src: Sources, f: str, row: dict[str, str]) -> list[Check]:
    """The field-level checks of one field that exists in the CDM."""
    t, out = src.t, []

    def add(name: str, violated: Count, denominator: Count | None = None) -> None:
        out.append(Check(name, "FIELD", t, f, violated, denominator or src.total(),
                         threshold(row, name)))

    def rows_where(predicate: str, source: str | None = None) -> Count:
        return src.count(source, where(predicate))

    is_date = "date" in f
    if (row.get("cdmDatatype") or "").lower() == "integer":
        add("cdmDatatype", rows_where(not_integer(f"x.{f}")))
    if row.get("isRequired") == "Yes":
        add("isRequired", rows_where(f"x.{f} IS NULL"))
    if row.get("isPrimaryKey") == "Yes":
        add("isPrimaryKey", src.count(None, f"COUNT(*) - COUNT(DISTINCT x.{f})"))
    fk_t, fk_f = (row.get("fkTableName") or "").lower(), (row.get("fkFieldName") or "").lower()
    if fk_t == "concept" and "concept" in src.present:
        if f not in src.concept_fields:
            src.concept_fields.append(f)
        # the concept source is rendered once every field is known: a placeholder for now
        concept = f"@concept:{t}"
        n = "x.n"
        if row.get("isForeignKey") == "Yes":
            add("isForeignKey", src.count(concept, where(
                f"x.fld = '{f}' AND x.val IS NOT NULL AND x.cid IS NULL", n)))
        if row.get("fkDomain") and row["fkDomain"] not in ("", "NA"):
            add("fkDomain", src.count(concept, where(
                f"x.fld = '{f}' AND x.val <> 0 AND x.domain_id <> '{row['fkDomain']}'", n)))
        if row.get("fkClass") and row["fkClass"] not in ("", "NA"):
            add("fkClass", src.count(concept, where(
                f"x.fld = '{f}' AND x.val <> 0 AND x.cid IS NOT NULL AND "
                f"x.concept_class_id <> '{row['fkClass']}'", n)))
        if row.get("isStandardValidConcept") == "Yes":
            add("isStandardValidConcept", src.count(concept, where(
                f"x.fld = '{f}' AND x.val <> 0 AND x.cid IS NOT NULL AND (x.standard_concept IS "
                "NULL OR x.standard_concept <> 'S' OR x.invalid_reason IS NOT NULL)", n)))
    elif row.get("isForeignKey") == "Yes" and fk_t in src.present:
        look = (f"{t} x LEFT JOIN (SELECT DISTINCT {fk_f} AS k FROM {fk_t} WHERE {fk_f} IS NOT "
                f"NULL) r ON r.k = x.{f}")
        add("isForeignKey", rows_where(f"x.{f} IS NOT NULL AND r.k IS NULL", look))
    if row.get("measureValueCompleteness") == "Yes":
        add("measureValueCompleteness", rows_where(f"x.{f} IS NULL"))
    if row.get("standardConceptRecordCompleteness") == "Yes":
        add("standardConceptRecordCompleteness", rows_where(f"x.{f} = 0"))
    if row.get("sourceConceptRecordCompleteness") == "Yes":
        add("sourceConceptRecordCompleteness", rows_where(f"x.{f} = 0"))
    std = (row.get("standardConceptFieldName") or "").lower()
    if row.get("sourceValueCompleteness") == "Yes" and std in src.cols:
        add("sourceValueCompleteness",
            src.count(None, f"COUNT(DISTINCT CASE WHEN x.{std} = 0 THEN x.{f} END)"),
            src.count(None, f"COUNT(DISTINCT x.{f})"))
    for name, op in (("plausibleValueLow", "<"), ("plausibleValueHigh", ">")):
        bound = _bound(row.get(name) or "", is_date)
        if bound is not None:
            value = f"CAST(x.{f} AS DATE)" if is_date else f"x.{f}"
            add(name, rows_where(f"{value} {op} {bound}"), rows_where(f"x.{f} IS NOT NULL"))
    out.extend(temporal_checks(src, f, row))
    return out


def temporal_checks(src: Sources, f: str, row: dict[str, str]) -> list[Check]:
    """Dates in order: after birth, before death, during life, after another date, in visit."""
    t, out = src.t, []
    day = f"CAST(x.{f} AS DATE)"
    nonnull = src.count(None, where(f"x.{f} IS NOT NULL"))

    def add(name: str, violated: Count, denominator: Count) -> None:
        out.append(Check(name, "FIELD", t, f, violated, denominator, threshold(row, name)))

    if src.life is not None:
        if row.get("plausibleAfterBirth") == "Yes":
            add("plausibleAfterBirth", src.count(src.life, where(f"{day} < {birth()}")), nonnull)
        if src.has_death and row.get("plausibleBeforeDeath") == "Yes":
            add("plausibleBeforeDeath", src.count(src.life, where(
                f"{day} > d.death_date + 60")), nonnull)
        if src.has_death and row.get("plausibleDuringLife") == "Yes":
            add("plausibleDuringLife", src.count(src.life, where(f"{day} > d.death_date + 60")),
                src.count(src.life, where(f"x.{f} IS NOT NULL AND d.death_date IS NOT NULL")))
    end = (row.get("plausibleStartBeforeEndFieldName") or "").lower()
    if row.get("plausibleStartBeforeEnd") == "Yes" and end in src.cols:
        add("plausibleStartBeforeEnd", src.count(None, where(f"{day} > CAST(x.{end} AS DATE)")),
            src.count(None, where(f"x.{f} IS NOT NULL AND x.{end} IS NOT NULL")))
    after_t = (row.get("plausibleTemporalAfterTableName") or "").lower()
    after_f = (row.get("plausibleTemporalAfterFieldName") or "").lower()
    if row.get("plausibleTemporalAfter") == "Yes":
        if after_t == "person" and src.life is not None:
            add("plausibleTemporalAfter", src.count(src.life, where(f"{birth(month=True)} > {day}")),
                src.total())
        elif after_t == t and after_f in src.cols:
            add("plausibleTemporalAfter", src.count(None, where(
                f"CAST(x.{after_f} AS DATE) > {day}")), src.total())
    if row.get("withinVisitDates") == "Yes" and src.visit is not None:
        add("withinVisitDates", src.count(src.visit, where(
            f"{day} < v.visit_start_date - 7 OR {day} > v.visit_end_date + 7")),
            src.count(src.visit, where("v.visit_occurrence_id IS NOT NULL")))
    return out


def table_checks(present: set[str]) -> list[Check]:
    """cdmTable, measurePersonCompleteness, measureConditionEraCompleteness, period overlap."""
    out: list[Check] = []
    for row in rows("OMOP_CDMv5.4_Table_Level.csv"):
        t = row["cdmTableName"].lower()
        if row.get("schema", "CDM").upper() != "CDM":
            continue
        if row.get("isRequired") == "Yes" or t in present:
            out.append(Check("cdmTable", "TABLE", t, None, 0 if t in present else 1, 1, 0.0))
        if t not in present:
            continue
        if t != "person" and "person" in present and row.get("measurePersonCompleteness") == "Yes":
            look = (f"person x LEFT JOIN (SELECT DISTINCT person_id AS k FROM {t} WHERE "
                    "person_id IS NOT NULL) r ON r.k = x.person_id")
            out.append(Check("measurePersonCompleteness", "TABLE", t, None,
                             Count(look, where("r.k IS NULL"), "person"),
                             Count("person x", "COUNT(*)", "person"),
                             threshold(row, "measurePersonCompleteness")))
        if (t == "condition_era" and "condition_occurrence" in present
                and row.get("measureConditionEraCompleteness") == "Yes"):
            look = ("(SELECT DISTINCT person_id FROM condition_occurrence) x LEFT JOIN (SELECT "
                    "DISTINCT person_id AS k FROM condition_era) r ON r.k = x.person_id")
            out.append(Check("measureConditionEraCompleteness", "TABLE", t, None,
                             Count(look, where("r.k IS NULL"), t), Count(look, "COUNT(*)", t),
                             threshold(row, "measureConditionEraCompleteness")))
        if t == "observation_period" and row.get("measureObservationPeriodOverlap") == "Yes":
            look = ("(SELECT person_id, observation_period_start_date AS s, MAX("
                    "observation_period_end_date) OVER (PARTITION BY person_id ORDER BY "
                    "observation_period_start_date, observation_period_end_date ROWS BETWEEN "
                    "UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM observation_period) x")
            out.append(Check("measureObservationPeriodOverlap", "TABLE", t, None,
                             Count(look, "COUNT(DISTINCT CASE WHEN x.s <= x.prev_end + 1 THEN "
                                   "x.person_id END)", t),
                             Count(look, "COUNT(DISTINCT x.person_id)", t),
                             threshold(row, "measureObservationPeriodOverlap")))
    return out


def all_checks(present: set[str], columns: dict[str, set[str]]) -> list[Check]:
    """Every applicable check for the CDM tables ``present`` with their ``columns``."""
    from healthdatahub.omop.dqd.concept_checks import concept_checks

    out = table_checks(present)
    sources: dict[str, Sources] = {}
    for row in rows("OMOP_CDMv5.4_Field_Level.csv"):
        t, f = row["cdmTableName"].lower(), row["cdmFieldName"].lower()
        if t not in present:
            continue
        src = sources.setdefault(t, Sources(t, present, columns))
        has = f in columns[t]
        out.append(Check("cdmField", "FIELD", t, f, 0 if has else 1, 1, 0.0))
        if has:
            out.extend(field_checks(src, f, row))
    out.extend(concept_checks(present, columns, sources))
    return [_resolve(c, sources) for c in out]


def _resolve(check: Check, sources: dict[str, Sources]) -> Check:
    """Replace the concept-source placeholder by the table's unpivoted concept relation."""
    def fix(count: Count | int) -> Count | int:
        if isinstance(count, Count) and count.source.startswith("@concept:"):
            return Count(sources[count.source[9:]].concept_source(), count.expr, count.batch)
        return count
    return Check(check.name, check.level, check.table, check.field, fix(check.violated),
                 fix(check.denominator), check.threshold, check.concept_id)
