"""Each SNDS rule of the ETL on hand-built rows, on DuckDB and Spark (same rows expected)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

ENGINE_PARAMS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]

from healthdatahub.engine import Engine, get_engine
from healthdatahub.omop.build import EXCLUDED_NATURES
from healthdatahub.omop.etl import render
from healthdatahub.snds.schema import JOIN_KEYS

D1, D2 = dt.date(2023, 3, 1), dt.date(2023, 3, 2)
PARAMS = {"salt": "s", "finess_suppressed": False, "excluded_natures": EXCLUDED_NATURES}


def _prs(rows: list[dict]) -> pa.Table:
    base = {k: 1 for k in JOIN_KEYS} | {"FLX_DIS_DTD": D1, "FLX_TRT_DTD": D1, "ORG_CLE_NUM": "O",
                                       "BEN_RNG_GEM": 1, "PRS_NAT_REF": 1110, "DPN_QLF": 0,
                                       "PRS_DPN_QLP": 0, "PFS_EXE_NUM": "X1", "PSE_SPE_COD": 1,
                                       "EXE_SOI_DTD": D1, "PRS_ACT_QTE": 1.0, "PRS_PAI_MNT": 25.0}
    return pa.Table.from_pylist([base | {"DCT_ORD_NUM": i} | r for i, r in enumerate(rows)])


@pytest.fixture(params=ENGINE_PARAMS)
def eng(request: pytest.FixtureRequest) -> Engine:
    with get_engine(name=request.param) as engine:
        yield engine


def test_information_lines_removed_and_cancellations_summed(eng: Engine) -> None:
    eng.register_arrow("ER_PRS_F", _prs([
        {"BEN_NIR_PSA": "A"},                                        # kept
        {"BEN_NIR_PSA": "A", "DPN_QLF": 71, "PRS_PAI_MNT": 0.0},     # information only
        {"BEN_NIR_PSA": "B"}, {"BEN_NIR_PSA": "B", "PRS_PAI_MNT": -25.0},  # cancelled → dropped
        {"BEN_NIR_PSA": "C", "PRS_ACT_QTE": 2.0},
        {"BEN_NIR_PSA": "C", "PRS_ACT_QTE": 1.0, "PRS_PAI_MNT": -25.0},    # correction → 1
        {"BEN_NIR_PSA": "D", "PRS_NAT_REF": 3313},                   # pharmacy: ER_PHA_F
    ]))
    rows = eng.to_arrow("SELECT BEN_NIR_PSA, quantity FROM (" + render("dcir_care", **PARAMS)
                        + ") q ORDER BY 1").to_pylist()
    assert rows == [{"BEN_NIR_PSA": "A", "quantity": 1.0}, {"BEN_NIR_PSA": "C", "quantity": 1.0}]


def test_drug_quantities_summed_and_non_positive_dropped(eng: Engine) -> None:
    prs = _prs([{"BEN_NIR_PSA": "A", "PRS_NAT_REF": 3313}, {"BEN_NIR_PSA": "A", "PRS_NAT_REF": 3313},
                {"BEN_NIR_PSA": "B", "PRS_NAT_REF": 3313}, {"BEN_NIR_PSA": "B", "PRS_NAT_REF": 3313},
                {"BEN_NIR_PSA": "C", "PRS_NAT_REF": 3313, "PRS_DPN_QLP": 71}])
    eng.register_arrow("ER_PRS_F", prs)
    keys = prs.select(list(JOIN_KEYS))
    pha = keys.append_column("PHA_PRS_C13", pa.array([3400930281055] * 5, pa.int64())) \
        .append_column("PHA_ACT_QSN", pa.array([2, 1, 1, -1, 3], pa.int64()))
    eng.register_arrow("ER_PHA_F", pha)
    rows = eng.to_arrow("SELECT BEN_NIR_PSA, quantity FROM (" + render("dcir_drugs", **PARAMS)
                        + ") q").to_pylist()
    assert rows == [{"BEN_NIR_PSA": "A", "quantity": 3}]


def test_twins_are_two_persons_with_stable_ids(eng: Engine) -> None:
    ben = pa.Table.from_pylist([
        {"BEN_NIR_PSA": "SAME", "BEN_RNG_GEM": r, "BEN_SEX_COD": 1, "BEN_NAI_ANN": 2015,
         "BEN_NAI_MOI": 4, "BEN_RES_DPT": "075", "BEN_RES_COM": "101", "BEN_IDT_ANO": f"I{r}",
         "BEN_DCD_DTE": None} for r in (1, 2)])
    eng.register_arrow("ben", ben)
    rows = eng.to_arrow("SELECT person_id, person_source_value, gender_concept_id FROM ("
                        + render("person", **PARAMS) + ") q ORDER BY 2").to_pylist()
    import hashlib

    assert [r["person_source_value"] for r in rows] == ["SAME:1", "SAME:2"]
    assert rows[0]["person_id"] == int(hashlib.sha256(b"P|SAME|1").hexdigest()[:15], 16)
    assert rows[0]["person_id"] != rows[1]["person_id"] and rows[0]["gender_concept_id"] == 8507


def test_pmsi_link_uses_birth_rank_and_drops_failures(eng: Engine) -> None:
    eng.register_arrow("ben", pa.Table.from_pylist(
        [{"BEN_NIR_PSA": "SAME", "BEN_RNG_GEM": r} for r in (1, 2)]))
    eng.register_arrow("mco_b", pa.Table.from_pylist([
        {"ETA_NUM": "750000001", "RSA_NUM": str(i), "DGN_PAL": "E119", "DGN_REL": None,
         "SEJ_NBJ": 2, "ENT_MOD": "8", "SOR_MOD": "8"} for i in (1, 2, 3)]))
    eng.register_arrow("mco_c", pa.Table.from_pylist([
        {"ETA_NUM": "750000001", "RSA_NUM": "1", "NIR_ANO_17": "SAME", "RNG_NAI": 2,
         "NIR_RET": False, "ENT_DAT": D1, "SOR_DAT": D2},
        {"ETA_NUM": "750000001", "RSA_NUM": "2", "NIR_ANO_17": "SAME", "RNG_NAI": 1,
         "NIR_RET": True, "ENT_DAT": D1, "SOR_DAT": D2},
        {"ETA_NUM": "750000001", "RSA_NUM": "3", "NIR_ANO_17": "NOBODY", "RNG_NAI": 1,
         "NIR_RET": False, "ENT_DAT": D1, "SOR_DAT": D2}]))
    rows = eng.to_arrow("SELECT RSA_NUM, person_id FROM (" + render("pmsi_stays", **PARAMS)
                        + ") q").to_pylist()
    import hashlib

    assert rows == [{"RSA_NUM": "1",
                     "person_id": int(hashlib.sha256(b"P|SAME|2").hexdigest()[:15], 16)}]


def test_source_map_direct_and_via_atc(fixture_map: pa.Table) -> None:
    codes = {"E119", "Z000", "3400930281055", "3400930280973", "1"}
    rows = {(r["source_vocabulary_id"], r["source_code"]): r["target_concept_id"]
            for r in fixture_map.to_pylist() if r["source_code"] in codes}
    assert rows[("CIM10", "E119")] >= 2_100_000_000
    assert rows[("CIM10", "Z000")] == 0
    assert rows[("BDPM", "3400930281055")] >= 2_102_000_000
    assert rows[("SNDS_PSE_SPE_COD", "1")] == 2_103_000_001
