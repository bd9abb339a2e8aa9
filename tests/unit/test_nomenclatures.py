"""The shipped reference files: present, small, coherent, and faithful to the SNDS sources."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from healthdatahub.errors import HubError
from healthdatahub.snds import nomenclatures
from healthdatahub.snds.nir import is_valid_nir  # noqa: F401  (import check: module present)

PKG = Path(nomenclatures.__file__).parent
SHARED = Path(__file__).resolve().parents[3] / "shared" / "snds-schema" / "nomenclatures"


def _ean13_ok(code: str) -> bool:
    digits = [int(c) for c in code]
    s = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - s % 10) % 10 == digits[12]


def test_every_file_loads_and_is_small() -> None:
    for name in nomenclatures.names():
        assert nomenclatures.load(name).num_rows > 0, name
    total = sum(p.stat().st_size for p in PKG.iterdir() if p.suffix in (".csv", ".gz"))
    assert total < 4_000_000
    with pytest.raises(HubError):
        nomenclatures.load("nope")


def test_drugs_have_valid_cip13_and_atc() -> None:
    t = nomenclatures.load("medicaments").to_pylist()
    assert 150 <= len(t) <= 1000
    assert len({r["CIP13"] for r in t}) == len(t)
    for r in t:
        assert r["CIP13"].startswith("34009") and r["CIP13"][5:12] == r["CIP7"]
        assert _ean13_ok(r["CIP13"]), r
        assert r["ATC"][:3] == r["ATC_CLASSE"]
    a10 = [r for r in t if r["ATC"].startswith("A10")]
    assert any(r["GRAND_COND"] for r in a10) and any(r["ATC"].startswith("A10BA02") for r in a10)
    assert any(r["ATC"].startswith("C09") for r in t)


def test_demography() -> None:
    dpt = nomenclatures.load("departements").to_pylist()
    assert len(dpt) == 101 and {"075", "02A", "02B", "971", "976"} <= {d["DPT_COD"] for d in dpt}
    assert 66_000_000 < sum(d["POPULATION_2021"] for d in dpt) < 69_000_000
    assert all(len(d["ORG_CPAM"]) == 9 for d in dpt)
    pyr = nomenclatures.load("pyramide_2023").to_pylist()
    men, women = sum(r["HOMMES"] for r in pyr), sum(r["FEMMES"] for r in pyr)
    assert 66_000_000 < men + women < 70_000_000 and 0.50 < women / (men + women) < 0.53


def test_codes() -> None:
    cim = {r["CIM_COD"]: r for r in nomenclatures.load("cim10").to_pylist()}
    assert len(cim) > 15_000 and cim["E119"]["ALD_NUM"] == "8" and "Diab" in cim["E11"]["LIBELLE"]
    ccam = nomenclatures.load("ccam").to_pylist()
    assert 300 <= len(ccam) <= 1000 and all(len(r["CDC_ACT"]) == 7 for r in ccam)
    names = nomenclatures.load("noms")
    assert names.num_rows > 200_000 and names["NOM"][0].as_py() == "Martin"
    first = nomenclatures.load("prenoms").to_pylist()
    assert {(r["SEXE"], r["DECENNIE"]) for r in first} >= {(1, 1950), (2, 2010)}


@pytest.mark.skipif(not SHARED.exists(), reason="shared SNDS nomenclatures not available")
def test_agrees_with_shared_sources() -> None:
    with (SHARED / "ATIH" / "IR_CCAM_V63.csv").open(encoding="utf-8") as f:
        acts = {r[0] for r in csv.reader(f, delimiter=";")}
    assert {r["CDC_ACT"] for r in nomenclatures.load("ccam").to_pylist()} <= acts
    with (SHARED / "ORAVAL" / "IR_CIP_V.csv").open(encoding="utf-8") as f:
        cip = {r["PHA_PRS_IDE"]: r["PHA_ATC_CLA"] for r in csv.DictReader(f, delimiter=";")}
    for r in nomenclatures.load("medicaments").to_pylist():
        assert cip[r["CIP7"]] == r["ATC_CLASSE"]


def test_package_never_reads_shared() -> None:
    src = Path(nomenclatures.__file__).parents[1]
    for path in list(src.joinpath("synth").glob("*.py")) + [PKG / "__init__.py"]:
        assert "shared" not in path.read_text(encoding="utf-8"), path
