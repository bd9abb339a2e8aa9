"""Concept-level DQD checks: plausibleGender, plausibleGenderUseDescendants,
plausibleUnitConceptIds, and plausibleValueLow/High per concept and unit.

They come from the DQD's ``Concept_Level.csv`` (real SNOMED/LOINC concept ids); the fixture
vocabulary carries the four gender-specific grouping concepts of plausibleGenderUseDescendants
with the CIM-10 and CCAM stand-ins below them, so that check runs on the synthetic CDM. A local
plausibleGender on CIM-10 source codes (pregnancy, prostate) is added, since the DQD's
per-concept gender list names SNOMED concepts the synthetic vocabulary does not hold.
"""

from __future__ import annotations

import re

from healthdatahub.omop.dqd.checks import Check, Sources, rows, threshold, where

GENDER = {"Male": 8507, "Female": 8532}
LOCAL_GENDER = (("condition_occurrence", "condition_source_value", "O", 8532, "pregnancy (CIM-10 O)"),
                ("condition_occurrence", "condition_source_value", "C61", 8507, "prostate cancer"),
                ("condition_occurrence", "condition_source_value", "N40", 8507, "prostate hyperplasia"))


def _ids(text: str) -> list[int]:
    return [int(v) for v in re.findall(r"-?\d+", text)]


def concept_checks(present: set[str], columns: dict[str, set[str]],
                   sources: dict[str, Sources]) -> list[Check]:
    """Every applicable concept-level check (one per DQD concept row and check type)."""
    out: list[Check] = []
    if "person" not in present:
        return out
    for row in rows("OMOP_CDMv5.4_Concept_Level.csv"):
        t, f = row["cdmTableName"].lower(), row["cdmFieldName"].lower()
        if t not in present or f not in columns.get(t, set()):
            continue
        src = sources.setdefault(t, Sources(t, present, columns))
        cid = row["conceptId"].strip()
        gender = (row.get("plausibleGender") or "").strip()
        if gender in GENDER and src.life is not None:
            out.append(Check("plausibleGender", "CONCEPT", t, f, src.count(src.life, where(
                f"x.{f} = {cid} AND p.gender_concept_id <> {GENDER[gender]}")),
                src.count(None, where(f"x.{f} = {cid}")),
                threshold(row, "plausibleGender"), concept_id=cid))
        descend = (row.get("plausibleGenderUseDescendants") or "").strip()
        if descend in GENDER and src.life is not None and "concept_ancestor" in present:
            ids = ", ".join(str(i) for i in _ids(cid))
            look = (f"{src.life} LEFT JOIN (SELECT DISTINCT descendant_concept_id AS k FROM "
                    f"concept_ancestor WHERE ancestor_concept_id IN ({ids})) a ON a.k = x.{f}")
            out.append(Check("plausibleGenderUseDescendants", "CONCEPT", t, f,
                             src.count(look, where("a.k IS NOT NULL AND p.gender_concept_id <> "
                                                   f"{GENDER[descend]}")),
                             src.count(look, where("a.k IS NOT NULL")),
                             threshold(row, "plausibleGenderUseDescendants"),
                             concept_id=ids))
        units = (row.get("plausibleUnitConceptIds") or "").strip()
        if units not in ("", "NA") and {"unit_concept_id", "value_as_number"} <= src.cols:
            allowed = ", ".join(str(i) for i in _ids(units))
            base = f"x.{f} = {cid} AND x.value_as_number IS NOT NULL"
            out.append(Check("plausibleUnitConceptIds", "CONCEPT", t, f, src.count(None, where(
                f"{base} AND COALESCE(x.unit_concept_id, -1) NOT IN ({allowed})")),
                src.count(None, where(base)), threshold(row, "plausibleUnitConceptIds"),
                concept_id=cid))
        out.extend(value_range_checks(src, f, row))
    for t, f, prefix, want, label in LOCAL_GENDER:
        if t in present and f in columns.get(t, set()):
            src = sources.setdefault(t, Sources(t, present, columns))
            if src.life is None:
                continue
            out.append(Check("plausibleGender", "CONCEPT", t, f, src.count(src.life, where(
                f"x.{f} LIKE '{prefix}%' AND p.gender_concept_id <> {want}")),
                src.count(None, where(f"x.{f} LIKE '{prefix}%'")), 0.0,
                concept_id=f"source {prefix}* ({label})"))
    return out


def value_range_checks(src: Sources, f: str, row: dict[str, str]) -> list[Check]:
    """plausibleValueLow/High for one concept and unit: records of that concept in that unit
    whose ``value_as_number`` is below the low (above the high) bound; the denominator is the
    records of the concept in the unit with a value (the DQD's definition)."""
    cid, unit = row["conceptId"].strip(), (row.get("unitConceptId") or "").strip()
    if not unit or unit == "NA" or not {"unit_concept_id", "value_as_number"} <= src.cols:
        return []
    out: list[Check] = []
    value = "TRY_CAST(x.value_as_number AS DOUBLE)"  # a CDM loaded from text may type it VARCHAR
    base = f"x.{f} = {int(cid)} AND x.unit_concept_id = {int(unit)} AND {value} IS NOT NULL"
    for name, op in (("plausibleValueLow", "<"), ("plausibleValueHigh", ">")):
        bound = (row.get(name) or "").strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", bound):
            out.append(Check(name, "CONCEPT", src.t, f, src.count(None, where(
                f"{base} AND {value} {op} {bound}")), src.count(None, where(base)),
                threshold(row, name), concept_id=f"{cid} unit {unit}"))
    return out
