"""Every rule of the library's other phenotypes on hand-built patients: who must be in, who not.

Each patient is named for what they have: ``IN_…`` patients match exactly one rule of the
phenotype, ``OUT_…`` patients are near-misses of a rule (wrong year, too few distinct dates,
same-day deliveries, cancelled deliveries, information-only lines, a neighbouring code, an
ALD of the wrong nature or period, a stay of another year or with its patient link in error).
The expected set is the ``IN_`` names; the test also checks every named patient is in the
data, so a misspelt fixture cannot make a case pass silently. The type 2 diabetes phenotype
has its own test (``test_phenotype_rules.py``).
"""

from __future__ import annotations

import pytest
from snds_world import YEAR, World

from healthdatahub.config import load_settings
from healthdatahub.engine import get_engine
from healthdatahub.indicators.compile_snds import population_sql, to_sql
from healthdatahub.indicators.dsl import Phenotype
from healthdatahub.indicators.library import (
    CROHN,
    DEMENTIA,
    HEPATITIS,
    HYPERTENSION,
    IBD,
    POLLEN_ALLERGY,
    ULCERATIVE_COLITIS,
)


@pytest.fixture
def engine(tmp_path):
    with get_engine(load_settings(data_dir=tmp_path), "duckdb") as eng:
        yield eng


def _cases(engine, world: World, phenotype: Phenotype) -> set[str]:
    world.register(engine)
    return set(engine.to_pandas(to_sql(phenotype.criterion, YEAR))["BEN_NIR_PSA"])


def _expected(world: World) -> set[str]:
    names = world.named()
    assert all(n.startswith(("IN_", "OUT_")) for n in names)
    assert any(n.startswith("IN_") for n in names) and any(n.startswith("OUT_") for n in names)
    return {n for n in names if n.startswith("IN_")}


def _drug_rule(w: World, small: str, large: str | None, other: str, tag: str,
               day: tuple[str, str, str] = ("2023-03-05", "2023-04-05", "2023-05-05")) -> None:
    """The shared near-misses of a "3 distinct dates, 2 with a large pack" drug rule."""
    a, b, c = day
    for d in day:
        w.drug(f"IN_{tag}_3_DATES", d, small)
    if large is not None:
        w.drug(f"IN_{tag}_2_DATES_LARGE", a, large)
        w.drug(f"IN_{tag}_2_DATES_LARGE", b, small)
        w.drug(f"OUT_{tag}_1_DATE_LARGE", a, large)
    for d in (a, b):
        w.drug(f"OUT_{tag}_2_DATES_SMALL", d, small)
    for d in (a, a, b):
        w.drug(f"OUT_{tag}_SAME_DAY", d, small)
    for d in day:
        w.drug(f"OUT_{tag}_CANCELLED", d, small)
    w.drug(f"OUT_{tag}_CANCELLED", c, small, qty=-1)
    w.drug(f"OUT_{tag}_INFO_LINE", a, small)
    w.drug(f"OUT_{tag}_INFO_LINE", b, small)
    w.drug(f"OUT_{tag}_INFO_LINE", c, small, dpn_qlf=71)
    for d in ("2022-10-05", "2022-11-05", a):
        w.drug(f"OUT_{tag}_OTHER_YEAR", d, small)
    for d in day:
        w.drug(f"OUT_{tag}_OTHER_DRUG", d, other)


def _ald_rule(w: World, code: str, neighbour: str, tag: str) -> None:
    """ALD active in the year (from before, ending in it, starting in it) and its near-misses."""
    w.ald(f"IN_{tag}_ALD", code)
    w.ald(f"IN_{tag}_ALD_ENDS_IN_YEAR", code, end="2023-02-28")
    w.ald(f"IN_{tag}_ALD_STARTS_IN_YEAR", code, start="2023-11-30")
    w.ald(f"IN_{tag}_ALD_NATURE_45", code, nature=45)
    w.ald(f"OUT_{tag}_ALD_ENDED", code, end="2022-12-31")
    w.ald(f"OUT_{tag}_ALD_LATER", code, start="2024-01-01")
    w.ald(f"OUT_{tag}_ALD_NOT_ALD_NATURE", code, nature=0)
    w.ald(f"OUT_{tag}_ALD_OTHER_CODE", neighbour)


