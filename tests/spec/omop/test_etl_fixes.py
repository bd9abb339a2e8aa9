"""Rules added after the DQD's findings on the synthetic CDM, on hand-built rows (both engines)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pyarrow as pa
import pytest

from healthdatahub.engine import Engine, get_engine
from healthdatahub.omop.build import EXCLUDED_NATURES, era_params
from healthdatahub.omop.etl import render

ENGINE_PARAMS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]
PARAMS = {"salt": "s", "finess_suppressed": False, "excluded_natures": EXCLUDED_NATURES,
          "first_day": "2023-01-01", "last_day": "2023-12-31"}


def _pid(nir: str, rank: int) -> int:
    return int(hashlib.sha256(f"P|{nir}|{rank}".encode()).hexdigest()[:15], 16)


@pytest.fixture(params=ENGINE_PARAMS)
def eng(request: pytest.FixtureRequest) -> Engine:
    with get_engine(name=request.param) as engine:
        yield engine


def test_ald_end_capped_at_observation_end_and_status_confirmed(eng: Engine) -> None:
    eng.register_arrow("ben", pa.Table.from_pylist(
        [{"BEN_NIR_PSA": n, "BEN_RNG_GEM": 1} for n in ("A", "B", "C", "D")]))
    eng.register_arrow("death", pa.Table.from_pylist(
        [{"person_id": _pid("B", 1), "death_date": dt.date(2023, 6, 30)}]))
    eng.register_arrow("source_map", pa.table({"source_vocabulary_id": ["CIM10"],
                                               "source_code": ["E11"], "source_concept_id": [1],
                                               "target_concept_id": [2],
                                               "target_rank": [1]}))
    d = dt.date
    eng.register_arrow("imb", pa.Table.from_pylist([
        {"BEN_NIR_PSA": "A", "BEN_RNG_GEM": 1, "IMB_ALD_NUM": 8, "MED_MTF_COD": "E11",
         "IMB_ALD_DTD": d(2015, 1, 1), "IMB_ALD_DTF": d(2030, 1, 1)},   # future → last day
        {"BEN_NIR_PSA": "B", "BEN_RNG_GEM": 1, "IMB_ALD_NUM": 8, "MED_MTF_COD": "E11",
         "IMB_ALD_DTD": d(2015, 1, 1), "IMB_ALD_DTF": d(2026, 1, 1)},   # dead → death date
        {"BEN_NIR_PSA": "C", "BEN_RNG_GEM": 1, "IMB_ALD_NUM": 8, "MED_MTF_COD": "E11",
         "IMB_ALD_DTD": d(2015, 1, 1), "IMB_ALD_DTF": d(2020, 5, 1)},   # ended: kept
        {"BEN_NIR_PSA": "D", "BEN_RNG_GEM": 1, "IMB_ALD_NUM": 8, "MED_MTF_COD": "E11",
         "IMB_ALD_DTD": d(2015, 1, 1), "IMB_ALD_DTF": None}]))          # open: stays NULL
    rows = eng.to_arrow("SELECT condition_source_value AS code, condition_status_concept_id AS s, "
                        "condition_end_date AS e, person_id FROM (" + render("condition_ald",
                        **PARAMS) + ") q ORDER BY person_id").to_pylist()
    ends = {r["person_id"]: r["e"] for r in rows}
    assert ends == {_pid("A", 1): d(2023, 12, 31), _pid("B", 1): d(2023, 6, 30),
                    _pid("C", 1): d(2020, 5, 1), _pid("D", 1): None}
    assert {r["s"] for r in rows} == {32893}


def test_pmsi_entry_and_exit_modes_mapped(eng: Engine) -> None:
    eng.register_arrow("ben", pa.Table.from_pylist([{"BEN_NIR_PSA": "A", "BEN_RNG_GEM": 1}]))
    modes = [("8", "8"), ("7", "9"), ("6", "7"), ("0", "0")]
    eng.register_arrow("mco_b", pa.Table.from_pylist([
        {"ETA_NUM": "750000001", "RSA_NUM": str(i), "DGN_PAL": "E119", "DGN_REL": None,
         "SEJ_NBJ": 1, "ENT_MOD": e, "SOR_MOD": s} for i, (e, s) in enumerate(modes)]))
    eng.register_arrow("mco_c", pa.Table.from_pylist([
        {"ETA_NUM": "750000001", "RSA_NUM": str(i), "NIR_ANO_17": "A", "RNG_NAI": 1,
         "NIR_RET": False, "ENT_DAT": dt.date(2023, 3, 1), "SOR_DAT": dt.date(2023, 3, 2)}
        for i in range(len(modes))]))
    rows = eng.to_arrow("SELECT RSA_NUM, admitted_from_concept_id AS a, discharged_to_concept_id "
                        "AS d FROM (" + render("pmsi_stays", **PARAMS) + ") q ORDER BY 1"
                        ).to_pylist()
    # home (8) and death (9) are 0 by the CDM's convention; transfers are an inpatient hospital
    assert [(r["a"], r["d"]) for r in rows] == [(0, 0), (8717, 0), (8717, 8717), (8717, 8717)]


def test_identical_exposures_make_one_era(eng: Engine) -> None:
    d = dt.date
    eng.register_arrow("ev", pa.Table.from_pylist(
        [{"person_id": 1, "concept_id": 5, "start_date": d(2023, 1, 31), "end_date": e}
         for e in (d(2023, 3, 1), d(2023, 3, 1), d(2023, 3, 1), d(2023, 2, 1))]
        + [{"person_id": 1, "concept_id": 5, "start_date": d(2023, 3, 20),
            "end_date": d(2023, 4, 1)}]))
    params = {**era_params("Condition", PARAMS), "events": "SELECT * FROM ev"}
    rows = eng.to_arrow("SELECT condition_era_start_date AS s, condition_era_end_date AS e, "
                        "condition_occurrence_count AS n FROM (" + render("era", **params) +
                        ") q").to_pylist()
    assert rows == [{"s": d(2023, 1, 31), "e": d(2023, 4, 1), "n": 5}]
