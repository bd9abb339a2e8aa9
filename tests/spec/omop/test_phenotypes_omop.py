"""Every phenotype finds the same people on an SNDS extraction and on the CDM the hub's ETL
builds from it, on every engine (OMOP person_id mapped back through person_source_value)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from healthdatahub.engine import Engine, get_engine
from healthdatahub.indicators import compile_omop, compile_snds, templates
from healthdatahub.indicators.dsl import Ald
from healthdatahub.indicators.library import PHENOTYPES
from healthdatahub.omop.build import build_cdm
from healthdatahub.omop.service import register_cdm

YEAR = 2023
ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]
#: Phenotypes the synthetic extraction never fires (docs/indicators.md says why).
ZERO_ON_SYNTHETIC = {"hepatite_virale_chronique", "crohn", "rectocolite", "mici"}


def _snds(engine: Engine, criterion) -> set[str]:
    sql = (f"SELECT DISTINCT BEN_NIR_PSA || ':' || CAST(BEN_RNG_GEM AS VARCHAR) AS k "
           f"FROM ({compile_snds.to_sql(criterion, YEAR)}) AS q")
    return set(engine.to_arrow(sql).column("k").to_pylist())


def _omop(engine: Engine, criterion) -> set[str]:
    sql = (f"SELECT DISTINCT p.person_source_value AS k FROM "
           f"({compile_omop.to_sql(criterion, YEAR)}) AS q JOIN person AS p "
           "ON p.person_id = q.person_id")
    return set(engine.to_arrow(sql).column("k").to_pylist())


def _cells(engine: Engine, sql: str) -> list[tuple]:
    rows = engine.to_arrow(
        f"SELECT CAST(year AS BIGINT) AS year, CAST(age AS BIGINT) AS age, sex, dpt, "
        f"CAST(sum(is_case) AS BIGINT) AS cases, count(*) AS n FROM ({sql}) AS q "
        "GROUP BY year, age, sex, dpt").to_pylist()
    return sorted(tuple(r.values()) for r in rows)


def _parts(criterion):
    return getattr(criterion, "criteria", (criterion,))


@pytest.fixture(params=ENGINES)
def both(request, extraction, duck_cdm) -> Engine:
    """An engine with the 2023 extraction's SNDS tables and its CDM (built by the ETL)."""
    with get_engine(name=request.param) as engine:
        templates.register_snds(engine, extraction[YEAR])
        register_cdm(engine, duck_cdm[0])
        yield engine


def test_every_phenotype_and_rule_finds_the_same_people(both: Engine) -> None:
    found = {}
    for name, phenotype in PHENOTYPES.items():
        for part in _parts(phenotype.criterion):
            assert _omop(both, part) == _snds(both, part), (name, part)
        found[name] = _omop(both, phenotype.criterion)
        assert found[name] == _snds(both, phenotype.criterion), name
    assert {n for n, people in found.items() if not people} == ZERO_ON_SYNTHETIC
    # the rules are exercised: diabetes by drugs, ALD and stays; large packs; pollen months
    diabetes = _parts(PHENOTYPES["diabete_t2"].criterion)
    assert all(_omop(both, part) for part in diabetes)
    assert len(found["hta_traitee"]) > 10 and found["allergie_pollen"]


def test_population_tables_are_the_same(both: Engine) -> None:
    """The templates' input (year, age, sex, dpt, is_case) is identical on either source."""
    for name, phenotype in PHENOTYPES.items():
        omop = _cells(both, compile_omop.population_sql(phenotype, YEAR))
        assert omop == _cells(both, compile_snds.population_sql(phenotype, YEAR)), name
        assert sum(c[-1] for c in omop) == 300


def _rewrite(extraction: Path, tmp_path: Path, table: str, change) -> Path:
    """A copy of ``extraction`` whose ``table`` is ``change(table)``."""
    source = tmp_path / "snds"
    shutil.copytree(extraction, source)
    folder = source / table
    changed = change(pq.read_table(folder))
    shutil.rmtree(folder)
    folder.mkdir()
    pq.write_table(changed, folder / "part-0.parquet")
    return source


def _set(table: pa.Table, column: str, where: pa.ChunkedArray, value: int) -> pa.Table:
    field = table.schema.field(column)
    return table.set_column(table.schema.get_field_index(column), field,
                            pc.if_else(where, pa.scalar(value, field.type), table.column(column)))


def test_ald_nature_is_not_kept_by_the_etl(extraction, vocab, tmp_path: Path) -> None:
    """The documented difference: an exoneration of another nature than 41/43/45 is not an
    ALD for the SNDS compiler, and is one on OMOP (the ETL does not keep IMB_ETM_NAT)."""
    source = _rewrite(extraction[YEAR], tmp_path, "IR_IMB_R", lambda t: _set(
        t, "IMB_ETM_NAT", pc.starts_with(t.column("MED_MTF_COD"), "E11"), 30))
    with get_engine(name="duckdb") as engine:
        build_cdm(engine, [source], tmp_path / "cdm", vocab)
        templates.register_snds(engine, extraction[YEAR])
        before = _snds(engine, Ald(("E11",)))
        templates.register_snds(engine, source)
        register_cdm(engine, tmp_path / "cdm", vocab)
        assert before and _snds(engine, Ald(("E11",))) == set()
        assert _omop(engine, Ald(("E11",))) == before


def test_prs_dpn_qlp_71_lines_count_on_snds_only(extraction, vocab, tmp_path: Path) -> None:
    """The documented difference: the ETL drops PRS_DPN_QLP = 71 lines, the SNDS compiler
    only DPN_QLF = 71 ones; one person's antidiabetic deliveries flagged so leave OMOP only."""
    drugs = PHENOTYPES["diabete_t2"].criterion.criteria[0]
    with get_engine(name="duckdb") as engine:
        templates.register_snds(engine, extraction[YEAR])
        before = _snds(engine, drugs)
    flagged = min(before)
    nir, rng = flagged.split(":")
    source = _rewrite(extraction[YEAR], tmp_path, "ER_PRS_F", lambda t: _set(
        t, "PRS_DPN_QLP", pc.and_(pc.equal(t.column("BEN_NIR_PSA"), nir),
                                  pc.equal(t.column("BEN_RNG_GEM"), int(rng))), 71))
    with get_engine(name="duckdb") as engine:
        build_cdm(engine, [source], tmp_path / "cdm", vocab)
        templates.register_snds(engine, source)
        register_cdm(engine, tmp_path / "cdm", vocab)
        assert _snds(engine, drugs) == before
        assert _omop(engine, drugs) == before - {flagged}
