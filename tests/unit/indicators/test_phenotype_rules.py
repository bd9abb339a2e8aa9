"""Phenotype rules on hand-built patients: who must be in, who must not."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from healthdatahub.config import load_settings
from healthdatahub.engine import get_engine
from healthdatahub.indicators.compile_snds import to_sql
from healthdatahub.indicators.library import DIABETES_T2, PHENOTYPES
from healthdatahub.snds.schema import JOIN_KEYS

SMALL, LARGE = "3400930280973", "3400930281055"  # metformin B/30 and B/90 (GRAND_COND 1)
MED = pa.table({"CIP13": [SMALL, LARGE, "3400000000001"], "ATC": ["A10BA02", "A10BA02", "C09AA05"],
                "GRAND_COND": pa.array([0, 1, 0], pa.int8())})


def _dcir(rows: list[tuple[str, str, int, str, int]]) -> tuple[pa.Table, pa.Table]:
    """ER_PRS_F and ER_PHA_F from (patient, date, qty, cip, DPN_QLF) deliveries."""
    n = len(rows)
    keys = {k: list(range(n)) if k == "DCT_ORD_NUM" else [1] * n for k in JOIN_KEYS}
    keys["FLX_DIS_DTD"] = [dt.date(2024, 1, 1)] * n
    keys["FLX_TRT_DTD"] = [dt.date(2024, 1, 1)] * n
    keys["ORG_CLE_NUM"] = ["01C011000"] * n
    prs = pa.table({**keys, "BEN_NIR_PSA": [r[0] for r in rows], "BEN_RNG_GEM": [1] * n,
                    "EXE_SOI_DTD": [dt.date.fromisoformat(r[1]) for r in rows],
                    "DPN_QLF": [r[4] for r in rows]})
    pha = pa.table({**keys, "PHA_PRS_C13": [int(r[3]) for r in rows],
                    "PHA_ACT_QSN": [r[2] for r in rows]})
    return prs, pha


def _empty_pmsi(engine) -> None:
    engine.register_arrow("T_MCO23B", pa.table({
        "ETA_NUM": ["1"], "RSA_NUM": ["1"], "DGN_PAL": ["E119"], "DGN_REL": [None],
        "SOR_ANN": [2023]}))
    engine.register_arrow("T_MCO23C", pa.table({
        "ETA_NUM": ["1"], "RSA_NUM": ["1"], "NIR_ANO_17": ["STAY_BAD_LINK"], "NIR_RET": [True],
        "RNG_NAI": [1]}))
    engine.register_arrow("T_MCO23D", pa.table({"ETA_NUM": ["1"], "RSA_NUM": ["1"],
                                                "ASS_DGN": ["E119"]}))


@pytest.fixture
def engine(tmp_path):
    with get_engine(load_settings(data_dir=tmp_path), "duckdb") as eng:
        yield eng


def test_type2_diabetes_rules(engine):
    prs, pha = _dcir([
        ("IN_3_DATES", "2023-01-05", 1, SMALL, 0), ("IN_3_DATES", "2023-02-05", 1, SMALL, 0),
        ("IN_3_DATES", "2023-03-05", 1, SMALL, 0),
        ("OUT_2_SMALL", "2023-01-05", 1, SMALL, 0), ("OUT_2_SMALL", "2023-04-05", 1, SMALL, 0),
        ("IN_2_LARGE", "2023-01-05", 1, LARGE, 0), ("IN_2_LARGE", "2023-04-05", 1, SMALL, 0),
        ("OUT_SAME_DAY", "2023-01-05", 1, SMALL, 0), ("OUT_SAME_DAY", "2023-01-05", 1, SMALL, 0),
        ("OUT_SAME_DAY", "2023-02-05", 1, SMALL, 0),
        ("OUT_CANCELLED", "2023-01-05", 1, SMALL, 0), ("OUT_CANCELLED", "2023-02-05", 1, SMALL, 0),
        ("OUT_CANCELLED", "2023-03-05", 1, SMALL, 0), ("OUT_CANCELLED", "2023-03-05", -1, SMALL, 0),
        ("OUT_INFO_LINE", "2023-01-05", 1, SMALL, 0), ("OUT_INFO_LINE", "2023-02-05", 1, SMALL, 0),
        ("OUT_INFO_LINE", "2023-03-05", 1, SMALL, 71),
        ("OUT_OTHER_YEAR", "2022-11-05", 1, SMALL, 0), ("OUT_OTHER_YEAR", "2022-12-05", 1, SMALL, 0),
        ("OUT_OTHER_YEAR", "2023-01-05", 1, SMALL, 0),
        ("OUT_OTHER_DRUG", "2023-01-05", 1, "3400000000001", 0),
        ("OUT_OTHER_DRUG", "2023-02-05", 1, "3400000000001", 0),
        ("OUT_OTHER_DRUG", "2023-03-05", 1, "3400000000001", 0),
    ])
    engine.register_arrow("ER_PRS_F", prs)
    engine.register_arrow("ER_PHA_F", pha)
    engine.register_arrow("medicaments", MED)
    engine.register_arrow("IR_IMB_R", pa.table({
        "BEN_NIR_PSA": ["IN_ALD", "OUT_ALD_ENDED", "OUT_ALD_OTHER"], "BEN_RNG_GEM": [1, 1, 1],
        "MED_MTF_COD": ["E115", "E119", "I251"], "IMB_ETM_NAT": [41, 41, 41],
        "IMB_ALD_DTD": [dt.date(2019, 1, 1)] * 3,
        "IMB_ALD_DTF": [None, dt.date(2022, 12, 31), None]}))
    _empty_pmsi(engine)
    engine.register_arrow("T_MCO23B", pa.table({
        "ETA_NUM": ["1", "2", "3"], "RSA_NUM": ["1", "2", "3"],
        "DGN_PAL": ["E119", "Z491", "E119"], "DGN_REL": [None, "E112", None],
        "SOR_ANN": [2023, 2023, 2023]}))
    engine.register_arrow("T_MCO23C", pa.table({
        "ETA_NUM": ["1", "2", "3"], "RSA_NUM": ["1", "2", "3"],
        "NIR_ANO_17": ["IN_STAY_DP", "IN_STAY_DR", "OUT_BAD_LINK"],
        "NIR_RET": [False, False, True], "RNG_NAI": [1, 1, 1]}))
    got = set(engine.to_pandas(to_sql(DIABETES_T2.criterion, 2023))["BEN_NIR_PSA"])
    assert got == {"IN_3_DATES", "IN_2_LARGE", "IN_ALD", "IN_STAY_DP", "IN_STAY_DR"}


def test_every_phenotype_compiles_and_documents_itself():
    for p in PHENOTYPES.values():
        assert p.sources and p.validity and p.version
        assert "SELECT" in to_sql(p.criterion, 2023)
