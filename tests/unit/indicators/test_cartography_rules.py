"""The cartography-shaped table on hand-built beneficiaries: its columns, key, demographics, flags."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from snds_world import YEAR, World

from healthdatahub.config import load_settings
from healthdatahub.engine import get_engine
from healthdatahub.indicators import cartography
from healthdatahub.indicators.library import PHENOTYPES

SHARED = (Path(__file__).resolve().parents[4] / "shared" / "snds-schema" / "schemas"
          / "CARTOGRAPHIE_PATHOLOGIES" / "CT_IND_AAAA_GN.json")


@pytest.fixture
def engine(tmp_path):
    with get_engine(load_settings(data_dir=tmp_path), "duckdb") as eng:
        yield eng


def test_columns_are_the_descriptors_and_the_library_flags():
    fields = cartography.descriptor_fields()
    assert cartography.key_columns() == ["id_carto"]
    filled = cartography.filled_columns()
    assert filled[0] == "id_carto" and set(filled) <= set(fields)
    assert filled == [name for name in fields if name in set(filled)]  # descriptor order
    assert set(cartography.flags()) == {c for p in PHENOTYPES.values() for c in p.cartography}
    assert {"top_FDiabet_ind", "sup_FAntiHTA_med_nnexclu", "top_IRCrRCH_ind",
            "top_NDemenc_ind"} <= set(filled)
    assert "top_CvAVC_aig" in cartography.absent_columns()  # no phenotype for stroke yet
    assert set(filled) | set(cartography.absent_columns()) == set(fields)


@pytest.mark.skipif(not SHARED.is_file(), reason="the shared SNDS schema is not mounted here")
def test_bundled_descriptor_is_the_shared_one():
    assert cartography.descriptor() == json.loads(SHARED.read_text(encoding="utf-8"))


def test_rows_key_demographics_and_flags(engine):
    w = World()
    w.person("DIABETIC_ADULT", born=1970, sex=2, dpt="075", nir_ano="A" * 17)
    w.ald("DIABETIC_ADULT", "E119")
    w.person("DIABETIC_CHILD", born=2015)  # meets the criterion, below the minimum age 18
    w.ald("DIABETIC_CHILD", "E109")  # E10 is not E11: no flag either way
    w.ald("DIABETIC_CHILD", "E110")
    w.person("CROHN_AND_DEMENTIA", born=1930, dpt="035")
    w.ald("CROHN_AND_DEMENTIA", "K500")
    w.stay("CROHN_AND_DEMENTIA", dp="G309")
    w.person("HYPERTENSIVE_DIES_IN_YEAR", born=1950, death="2023-06-30")
    for day in ("2023-01-10", "2023-02-10", "2023-03-10"):
        w.drug("HYPERTENSIVE_DIES_IN_YEAR", day, "C09_S")
    w.person("DEAD_BEFORE_YEAR", born=1940, death="2022-12-31")
    w.ald("DEAD_BEFORE_YEAR", "E119")
    w.person("BORN_AFTER_YEAR", born=2024)
    w.person("CENTENARIAN", born=1900)
    w.register(engine)
    engine.register_arrow("departements", pa.table({"DPT_COD": ["075", "035"],
                                                    "REG_COD": ["11", "53"]}))
    got = engine.to_pandas(cartography.cartography_sql(YEAR)).set_index("id_carto")
    assert list(got.reset_index().columns) == cartography.filled_columns()
    assert set(got.index) == {"A" * 17 + "U", "DIABETIC_CHILD1", "CROHN_AND_DEMENTIA1",
                              "HYPERTENSIVE_DIES_IN_YEAR1", "CENTENARIAN1"}
    adult, child = got.loc["A" * 17 + "U"], got.loc["DIABETIC_CHILD1"]
    assert (adult.ben_sex_cod, adult.age, adult.cla_age_ct, adult.new_cod_reg) == (2, 53, "35-54", "11")
    assert (adult.top_FDiabet_ind, adult.top_IRCrRCH_ind, adult.top_NDemenc_ind) == (1, 0, 0)
    assert (child.age, child.cla_age_ct, child.top_FDiabet_ind) == (8, "0-14", 0)
    old = got.loc["CROHN_AND_DEMENTIA1"]
    assert (old.cla_age_ct, old.new_cod_reg, old.top_IRCrRCH_ind, old.top_NDemenc_ind,
            old.top_FDiabet_ind) == ("75+", "53", 1, 1, 0)
    dying = got.loc["HYPERTENSIVE_DIES_IN_YEAR1"]
    assert (dying.dcd_3112, dying.sup_FAntiHTA_med_nnexclu, adult.dcd_3112) == (1, 1, 0)
    assert got.loc["CENTENARIAN1"].age == 110  # clamped like the cartography's
    assert set(got.version) == {cartography.VERSION}
    flags = got[list(cartography.flags())]
    assert set(flags.stack().unique()) == {0, 1}
