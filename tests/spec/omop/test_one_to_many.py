"""One-to-many 'Maps to': one CDM row per standard target, with stable ids, on DuckDB and Spark.

Hand-built vocabulary and source rows: the source map keeps every valid standard target and
ranks them, each event model emits one row per target (the first keeps the id the ETL gave
before the split), the single-row tables keep the first target, the eras count a source
record once, and the coverage report counts source records, not CDM rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pyarrow as pa
import pytest

from healthdatahub.engine import Engine, get_engine
from healthdatahub.omop.build import EXCLUDED_NATURES, era_params
from healthdatahub.omop.coverage import coverage
from healthdatahub.omop.etl import render

ENGINE_PARAMS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]
PARAMS = {"salt": "s", "finess_suppressed": False, "excluded_natures": EXCLUDED_NATURES,
          "first_day": "2023-01-01", "last_day": "2023-12-31"}
D1, D2 = dt.date(2023, 3, 1), dt.date(2023, 3, 2)
# E11.2 maps to two standard concepts (10 and 11); E11.9 to one (10); Z00.0 to none.
MAP = [("CIM10", "E112", 1, 10, 1), ("CIM10", "E112", 1, 11, 2), ("CIM10", "E119", 2, 10, 1),
       ("CIM10", "Z000", 3, 0, 1), ("CCAM", "DEQP003", 4, 30, 1), ("CCAM", "DEQP003", 4, 31, 2),
       ("BDPM", "3400930000001", 5, 40, 1), ("BDPM", "3400930000001", 5, 41, 2),
       ("SNDS_PSE_SPE_COD", "1", 0, 60, 1), ("SNDS_PSE_SPE_COD", "1", 0, 61, 2)]


def hid(text: str, prefix: str) -> int:
    """The ETL's id, computed in Python: the first 15 hex digits of sha256(prefix|text)."""
    return int(hashlib.sha256(f"{prefix}|{text}".encode()).hexdigest()[:15], 16)


@pytest.fixture(params=ENGINE_PARAMS)
def eng(request: pytest.FixtureRequest) -> Engine:
    with get_engine(name=request.param) as engine:
        yield engine


def _map(engine: Engine) -> None:
    names = ("source_vocabulary_id", "source_code", "source_concept_id", "target_concept_id",
             "target_rank")
    engine.register_arrow("source_map", pa.Table.from_pylist([dict(zip(names, r)) for r in MAP]))


def _query(engine: Engine, model: str, columns: str, **params: object) -> list[dict]:
    sql = render(model, **{**PARAMS, **params})
    return engine.to_arrow(f"SELECT {columns} FROM ({sql}) q ORDER BY 1, 2").to_pylist()


def test_source_map_keeps_every_valid_standard_target(eng: Engine) -> None:
    concept = [(1, "CIM10", "E11.2", None, None), (2, "CIM10", "E11.9", None, None),
               (3, "CIM10", "Z00.0", None, None), (10, "X", "c10", "S", None),
               (11, "X", "c11", "S", None), (12, "X", "c12", None, None),     # not standard
               (13, "X", "c13", "S", "D"), (14, "X", "c14", "S", None)]        # 13 invalid
    eng.register_arrow("concept", pa.Table.from_pylist([dict(zip(
        ("concept_id", "vocabulary_id", "concept_code", "standard_concept", "invalid_reason"), c))
        for c in concept]))
    rels = [(1, 11, "Maps to", None), (1, 10, "Maps to", None), (1, 12, "Maps to", None),
            (1, 13, "Maps to", None), (1, 14, "Maps to value", None),
            (2, 10, "Maps to", None), (2, 11, "Maps to", "D")]                # a retired map
    eng.register_arrow("concept_relationship", pa.Table.from_pylist([dict(zip(
        ("concept_id_1", "concept_id_2", "relationship_id", "invalid_reason"), r)) for r in rels]))
    eng.register_arrow("source_to_concept_map", pa.Table.from_pylist([
        {"source_vocabulary_id": "LOC", "source_code": "a-1", "target_concept_id": t,
         "invalid_reason": None} for t in (21, 20)]))
    got = [tuple(r.values()) for r in eng.to_arrow(
        "SELECT source_vocabulary_id, source_code, source_concept_id, target_concept_id, "
        f"target_rank FROM ({render('source_map')}) q ORDER BY 1, 2, 5").to_pylist()]
    assert got == [("CIM10", "E112", 1, 10, 1), ("CIM10", "E112", 1, 11, 2),
                   ("CIM10", "E119", 2, 10, 1), ("CIM10", "Z000", 3, 0, 1),
                   ("LOC", "A1", 0, 20, 1), ("LOC", "A1", 0, 21, 2)]