def _stay_rule(w: World, code: str, neighbour: str, tag: str, das: bool) -> None:
    """A stay with the code as DP, DR (and DAS when the rule takes it) and its near-misses."""
    w.stay(f"IN_{tag}_STAY_DP", dp=code)
    w.stay(f"IN_{tag}_STAY_DR", dp="Z491", dr=code)
    w.stay(f"{'IN' if das else 'OUT'}_{tag}_STAY_DAS", dp="Z491", das=code)
    w.stay(f"OUT_{tag}_STAY_LINK_ERROR", dp=code, link_error=True)
    w.stay(f"OUT_{tag}_STAY_OTHER_YEAR", dp=code, year=YEAR - 1)
    w.stay(f"OUT_{tag}_STAY_OTHER_CODE", dp=neighbour, dr=neighbour, das=neighbour)


def test_treated_hypertension_rules(engine):
    w = World()
    _drug_rule(w, "C09_S", "C09_L", "C01_S", "C09")
    for day, drug in (("2023-01-10", "C02_S"), ("2023-02-10", "C03_S"), ("2023-03-10", "C07_S")):
        w.drug("IN_3_DATES_ACROSS_CLASSES", day, drug)
    for day in ("2023-01-10", "2023-02-10", "2023-03-10"):
        w.drug("IN_C08_3_DATES", day, "C08_S")
        w.drug("OUT_ANTIDIABETIC", day, "A10_S")
    assert _cases(engine, w, HYPERTENSION) == _expected(w)


def test_chronic_viral_hepatitis_rules(engine):
    w = World()
    _ald_rule(w, "B181", "B171", "B18")
    _stay_rule(w, "B182", "B172", "B18", das=True)
    for day in ("2023-03-05", "2023-09-05"):
        w.drug("IN_HCV_ANTIVIRAL_2_DATES", day, "J05AP_S")
        w.drug("IN_HBV_NUCLEOSIDE_2_DATES", day, "J05AF_S")
        w.drug("OUT_HIV_PROTEASE_INHIBITOR", day, "J05AE_S")
        w.drug("OUT_ANTIVIRAL_SAME_DAY", "2023-03-05", "J05AP_S")
    w.drug("OUT_ANTIVIRAL_1_DATE_LARGE", "2023-03-05", "J05AP_L")  # no large-pack rule
    w.drug("OUT_ANTIVIRAL_CANCELLED", "2023-03-05", "J05AP_S")
    w.drug("OUT_ANTIVIRAL_CANCELLED", "2023-09-05", "J05AP_S")
    w.drug("OUT_ANTIVIRAL_CANCELLED", "2023-09-05", "J05AP_S", qty=-1)
    w.drug("OUT_ANTIVIRAL_INFO_LINE", "2023-03-05", "J05AF_S")
    w.drug("OUT_ANTIVIRAL_INFO_LINE", "2023-09-05", "J05AF_S", dpn_qlf=71)
    w.drug("OUT_ANTIVIRAL_OTHER_YEAR", "2022-12-20", "J05AF_S")
    w.drug("OUT_ANTIVIRAL_OTHER_YEAR", "2023-01-05", "J05AF_S")
    assert _cases(engine, w, HEPATITIS) == _expected(w)


def test_crohn_rules(engine):
    w = World()
    _ald_rule(w, "K500", "K510", "K50")
    _stay_rule(w, "K501", "K528", "K50", das=True)
    w.stay("OUT_ULCERATIVE_COLITIS_STAY", dp="K519")
    assert _cases(engine, w, CROHN) == _expected(w)


def test_ulcerative_colitis_rules(engine):
    w = World()
    _ald_rule(w, "K510", "K500", "K51")
    _stay_rule(w, "K519", "K528", "K51", das=True)
    w.stay("OUT_CROHN_STAY", dp="K501")
    assert _cases(engine, w, ULCERATIVE_COLITIS) == _expected(w)


def test_inflammatory_bowel_disease_rules(engine):
    w = World()
    _ald_rule(w, "K500", "K520", "CROHN")
    _ald_rule(w, "K511", "K529", "RCH")
    _stay_rule(w, "K508", "K528", "CROHN", das=True)
    _stay_rule(w, "K513", "K580", "RCH", das=True)
    assert _cases(engine, w, IBD) == _expected(w)


