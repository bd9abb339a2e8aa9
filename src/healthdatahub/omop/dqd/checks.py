"""The DQD check types that apply to this ETL, generated from the DQD's own threshold files.

``spec/`` holds verbatim copies of the DataQualityDashboard's CDM 5.4 check descriptions and
table/field/concept threshold files (Apache-2.0). Each check is one SQL query returning the
violating and the denominator row counts; a check fails when the violating share (in %)
exceeds its threshold, as in the DQD. Implemented (table, field and concept level):
cdmTable, measurePersonCompleteness, cdmField, isRequired, isPrimaryKey, isForeignKey,
fkDomain, isStandardValidConcept, measureValueCompleteness, standardConceptRecordCompleteness,
plausibleValueLow/High, plausibleAfterBirth, plausibleBeforeDeath, plausibleStartBeforeEnd,
plausibleGender; plus a local plausibleGender on CIM-10 source codes (pregnancy, prostate),
since the DQD's gender list names SNOMED concepts our synthetic vocabulary does not hold.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

KAHN = {"cdmTable": ("Conformance", "Relational"), "cdmField": ("Conformance", "Relational"),
        "measurePersonCompleteness": ("Completeness", ""), "isRequired": ("Conformance", "Relational"),
        "isPrimaryKey": ("Conformance", "Relational"), "isForeignKey": ("Conformance", "Relational"),
        "fkDomain": ("Conformance", "Value"), "isStandardValidConcept": ("Conformance", "Value"),
        "measureValueCompleteness": ("Completeness", ""),
        "standardConceptRecordCompleteness": ("Completeness", ""),
        "plausibleValueLow": ("Plausibility", "Atemporal"),
        "plausibleValueHigh": ("Plausibility", "Atemporal"),
        "plausibleAfterBirth": ("Plausibility", "Temporal"),
        "plausibleBeforeDeath": ("Plausibility", "Temporal"),
        "plausibleStartBeforeEnd": ("Plausibility", "Temporal"),
        "plausibleGender": ("Plausibility", "Atemporal")}
LOCAL_GENDER = (("condition_occurrence", "condition_source_value", "O", 8532, "pregnancy (CIM-10 O)"),
                ("condition_occurrence", "condition_source_value", "C61", 8507, "prostate cancer"),
                ("condition_occurrence", "condition_source_value", "N40", 8507, "prostate hyperplasia"))


@dataclass(frozen=True)
class Check:
    """One check: its name, level, where it applies, its SQL and threshold (in %)."""

    name: str
    level: str
    table: str
    field: str | None
    sql: str
    threshold: float
    concept_id: str | None = None

    @property
    def category(self) -> str:
        """The Kahn category (Conformance, Completeness, Plausibility)."""
        return KAHN.get(self.name, ("", ""))[0]


@cache
def _rows(name: str) -> tuple[dict[str, str], ...]:
    text = resources.files("healthdatahub.omop.dqd").joinpath("spec", name).read_text("utf-8-sig")
    return tuple(csv.DictReader(io.StringIO(text)))


def _threshold(row: dict[str, str], check: str) -> float:
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


def _birth(alias: str = "p") -> str:
    return f"make_date(CAST({alias}.year_of_birth AS INTEGER), 1, 1)"


def field_checks(table: str, field: str, row: dict[str, str], columns: set[str],
                 present: set[str]) -> list[Check]:
    """The field-level checks of one field that exists in the CDM."""
    t, f = table, field
    out: list[Check] = []

    def add(name: str, violated: str, denominator: str, base: str | None = None) -> None:
        sql = (f"SELECT (SELECT COUNT(*) FROM {base or t} WHERE {violated}) AS violated, "
               f"(SELECT COUNT(*) FROM {t} WHERE {denominator}) AS denominator")
        out.append(Check(name, "FIELD", t, f, sql, _threshold(row, name)))

    is_date = "date" in f
    if row.get("isRequired") == "Yes":
        add("isRequired", f"{f} IS NULL", "1 = 1")
    if row.get("isPrimaryKey") == "Yes":
        out.append(Check("isPrimaryKey", "FIELD", t, f,
                         f"SELECT COUNT(*) - COUNT(DISTINCT {f}) AS violated, COUNT(*) AS "
                         f"denominator FROM {t}", _threshold(row, "isPrimaryKey")))
    fk_t, fk_f = (row.get("fkTableName") or "").lower(), (row.get("fkFieldName") or "").lower()
    if row.get("isForeignKey") == "Yes" and fk_t in present:
        add("isForeignKey", f"{f} IS NOT NULL AND {f} NOT IN (SELECT {fk_f} FROM {fk_t} "
            f"WHERE {fk_f} IS NOT NULL)", "1 = 1")
    if row.get("fkDomain") and row["fkDomain"] not in ("", "NA") and "concept" in present:
        add("fkDomain", f"{f} <> 0 AND {f} IN (SELECT concept_id FROM concept WHERE "
            f"domain_id <> '{row['fkDomain']}')", "1 = 1")
    if row.get("isStandardValidConcept") == "Yes" and "concept" in present:
        add("isStandardValidConcept", f"{f} <> 0 AND {f} IN (SELECT concept_id FROM concept "
            "WHERE standard_concept IS NULL OR standard_concept <> 'S' OR invalid_reason IS NOT "
            "NULL)", "1 = 1")
    if row.get("measureValueCompleteness") == "Yes":
        add("measureValueCompleteness", f"{f} IS NULL", "1 = 1")
    if row.get("standardConceptRecordCompleteness") == "Yes":
        add("standardConceptRecordCompleteness", f"{f} = 0", "1 = 1")
    for name, op in (("plausibleValueLow", "<"), ("plausibleValueHigh", ">")):
        bound = _bound(row.get(name) or "", is_date)
        if bound is not None:
            value = f"CAST({f} AS DATE)" if is_date else f
            add(name, f"{value} {op} {bound}", f"{f} IS NOT NULL")
    if "person" in present and "person_id" in columns and t != "person":
        if row.get("plausibleAfterBirth") == "Yes":
            add("plausibleAfterBirth", f"CAST({f} AS DATE) < {_birth()}",
                f"{f} IS NOT NULL", base=f"{t} JOIN person p USING (person_id)")
        if row.get("plausibleBeforeDeath") == "Yes" and "death" in present and t != "death":
            add("plausibleBeforeDeath", f"CAST({f} AS DATE) > d.death_date + 60",
                f"{f} IS NOT NULL", base=f"{t} JOIN death d USING (person_id)")
    end = (row.get("plausibleStartBeforeEndFieldName") or "").lower()
    if row.get("plausibleStartBeforeEnd") == "Yes" and end in columns:
        add("plausibleStartBeforeEnd", f"CAST({f} AS DATE) > CAST({end} AS DATE)",
            f"{f} IS NOT NULL AND {end} IS NOT NULL")
    return out


def concept_checks(present: set[str], columns: dict[str, set[str]]) -> list[Check]:
    """plausibleGender from the DQD's concept list, and the local CIM-10 gender rules."""
    out: list[Check] = []
    if "person" not in present:
        return out
    for row in _rows("OMOP_CDMv5.4_Concept_Level.csv"):
        t, f = row["cdmTableName"].lower(), row["cdmFieldName"].lower()
        gender = row.get("plausibleGender") or ""
        if t not in present or f not in columns.get(t, set()) or gender not in ("Male", "Female"):
            continue
        cid = row["conceptId"]
        want = 8507 if gender == "Male" else 8532
        sql = (f"SELECT (SELECT COUNT(*) FROM {t} JOIN person p USING (person_id) WHERE "
               f"{f} = {cid} AND p.gender_concept_id <> {want}) AS violated, "
               f"(SELECT COUNT(*) FROM {t} WHERE {f} = {cid}) AS denominator")
        out.append(Check("plausibleGender", "CONCEPT", t, f, sql,
                         _threshold(row, "plausibleGender"), concept_id=cid))
    for t, f, prefix, want, label in LOCAL_GENDER:
        if t in present and f in columns.get(t, set()):
            sql = (f"SELECT (SELECT COUNT(*) FROM {t} JOIN person p USING (person_id) WHERE "
                   f"{f} LIKE '{prefix}%' AND p.gender_concept_id <> {want}) AS violated, "
                   f"(SELECT COUNT(*) FROM {t} WHERE {f} LIKE '{prefix}%') AS denominator")
            out.append(Check("plausibleGender", "CONCEPT", t, f, sql, 0.0,
                             concept_id=f"source {prefix}* ({label})"))
    return out


