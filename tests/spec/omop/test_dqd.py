"""DQD checks: batched counts equal the one-query-per-check SQL; the newer check types on
hand-built rows; the same results on Spark."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from healthdatahub.engine import Engine, get_engine
from healthdatahub.omop import cdm
from healthdatahub.omop.dqd.checks import Count, all_checks, rows
from healthdatahub.omop.dqd.run import evaluate, run_checks, run_dqd, table_columns
from healthdatahub.omop.service import register_cdm


def _key(r: dict) -> tuple:
    return r["check"], r["table"], r["field"], r["concept"]


def _legacy(name: str, t: str, f: str, row: dict[str, str]) -> str | None:
    """The per-check SQL of the first implementation (one query per check), for comparison."""
    fk_t, fk_f = (row.get("fkTableName") or "").lower(), (row.get("fkFieldName") or "").lower()
    sql = {
        "isRequired": f"(SELECT COUNT(*) FROM {t} WHERE {f} IS NULL)",
        "isForeignKey": f"(SELECT COUNT(*) FROM {t} WHERE {f} IS NOT NULL AND {f} NOT IN "
                        f"(SELECT {fk_f} FROM {fk_t} WHERE {fk_f} IS NOT NULL))",
        "fkDomain": f"(SELECT COUNT(*) FROM {t} WHERE {f} <> 0 AND {f} IN (SELECT concept_id "
                    f"FROM concept WHERE domain_id <> '{row.get('fkDomain')}'))",
        "isStandardValidConcept": f"(SELECT COUNT(*) FROM {t} WHERE {f} <> 0 AND {f} IN (SELECT "
                                  "concept_id FROM concept WHERE standard_concept IS NULL OR "
                                  "standard_concept <> 'S' OR invalid_reason IS NOT NULL))",
        "plausibleAfterBirth": f"(SELECT COUNT(*) FROM {t} JOIN person p USING (person_id) WHERE "
                               f"CAST({f} AS DATE) < make_date(CAST(p.year_of_birth AS INTEGER),"
                               " 1, 1))",
        "plausibleBeforeDeath": f"(SELECT COUNT(*) FROM {t} JOIN death d USING (person_id) WHERE "
                                f"CAST({f} AS DATE) > d.death_date + 60)",
        "standardConceptRecordCompleteness": f"(SELECT COUNT(*) FROM {t} WHERE {f} = 0)",
    }.get(name)
    return sql


def test_batched_counts_equal_one_query_per_check(duck_cdm: tuple[Path, dict],
                                                  vocab: Path) -> None:
    spec = {(r["cdmTableName"].lower(), r["cdmFieldName"].lower()): r
            for r in rows("OMOP_CDMv5.4_Field_Level.csv")}
    with get_engine(name="duckdb") as engine:
        tables = register_cdm(engine, duck_cdm[0], vocab)
        results = run_checks(engine, tables)
        compared: Counter[str] = Counter()
        for r in results:
            row = spec.get((r["table"], r["field"] or ""))
            sql = row and r["level"] == "FIELD" and _legacy(r["check"], r["table"], r["field"], row)
            if sql and compared[r["check"]] < 6 and r["table"] not in cdm.VOCABULARY_TABLES:
                assert engine.scalar("SELECT " + sql) == r["violated"], _key(r)
                compared[r["check"]] += 1
        present = set(tables)
        checks = all_checks(present, table_columns(engine, sorted(present)))[:400]
        counts = [c for ch in checks for c in (ch.violated, ch.denominator) if isinstance(c, Count)]
        some, batched = counts[::10], evaluate(engine, counts)
        assert evaluate(engine, some, batched=False) == {c: batched[c] for c in some}
    assert len(compared) == 7
    assert not [r for r in results if r["status"] == "error"]
    names = {r["check"] for r in results}
    assert {"fkClass", "sourceConceptRecordCompleteness", "sourceValueCompleteness",
            "plausibleTemporalAfter", "plausibleDuringLife", "withinVisitDates",
            "measureObservationPeriodOverlap", "measureConditionEraCompleteness",
            "plausibleUnitConceptIds", "plausibleGenderUseDescendants"} <= names
    descend = [r for r in results if r["check"] == "plausibleGenderUseDescendants"]
    assert sum(r["denominator"] for r in descend) > 0  # the fixture's groups hold records


def _toy(engine: Engine) -> list[str]:
    d = dt.date
    tables = {
        "person": [{"person_id": 1, "gender_concept_id": 8532, "year_of_birth": 1980,
                    "month_of_birth": 5, "birth_datetime": None},
                   {"person_id": 2, "gender_concept_id": 8507, "year_of_birth": 1950,
                    "month_of_birth": None, "birth_datetime": None}],
        "death": [{"person_id": 2, "death_date": d(2023, 1, 1)}],
        "visit_occurrence": [{"visit_occurrence_id": 10, "person_id": 1,
                              "visit_start_date": d(2023, 3, 1), "visit_end_date": d(2023, 3, 2)},
                             {"visit_occurrence_id": 11, "person_id": 2,
                              "visit_start_date": d(2022, 12, 1), "visit_end_date": d(2022, 12, 1)}],
        "condition_occurrence": [
            {"condition_occurrence_id": 1, "person_id": 1, "visit_occurrence_id": 10,
             "condition_start_date": d(2023, 3, 20), "condition_concept_id": 0,
             "condition_source_value": "Z00"},                      # 18 days after its visit
            {"condition_occurrence_id": 2, "person_id": 1, "visit_occurrence_id": 10,
             "condition_start_date": d(1980, 2, 1), "condition_concept_id": 5,
             "condition_source_value": "E11"},                      # before birth and visit
            {"condition_occurrence_id": 3, "person_id": 2, "visit_occurrence_id": 11,
             "condition_start_date": d(2022, 12, 3), "condition_concept_id": 0,
             "condition_source_value": "Z00"},
            {"condition_occurrence_id": 4, "person_id": 2, "visit_occurrence_id": None,
             "condition_start_date": d(2023, 6, 1), "condition_concept_id": 5,
             "condition_source_value": "E11"}],                     # 5 months after death
        "observation_period": [
            {"observation_period_id": 1, "person_id": 1, "observation_period_start_date":
             d(2023, 1, 1), "observation_period_end_date": d(2023, 6, 30)},
            {"observation_period_id": 2, "person_id": 1, "observation_period_start_date":
             d(2023, 7, 1), "observation_period_end_date": d(2023, 12, 31)},  # back to back
            {"observation_period_id": 3, "person_id": 2, "observation_period_start_date":
             d(2022, 1, 1), "observation_period_end_date": d(2023, 1, 1)}],
        "drug_era": [{"drug_era_id": 1, "person_id": 1, "drug_concept_id": 20},
                     {"drug_era_id": 2, "person_id": 1, "drug_concept_id": 21}],
        "concept": [{"concept_id": c, "domain_id": "Drug", "concept_class_id": k,
                     "standard_concept": "S", "invalid_reason": None}
                    for c, k in ((5, "Clinical Finding"), (20, "Ingredient"), (21, "Clinical Drug"))],
    }
    for name, data in tables.items():
        engine.register_arrow(name, pa.Table.from_pylist(data))
    return list(tables)


def test_newer_checks_on_hand_built_rows() -> None:
    with get_engine(name="duckdb") as engine:
        results = {(r["check"], r["table"], r["field"]): r
                   for r in run_checks(engine, _toy(engine))}

    def counts(check: str, table: str, field: str | None) -> tuple[int, int]:
        r = results[(check, table, field)]
        return r["violated"], r["denominator"]

    co = "condition_occurrence"
    assert counts("withinVisitDates", co, "condition_start_date") == (2, 3)
    assert counts("plausibleDuringLife", co, "condition_start_date") == (1, 2)
    assert counts("plausibleTemporalAfter", co, "condition_start_date") == (1, 4)
    assert counts("sourceValueCompleteness", co, "condition_source_value") == (1, 2)
    assert counts("fkClass", "drug_era", "drug_concept_id") == (1, 2)
    assert counts("measureObservationPeriodOverlap", "observation_period", None) == (1, 2)
    assert results[("fkClass", "drug_era", "drug_concept_id")]["status"] == "failed"


# Spark plans each wide statement slowly (minutes for the whole CDM on 2 shared cores): the
# equality test runs the person-level tables, whose sources cover every join kind.
SPARK_TABLES = {"person", "death", "observation_period", "condition_era", "concept"}


@pytest.mark.spark
def test_dqd_on_spark_equals_duckdb(spark_cdm: tuple[Path, dict], duck_cdm: tuple[Path, dict],
                                    vocab: Path, tmp_path: Path) -> None:
    with get_engine(name="duckdb") as engine:
        tables = [t for t in register_cdm(engine, duck_cdm[0], vocab) if t in SPARK_TABLES]
        ref = run_dqd(engine, tables, tmp_path / "d", "ref")
    with get_engine(name="spark") as engine:
        tables = [t for t in register_cdm(engine, spark_cdm[0], vocab) if t in SPARK_TABLES]
        got = run_dqd(engine, tables, tmp_path / "s", "spark")
    strip = {"violated", "denominator", "status"}
    assert ({_key(r): {k: r.get(k) for k in strip} for r in got["results"]}
            == {_key(r): {k: r.get(k) for k in strip} for r in ref["results"]})


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def eng(request: pytest.FixtureRequest) -> Engine:
    with get_engine(name=request.param) as engine:
        yield engine


def test_cdm_datatype_and_concept_value_ranges_on_hand_built_rows(eng: Engine) -> None:
    eng.register_arrow("person", pa.Table.from_pylist(
        [{"person_id": 1, "gender_concept_id": 8532, "year_of_birth": 1980}]))
    # observation_id is a float column: 2.5 is not an integer (the integral floats are);
    # provider_id is text: 'P7' is not an integer, '7' is. 37393449 in mg/dL (8840) must lie
    # in 50..500 and in mmol/L (8753) in 1..15 (DQD thresholds: 5 % of the records).
    obs = [(1.0, "7", 8840, 40.0), (2.0, "7", 8840, 100.0), (2.5, "P7", 8840, 600.0),
           (4.0, None, 8840, None), (5.0, "7", 8753, 10.0), (6.0, "7", 8753, 12.0)]
    eng.register_arrow("observation", pa.Table.from_pylist([
        {"observation_id": i, "person_id": 1, "provider_id": p, "observation_concept_id": 37393449,
         "unit_concept_id": u, "value_as_number": v} for i, p, u, v in obs]))
    results = {(r["check"], r["field"], r["concept"]): r
               for r in run_checks(eng, ["person", "observation"]) if r["table"] == "observation"}

    def got(check: str, field: str, concept: str | None = None) -> tuple[int, int, str]:
        r = results[(check, field, concept)]
        return r["violated"], r["denominator"], r["status"]

    assert got("cdmDatatype", "observation_id") == (1, 6, "failed")
    assert got("cdmDatatype", "provider_id") == (1, 6, "failed")
    assert got("cdmDatatype", "person_id") == (0, 6, "passed")
    assert results[("cdmDatatype", "observation_id", None)]["category"] == "Conformance"
    mg, mmol = "37393449 unit 8840", "37393449 unit 8753"
    assert got("plausibleValueLow", "observation_concept_id", mg) == (1, 3, "failed")
    assert got("plausibleValueHigh", "observation_concept_id", mg) == (1, 3, "failed")
    assert got("plausibleValueLow", "observation_concept_id", mmol) == (0, 2, "passed")
    assert got("plausibleValueHigh", "observation_concept_id", mmol) == (0, 2, "passed")
    assert results[("plausibleValueLow", "observation_concept_id", mg)]["threshold"] == 5.0
    other = "37392176 unit 8749"  # a concept/unit pair without records: not applicable
    assert got("plausibleValueLow", "observation_concept_id", other)[2] == "not_applicable"