def test_pollen_allergy_rules(engine):
    w = World()
    w.drug("IN_ANTIHISTAMINE_MARCH_JUNE", "2023-03-01", "R06AX_S")
    w.drug("IN_ANTIHISTAMINE_MARCH_JUNE", "2023-06-30", "R06AX_S")
    w.drug("IN_TWO_CLASSES_IN_SEASON", "2023-04-10", "R06AE_S")
    w.drug("IN_TWO_CLASSES_IN_SEASON", "2023-05-10", "R01AD_S")
    w.drug("IN_ALLERGEN_EXTRACT_ONCE", "2023-11-10", "V01AA_S")
    w.drug("OUT_ONE_DATE_OUT_OF_SEASON", "2023-02-28", "R06AX_S")
    w.drug("OUT_ONE_DATE_OUT_OF_SEASON", "2023-03-15", "R06AX_S")
    w.drug("OUT_SUMMER_ONLY", "2023-07-01", "R06AE_S")
    w.drug("OUT_SUMMER_ONLY", "2023-08-01", "R06AE_S")
    w.drug("OUT_ONE_LARGE_PACK_IN_SEASON", "2023-04-01", "R06AX_L")  # no large-pack rule
    w.drug("OUT_SAME_DAY_IN_SEASON", "2023-04-01", "R06AX_S")
    w.drug("OUT_SAME_DAY_IN_SEASON", "2023-04-01", "R01AD_S")
    w.drug("OUT_OTHER_ANTIHISTAMINE", "2023-04-01", "R06AA_S")
    w.drug("OUT_OTHER_ANTIHISTAMINE", "2023-05-01", "R06AA_S")
    w.drug("OUT_SEASON_OF_LAST_YEAR", "2022-04-01", "R06AX_S")
    w.drug("OUT_SEASON_OF_LAST_YEAR", "2022-05-01", "R06AX_S")
    w.drug("OUT_IN_SEASON_INFO_LINE", "2023-04-01", "R06AX_S")
    w.drug("OUT_IN_SEASON_INFO_LINE", "2023-05-01", "R06AX_S", dpn_qlf=71)
    w.drug("OUT_EXTRACT_CANCELLED", "2023-11-10", "V01AA_S")
    w.drug("OUT_EXTRACT_CANCELLED", "2023-11-10", "V01AA_S", qty=-1)
    w.drug("OUT_EXTRACT_INFO_LINE", "2023-11-10", "V01AA_S", dpn_qlf=71)
    w.drug("OUT_EXTRACT_LAST_YEAR", "2022-11-10", "V01AA_S")
    w.drug("OUT_OTHER_ALLERGEN_CLASS", "2023-11-10", "V01AB_S")
    assert _cases(engine, w, POLLEN_ALLERGY) == _expected(w)


def test_dementia_rules(engine):
    w = World()
    _ald_rule(w, "G309", "G35", "G30")
    _stay_rule(w, "F03", "F04", "F03", das=True)
    for code in ("F00", "F01", "F02", "F03", "G30", "G31"):
        w.ald(f"IN_ALD_{code}", f"{code}9")
    w.stay("IN_STAY_DR_G31", dp="Z491", dr="G311")
    w.stay("IN_STAY_DAS_F00", dp="Z491", das="F001")
    w.ald("OUT_ALD_G32", "G328")
    _drug_rule(w, "N06DA_S", "N06DA_L", "N06AB_S", "N06DA")
    w.drug("IN_N06DX_2_DATES_LARGE", "2023-02-01", "N06DX_L")
    w.drug("IN_N06DX_2_DATES_LARGE", "2023-08-01", "N06DX_S")
    assert _cases(engine, w, DEMENTIA) == _expected(w)


@pytest.mark.parametrize("phenotype", [HYPERTENSION, DEMENTIA], ids=lambda p: p.name)
def test_minimum_age_of_a_phenotype(engine, phenotype):
    """A person meeting the criterion counts as a case only from the phenotype's minimum age."""
    w = World()
    at_min, below = YEAR - phenotype.min_age, YEAR - phenotype.min_age + 1
    for name, born in (("AT_MIN_AGE", at_min), ("BELOW_MIN_AGE", below)):
        w.person(name, born)
        if phenotype is DEMENTIA:
            w.ald(name, "F009")
        else:
            for day in ("2023-01-10", "2023-02-10", "2023-03-10"):
                w.drug(name, day, "C09_S")
    assert _cases(engine, w, phenotype) == {"AT_MIN_AGE", "BELOW_MIN_AGE"}
    pop = engine.to_pandas(f"SELECT age, is_case FROM ({population_sql(phenotype, YEAR)}) AS p")
    assert sorted(map(tuple, pop.to_numpy().tolist())) == [
        (phenotype.min_age - 1, 0), (phenotype.min_age, 1)]