def test_fixture_code_with_two_targets(fixture_map: pa.Table) -> None:
    rows = sorted((r for r in fixture_map.to_pylist() if r["source_vocabulary_id"] == "CIM10"
                   and r["source_code"] in ("E112", "E119")),
                  key=lambda r: (r["source_code"], r["target_rank"]))
    assert [(r["source_code"], r["target_rank"]) for r in rows] == [("E112", 1), ("E112", 2),
                                                                    ("E119", 1)]
    assert rows[0]["target_concept_id"] == rows[2]["target_concept_id"]  # E11 first, then N08
    assert rows[1]["target_concept_id"] > rows[0]["target_concept_id"]


def _stays(eng: Engine) -> None:
    eng.register_arrow("pmsi_stays", pa.Table.from_pylist([
        {"stay_id": 7, "person_id": 100, "ETA_NUM": "750000001", "RSA_NUM": "1",
         "start_date": D1, "end_date": D2, "DGN_PAL": "E11.2", "DGN_REL": "E119"}]))
    eng.register_arrow("mco_d", pa.Table.from_pylist([
        {"ETA_NUM": "750000001", "RSA_NUM": "1", "DGN_ASS_NUM": 1, "ASS_DGN": "Z000"}]))


def test_pmsi_diagnoses_and_acts_one_row_per_target(eng: Engine) -> None:
    _map(eng)
    _stays(eng)
    rows = _query(eng, "condition_occurrence", "condition_status_source_value AS kind, "
                  "condition_concept_id AS c, condition_occurrence_id AS id, "
                  "condition_source_concept_id AS s, visit_occurrence_id AS v")
    assert [(r["kind"], r["c"], r["s"], r["v"]) for r in rows] == [
        ("DA1", 0, 3, 7), ("DP", 10, 1, 7), ("DP", 11, 1, 7), ("DR", 10, 2, 7)]
    ids = [r["id"] for r in rows]
    # the first target keeps the id of the unsplit row; the second adds its concept id
    assert ids == [hid("7|DA1|Z000", "C"), hid("7|DP|E112", "C"), hid("7|DP|E112|11", "C"),
                   hid("7|DR|E119", "C")]
    eng.register_arrow("mco_a", pa.Table.from_pylist([
        {"ETA_NUM": "750000001", "RSA_NUM": "1", "CDC_ACT": "DEQP003", "RUM_SEQ": "1",
         "ENT_DAT_DEL": 0, "PHA_ACT": "1", "ACV_ACT": "1", "NBR_EXE_ACT": 1}]))
    acts = _query(eng, "procedure_occurrence", "procedure_concept_id AS c, "
                  "procedure_occurrence_id AS id")
    assert acts == [{"c": 30, "id": hid("7|DEQP003|1|0|11", "PO")},
                    {"c": 31, "id": hid("7|DEQP003|1|0|11|31", "PO")}]


def test_ald_and_drugs_one_row_per_target(eng: Engine) -> None:
    _map(eng)
    eng.register_arrow("ben", pa.Table.from_pylist([{"BEN_NIR_PSA": "A", "BEN_RNG_GEM": 1}]))
    eng.register_arrow("death", pa.table({"person_id": pa.array([], pa.int64()),
                                          "death_date": pa.array([], pa.date32())}))
    eng.register_arrow("imb", pa.Table.from_pylist([
        {"BEN_NIR_PSA": "A", "BEN_RNG_GEM": 1, "IMB_ALD_NUM": 8, "MED_MTF_COD": "E112",
         "IMB_ALD_DTD": D1, "IMB_ALD_DTF": None}]))
    ald = _query(eng, "condition_ald", "condition_concept_id AS c, condition_occurrence_id AS id")
    base = "A|1|ALD|8|E112|2023-03-01"
    assert ald == [{"c": 10, "id": hid(base, "C")}, {"c": 11, "id": hid(base + "|11", "C")}]
    eng.register_arrow("dcir_drugs", pa.Table.from_pylist([
        {"BEN_NIR_PSA": "A", "BEN_RNG_GEM": 1, "care_date": D1, "cip13": "3400930000001",
         "quantity": 2}]))
    eng.register_arrow("pack_days", pa.Table.from_pylist([{"CIP13": "3400930000001",
                                                           "JOURS": 28}]))
    drugs = _query(eng, "drug_exposure", "drug_concept_id AS c, drug_exposure_id AS id, "
                   "days_supply AS n, quantity AS q")
    base = "A|1|2023-03-01|3400930000001"
    assert drugs == [{"c": 40, "id": hid(base, "D"), "n": 56, "q": 2.0},
                     {"c": 41, "id": hid(base + "|41", "D"), "n": 56, "q": 2.0}]


