"""The phenotypes' SQL and the cartography table give the same people on every engine."""

from __future__ import annotations

import pyarrow as pa
from snds_world import YEAR, World

from healthdatahub.indicators import cartography
from healthdatahub.indicators.compile_snds import to_sql
from healthdatahub.indicators.library import PHENOTYPES


def _world() -> World:
    w = World()
    w.person("T2D_DRUGS", born=1960, nir_ano="B" * 17)
    for day in ("2023-01-10", "2023-02-10", "2023-03-10"):
        w.drug("T2D_DRUGS", day, "A10_S")
        w.drug("HTA_CANCELLED", day, "C09_S")
    w.drug("HTA_CANCELLED", "2023-03-10", "C09_S", qty=-1)
    w.drug("HTA_LARGE", "2023-04-01", "C09_L")
    w.drug("HTA_LARGE", "2023-05-01", "C03_S")
    w.drug("POLLEN", "2023-04-01", "R06AX_S")
    w.drug("POLLEN", "2023-05-01", "R01AD_S")
    w.drug("POLLEN_JULY", "2023-07-01", "R06AX_S")
    w.drug("POLLEN_JULY", "2023-07-15", "R06AX_S")
    w.ald("CROHN_ALD", "K500")
    w.ald("HEPATITIS_ENDED", "B181", end="2022-06-30")
    w.stay("RCH_DAS", dp="Z491", das="K519")
    w.stay("DEMENTIA_DR", dp="Z491", dr="G301")
    w.stay("DEMENTIA_BAD_LINK", dp="F03", link_error=True)
    w.person("DEMENTIA_DR", born=1935, dpt="035")
    w.person("YOUNG_HEPATITIS", born=2010)
    w.stay("YOUNG_HEPATITIS", dp="B182")
    return w


EXPECTED = {
    "diabete_t2": {"T2D_DRUGS"}, "hta_traitee": {"HTA_LARGE"},
    "hepatite_virale_chronique": {"YOUNG_HEPATITIS"}, "crohn": {"CROHN_ALD"},
    "rectocolite": {"RCH_DAS"}, "mici": {"CROHN_ALD", "RCH_DAS"},
    "allergie_pollen": {"POLLEN"}, "demence_alzheimer": {"DEMENTIA_DR"},
}


def test_every_phenotype_finds_the_same_people(engine):
    _world().register(engine)
    for name, phenotype in PHENOTYPES.items():
        got = set(engine.to_arrow(to_sql(phenotype.criterion, YEAR)).column("BEN_NIR_PSA")
                  .to_pylist())
        assert got == EXPECTED[name], name


def test_cartography_table_is_the_same(engine):
    _world().register(engine)
    engine.register_arrow("departements", pa.table({"DPT_COD": ["075", "035"],
                                                    "REG_COD": ["11", "53"]}))
    table = engine.to_arrow(cartography.cartography_sql(YEAR)).to_pylist()
    assert [list(r) for r in table[:1]] == [cartography.filled_columns()]
    rows = {r["id_carto"]: r for r in table}
    assert rows["B" * 17 + "U"]["top_FDiabet_ind"] == 1
    assert rows["B" * 17 + "U"]["cla_age_ct"] == "55-64"
    flagged = {k for k, r in rows.items() if any(r[c] for c in cartography.flags())}
    assert flagged == {"B" * 17 + "U", "HTA_LARGE1", "CROHN_ALD1", "RCH_DAS1", "DEMENTIA_DR1"}
    assert rows["DEMENTIA_DR1"]["new_cod_reg"] == "53" and rows["DEMENTIA_DR1"]["age"] == 88
