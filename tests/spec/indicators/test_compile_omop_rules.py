"""Each rule of the OMOP compiler on hand-built CDM rows, on every engine: who is in, who is not.

Rows are shaped as the hub's ETL writes them (omop/etl/): DRUG_EXPOSURE one row per person,
day and CIP13 with days_supply = packs x pack days; CONDITION_OCCURRENCE type 32879 for ALD,
32810 with a visit for stays, status 32902 (DP) / 32908 + source value 'DR' or 'DA<n>'.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pyarrow as pa

from healthdatahub.indicators.compile_omop import population_sql, to_sql
from healthdatahub.indicators.library import PHENOTYPES

YEAR = 2023
#: ATC 5th-level concepts and the standard ingredient each is the ancestor of.
ATC = {"A10BA02": (1, 101), "A11CC05": (2, 102), "C09AA05": (3, 103), "C03CA01": (4, 104),
       "C01AA05": (5, 105), "R06AX27": (6, 106)}
SOURCE_A10 = 201  # a source (BDPM) concept whose only link is 'Is a' A10BA02
_ids = itertools.count(1)


class OmopWorld:
    """Hand-built CDM rows of a few named persons (person_source_value = the name)."""

    def __init__(self) -> None:
        self.people: dict[str, tuple[int, int, str | None]] = {}
        self.drugs: list[dict] = []
        self.conditions: list[dict] = []

    def person(self, name: str, born: int = 1950, death: str | None = None) -> None:
        self.people[name] = (born, 8507, death)

    def _pid(self, name: str) -> int:
        self.people.setdefault(name, (1950, 8507, None))
        return list(self.people).index(name) + 1

    def drug(self, name: str, day: str, atc: str | None, packs: int = 1, pack_days: int = 30,
             source_concept: int = 0) -> None:
        self.drugs.append({
            "drug_exposure_id": next(_ids), "person_id": self._pid(name),
            "drug_concept_id": ATC[atc][1] if atc else 0,
            "drug_exposure_start_date": dt.date.fromisoformat(day),
            "quantity": float(packs), "days_supply": packs * pack_days,
            "drug_source_concept_id": source_concept})

    def condition(self, name: str, code: str, start: str, end: str | None, kind: int,
                  status: int, status_source: str, visit: int | None) -> None:
        self.conditions.append({
            "condition_occurrence_id": next(_ids), "person_id": self._pid(name),
            "condition_start_date": dt.date.fromisoformat(start),
            "condition_end_date": dt.date.fromisoformat(end) if end else None,
            "condition_type_concept_id": kind, "condition_status_concept_id": status,
            "condition_status_source_value": status_source, "visit_occurrence_id": visit,
            "condition_source_value": code})

    def ald(self, name: str, code: str, start: str = "2019-01-01", end: str | None = None) -> None:
        self.condition(name, code, start, end, 32879, 32893, "ALD 8", None)

    def stay(self, name: str, code: str, kind: str = "DP", end: str = "2023-05-10",
             visit: int | None = 1) -> None:
        status = 32902 if kind == "DP" else 32908
        self.condition(name, code, end, end, 32810, status, kind, visit)

    def register(self, engine) -> None:
        names = list(self.people)
        engine.register_arrow("person", pa.table({
            "person_id": pa.array(range(1, len(names) + 1), pa.int64()),
            "year_of_birth": pa.array([self.people[n][0] for n in names], pa.int64()),
            "gender_concept_id": pa.array([self.people[n][1] for n in names], pa.int64()),
            "gender_source_value": pa.array(["1"] * len(names), pa.string()),
            "location_id": pa.array([1] * len(names), pa.int64()),
            "person_source_value": pa.array(names, pa.string())}))
        engine.register_arrow("location", pa.table({"location_id": pa.array([1], pa.int64()),
                                                    "county": ["075"]}))
        dead = [(i + 1, dt.date.fromisoformat(self.people[n][2]))
                for i, n in enumerate(names) if self.people[n][2]]
        engine.register_arrow("death", pa.table({
            "person_id": pa.array([d[0] for d in dead], pa.int64()),
            "death_date": pa.array([d[1] for d in dead], pa.date32())}))
        engine.register_arrow("drug_exposure", pa.Table.from_pylist(self.drugs, pa.schema([
            ("drug_exposure_id", pa.int64()), ("person_id", pa.int64()),
            ("drug_concept_id", pa.int64()), ("drug_exposure_start_date", pa.date32()),
            ("quantity", pa.float64()), ("days_supply", pa.int64()),
            ("drug_source_concept_id", pa.int64())])))
        engine.register_arrow("condition_occurrence", pa.Table.from_pylist(
            self.conditions, pa.schema([
                ("condition_occurrence_id", pa.int64()), ("person_id", pa.int64()),
                ("condition_start_date", pa.date32()), ("condition_end_date", pa.date32()),
                ("condition_type_concept_id", pa.int64()),
                ("condition_status_concept_id", pa.int64()),
                ("condition_status_source_value", pa.string()),
                ("visit_occurrence_id", pa.int64()), ("condition_source_value", pa.string())])))
        engine.register_arrow("concept", pa.table({
            "concept_id": pa.array([c for c, _ in ATC.values()], pa.int64()),
            "vocabulary_id": ["ATC"] * len(ATC), "concept_code": list(ATC)}))
        engine.register_arrow("concept_ancestor", pa.table({
            "ancestor_concept_id": pa.array([c for c, _ in ATC.values()], pa.int64()),
            "descendant_concept_id": pa.array([i for _, i in ATC.values()], pa.int64())}))
        engine.register_arrow("concept_relationship", pa.table({
            "concept_id_1": pa.array([SOURCE_A10], pa.int64()),
            "concept_id_2": pa.array([ATC["A10BA02"][0]], pa.int64()),
            "relationship_id": ["Is a"], "invalid_reason": pa.array([None], pa.string())}))


def _three(w: OmopWorld, name: str, atc: str | None, year: int = YEAR, **kw) -> None:
    for month in (1, 2, 3):
        w.drug(name, f"{year}-{month:02d}-10", atc, **kw)


def _found(engine, phenotype: str) -> set[str]:
    sql = (f"SELECT p.person_source_value AS k FROM ({to_sql(PHENOTYPES[phenotype].criterion, YEAR)})"
           " AS q JOIN person AS p ON p.person_id = q.person_id")
    return set(engine.to_arrow(sql).column("k").to_pylist())


def test_diabetes_rules(engine) -> None:
    w = OmopWorld()
    _three(w, "DRUGS_3_DATES", "A10BA02")
    _three(w, "DRUGS_BY_SOURCE_CONCEPT", None, source_concept=SOURCE_A10)
    w.drug("LARGE_PACK_2_DATES", "2023-01-10", "A10BA02", pack_days=90)
    w.drug("LARGE_PACK_2_DATES", "2023-06-10", "A10BA02")
    w.ald("ALD_OPEN", "E119")
    w.ald("ALD_ENDING_IN_YEAR", "E11", end="2023-03-01")
    w.stay("STAY_DP", "E110")
    w.stay("STAY_DR", "E118", kind="DR")
    # near misses
    w.drug("DRUGS_2_DATES", "2023-01-10", "A10BA02")
    w.drug("DRUGS_2_DATES", "2023-02-10", "A10BA02")
    for _ in range(3):
        w.drug("SAME_DAY", "2023-04-01", "A10BA02")
    _three(w, "OTHER_YEAR", "A10BA02", year=2022)
    _three(w, "NEIGHBOUR_ATC", "A11CC05")
    w.drug("THREE_SMALL_PACKS_2_DATES", "2023-01-10", "A10BA02", packs=3)  # 90 days, 3 packs
    w.drug("THREE_SMALL_PACKS_2_DATES", "2023-02-10", "A10BA02")
    _three(w, "NOT_POSITIVE", "A10BA02", packs=0)
    w.ald("ALD_ENDED", "E119", end="2022-12-31")
    w.ald("ALD_LATER", "E119", start="2024-01-01")
    w.ald("ALD_OTHER_CODE", "E109")
    w.stay("STAY_DAS", "E119", kind="DA1")
    w.stay("STAY_OTHER_YEAR", "E110", end="2022-12-20")
    w.stay("STAY_WITHOUT_VISIT", "E110", visit=None)
    w.stay("STAY_OTHER_CODE", "E100")
    w.register(engine)
    assert _found(engine, "diabete_t2") == {
        "DRUGS_3_DATES", "DRUGS_BY_SOURCE_CONCEPT", "LARGE_PACK_2_DATES", "ALD_OPEN",
        "ALD_ENDING_IN_YEAR", "STAY_DP", "STAY_DR"}


def test_diabetes_population_age_and_death(engine) -> None:
    w = OmopWorld()
    # birth years differ so that a row's age names its person
    for name, born, death in (("ADULT", 1960, None), ("MINOR", 2010, None),
                              ("DIED_BEFORE", 1961, "2022-12-31"), ("DIED_IN_YEAR", 1962,
                                                                    "2023-06-01")):
        w.person(name, born, death)
        w.ald(name, "E11")
    w.person("UNBORN", 2024)
    w.register(engine)
    rows = engine.to_arrow(f"SELECT q.*, p.person_source_value AS k FROM "
                           f"({population_sql(PHENOTYPES['diabete_t2'], YEAR)}) AS q JOIN person "
                           "AS p ON CAST(q.age AS BIGINT) = 2023 - p.year_of_birth").to_pylist()
    cases = {r["k"]: r["is_case"] for r in rows}
    assert cases == {"ADULT": 1, "MINOR": 0, "DIED_IN_YEAR": 1}
    assert {(r["sex"], r["dpt"]) for r in rows} == {("1", "075")}


def test_hypertension_rules(engine) -> None:
    w = OmopWorld()
    w.drug("LARGE_C09_AND_C03", "2023-04-01", "C09AA05", pack_days=90)
    w.drug("LARGE_C09_AND_C03", "2023-05-01", "C03CA01")
    for atc, month in (("C09AA05", 1), ("C03CA01", 2), ("C09AA05", 3)):
        w.drug("THREE_CLASSES_MIXED", f"2023-{month:02d}-05", atc)
    _three(w, "C01_NOT_ANTIHYPERTENSIVE", "C01AA05")
    w.drug("SMALL_2_DATES", "2023-04-01", "C09AA05")
    w.drug("SMALL_2_DATES", "2023-05-01", "C03CA01")
    w.drug("LARGE_ONE_DATE", "2023-04-01", "C09AA05", pack_days=90)
    w.drug("LARGE_ONE_DATE", "2023-04-01", "C03CA01")
    w.register(engine)
    assert _found(engine, "hta_traitee") == {"LARGE_C09_AND_C03", "THREE_CLASSES_MIXED"}


def test_pollen_season(engine) -> None:
    w = OmopWorld()
    w.drug("APRIL_MAY", "2023-04-01", "R06AX27")
    w.drug("APRIL_MAY", "2023-05-01", "R06AX27")
    w.drug("JULY", "2023-07-01", "R06AX27")
    w.drug("JULY", "2023-07-15", "R06AX27")
    w.drug("FEBRUARY_AND_MARCH", "2023-02-27", "R06AX27")
    w.drug("FEBRUARY_AND_MARCH", "2023-03-01", "R06AX27")
    w.register(engine)
    assert _found(engine, "allergie_pollen") == {"APRIL_MAY"}