def test_single_row_tables_keep_the_first_target(eng: Engine) -> None:
    _map(eng)
    eng.register_arrow("ben", pa.Table.from_pylist([
        {"BEN_NIR_PSA": "A", "BEN_RNG_GEM": 1, "BEN_IDT_ANO": "I1", "BEN_DCD_DTE": D1}]))
    eng.register_arrow("cci", pa.Table.from_pylist([
        {"BEN_IDT_ANO": "I1", "BEN_DCD_DTE": D1, "DCD_CIM_COD": "E11.2"}]))
    assert _query(eng, "death", "person_id, cause_concept_id AS c") == [
        {"person_id": hid("A|1", "P"), "c": 10}]
    eng.register_arrow("prs_all", pa.Table.from_pylist([{"PFS_EXE_NUM": "X1", "PSE_SPE_COD": 1}]))
    assert _query(eng, "provider", "provider_id, specialty_concept_id AS c") == [
        {"provider_id": hid("s|X1", "PR"), "c": 60}]


def test_eras_count_a_split_record_once(eng: Engine) -> None:
    # one delivery split over two drugs (40, 41) sharing ingredient 50; one diagnosis split
    # over two conditions (10, 11): one drug era with one exposure, one era per condition
    d_end = dt.date(2023, 3, 28)
    eng.register_arrow("drug_exposure", pa.Table.from_pylist([
        {"drug_exposure_id": i, "person_id": 1, "drug_concept_id": c,
         "drug_exposure_start_date": D1, "drug_exposure_end_date": d_end,
         "drug_source_value": "3400930000001"} for i, c in ((1, 40), (2, 41))]))
    eng.register_arrow("concept_ancestor", pa.Table.from_pylist([
        {"ancestor_concept_id": a, "descendant_concept_id": d} for a, d in
        ((50, 40), (50, 41), (40, 40), (41, 41), (50, 50))]))
    eng.register_arrow("concept", pa.Table.from_pylist([
        {"concept_id": c, "concept_class_id": k} for c, k in
        ((40, "Clinical Drug"), (41, "Clinical Drug"), (50, "Ingredient"))]))
    drug = eng.to_arrow("SELECT drug_concept_id AS c, drug_exposure_count AS n, gap_days AS g "
                        f"FROM ({render('era', **era_params('Drug', PARAMS))}) q").to_pylist()
    assert drug == [{"c": 50, "n": 1, "g": 0}]
    eng.register_arrow("condition_occurrence", pa.Table.from_pylist([
        {"condition_occurrence_id": i, "person_id": 1, "condition_concept_id": c,
         "condition_start_date": D1, "condition_end_date": D2} for i, c in ((1, 10), (2, 11))]))
    cond = eng.to_arrow("SELECT condition_concept_id AS c, condition_occurrence_count AS n FROM ("
                        f"{render('era', **era_params('Condition', PARAMS))}) q ORDER BY 1"
                        ).to_pylist()
    assert cond == [{"c": 10, "n": 1}, {"c": 11, "n": 1}]


def test_coverage_counts_source_records_not_cdm_rows(eng: Engine) -> None:
    # 3 source records of E11.2 (two targets each: 6 rows), 1 of E11.9, 2 of Z00.0 (unmapped)
    rows = ([("E11.2", c) for _ in range(3) for c in (10, 11)] + [("E11.9", 10)]
            + [("Z00.0", 0)] * 2)
    eng.register_arrow("condition_occurrence", pa.Table.from_pylist(
        [{"condition_source_value": s, "condition_concept_id": c} for s, c in rows]))
    empty = {"drug_exposure": ("drug_source_value", "drug_concept_id"),
             "procedure_occurrence": ("procedure_source_value", "procedure_concept_id")}
    for table, (src, concept) in empty.items():
        eng.register_arrow(table, pa.table({src: pa.array([], pa.string()),
                                            concept: pa.array([], pa.int64())}))
    cim = coverage(eng)["CIM10"]
    assert {k: cim[k] for k in ("records", "mapped_records", "codes", "mapped_codes", "rows",
                                "one_to_many_codes", "pct_records_mapped")} == {
        "records": 6, "mapped_records": 4, "codes": 3, "mapped_codes": 2, "rows": 9,
        "one_to_many_codes": 1, "pct_records_mapped": 66.67}
    assert cim["top_unmapped"] == [{"code": "Z00.0", "records": 2}]
    assert coverage(eng)["BDPM"]["records"] == 0
