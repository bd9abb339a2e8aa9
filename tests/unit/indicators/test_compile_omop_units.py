"""The OMOP compiler reads the codes of the criteria, which are the phenotypes' OMOP concept sets."""

from __future__ import annotations

from healthdatahub.indicators import compile_omop
from healthdatahub.indicators.dsl import Ald, AllOf, AnyOf, Drugs, Stay
from healthdatahub.indicators.library import PHENOTYPES


def _codes(criterion) -> dict[str, set[str]]:
    if isinstance(criterion, AnyOf | AllOf):
        out: dict[str, set[str]] = {"drug": set(), "condition": set()}
        for part in criterion.criteria:
            for k, v in _codes(part).items():
                out[k] |= v
        return out
    if isinstance(criterion, Drugs):
        return {"drug": {f"ATC:{c}" for c in criterion.atc}, "condition": set()}
    return {"drug": set(), "condition": {f"ICD10:{c}" for c in criterion.cim10}}


def test_concept_sets_are_the_criteria_codes() -> None:
    for name, phenotype in PHENOTYPES.items():
        sets = {k: v for k, v in _codes(phenotype.criterion).items() if v}
        assert {k: set(v) for k, v in phenotype.omop.items()} == sets, name


def test_tables_read() -> None:
    assert compile_omop.tables_used(Ald(("E11",))) == {"condition_occurrence"}
    assert compile_omop.tables_used(AnyOf((Stay(("E11",)), Drugs(("A10",))))) == {
        "condition_occurrence", "drug_exposure", "concept", "concept_ancestor",
        "concept_relationship"}
    sql = compile_omop.to_sql(Stay(("E11",), ("DR",)), 2023)
    assert "condition_status_source_value = 'DR'" in sql and "32902" not in sql