def all_checks(present: set[str], columns: dict[str, set[str]]) -> list[Check]:
    """Every applicable check for the CDM tables ``present`` with their ``columns``."""
    out: list[Check] = []
    for row in _rows("OMOP_CDMv5.4_Table_Level.csv"):
        t = row["cdmTableName"].lower()
        if row.get("schema", "CDM").upper() != "CDM":
            continue
        if row.get("isRequired") == "Yes" or t in present:
            sql = f"SELECT {0 if t in present else 1} AS violated, 1 AS denominator"
            out.append(Check("cdmTable", "TABLE", t, None, sql, 0.0))
        if t in present and t != "person" and row.get("measurePersonCompleteness") == "Yes":
            sql = ("SELECT (SELECT COUNT(*) FROM person WHERE person_id NOT IN (SELECT person_id "
                   f"FROM {t})) AS violated, (SELECT COUNT(*) FROM person) AS denominator")
            out.append(Check("measurePersonCompleteness", "TABLE", t, None, sql,
                             _threshold(row, "measurePersonCompleteness")))
    for row in _rows("OMOP_CDMv5.4_Field_Level.csv"):
        t, f = row["cdmTableName"].lower(), row["cdmFieldName"].lower()
        if t not in present:
            continue
        has = f in columns[t]
        out.append(Check("cdmField", "FIELD", t, f,
                         f"SELECT {0 if has else 1} AS violated, 1 AS denominator", 0.0))
        if has:
            out.extend(field_checks(t, f, row, columns[t], present))
    return out + concept_checks(present, columns)
