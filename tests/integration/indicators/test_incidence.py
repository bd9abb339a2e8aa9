"""Incidence: the population at risk in Y leaves out who was already a case in Y-1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from healthdatahub.config import Settings
from healthdatahub.engine import get_engine
from healthdatahub.errors import HubError
from healthdatahub.indicators import compile_snds, service, templates
from healthdatahub.indicators.library import get_phenotype

PARAMS = {"phenotype": "diabete_t2", "year": "2023", "by": "sex", "bands": "18-"}
SHIFTED = ("ER_PRS_F", "ER_PHA_F", "T_MCO23A", "T_MCO23B", "T_MCO23C", "T_MCO23D")


def _shift_back(con, source: Path, target: Path) -> None:
    """Copy a table's Parquet with every date one year earlier."""
    columns = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{source}/*.parquet')").fetchall()
    items = [f"CAST({c} - INTERVAL 1 YEAR AS {t}) AS {c}" if t in ("DATE", "TIMESTAMP")
             else c for c, t, *_ in columns]
    target.mkdir(parents=True)
    con.execute(f"COPY (SELECT {', '.join(items)} FROM read_parquet('{source}/*.parquet')) "
                f"TO '{target}/part-prior.parquet' (FORMAT parquet)")


@pytest.fixture(scope="module")
def two_years(extraction: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2023 extraction plus a 2022 copy of its claims and stays, one year earlier."""
    out = tmp_path_factory.mktemp("two-years") / "snds"
    shutil.copytree(extraction, out, ignore=shutil.ignore_patterns("reference"))
    manifest = json.loads((out / "manifest.json").read_text())
    con = duckdb.connect()
    for table in SHIFTED:
        prior = table.replace("T_MCO23", "T_MCO22")
        if table.startswith("T_MCO"):
            _shift_back(con, extraction / table, out / prior)
            manifest["tables"][prior] = manifest["tables"][table]
        else:  # claims of both years in one table, as a two-year extraction delivers them
            _shift_back(con, extraction / table, out / f"{table}-prior")
            shutil.move(out / f"{table}-prior" / "part-prior.parquet", out / table)
            (out / f"{table}-prior").rmdir()
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def _population(settings: Settings, source: Path, template: str) -> tuple[int, int]:
    with get_engine(settings) as engine:
        templates.register_snds(engine, source)
        params = templates.parse_params(template, {k: v for k, v in PARAMS.items() if k != "bands"})
        templates.population_view(engine, template, params, "18-")
        return (int(engine.scalar("SELECT count(*) FROM ind_pop")),
                int(engine.scalar("SELECT sum(is_case) FROM ind_pop")))


def test_incidence_leaves_out_last_years_cases(store_settings: Settings, two_years: Path) -> None:
    people, cases = _population(store_settings, two_years, "prevalence")
    at_risk, new_cases = _population(store_settings, two_years, "incidence")
    phenotype = get_phenotype("diabete_t2")
    with get_engine(store_settings) as engine:  # who met the criterion in 2022, among 2023's people
        templates.register_snds(engine, two_years)
        prior = compile_snds.to_sql(phenotype.criterion, 2022)
        base = compile_snds.population_sql(phenotype, 2023, keys=True)
        already = int(engine.scalar(
            f"SELECT count(*) FROM ({base}) AS p WHERE EXISTS (SELECT 1 FROM ({prior}) AS q "
            "WHERE q.BEN_NIR_PSA = p.BEN_NIR_PSA AND q.BEN_RNG_GEM = p.BEN_RNG_GEM)"))
    assert already > 0  # the 2022 copy makes most of 2023's cases prevalent already
    assert at_risk == people - already
    assert new_cases < cases
    outcome = service.run_indicator(store_settings, "incidence", PARAMS, two_years)
    assert outcome.ok


def test_incidence_without_last_years_data_is_refused(store_settings: Settings,
                                                      extraction: Path) -> None:
    with pytest.raises(HubError, match="needs the data of 2022"):
        service.run_indicator(store_settings, "incidence", PARAMS, extraction)
