"""``hdh indicator cartography``: the per-beneficiary CT_IND_AAAA_GN-shaped table in the lake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from healthdatahub.config import Settings
from healthdatahub.engine import get_engine
from healthdatahub.indicators import cartography
from healthdatahub.indicators.compile_snds import population_sql
from healthdatahub.indicators.library import DEMENTIA, DIABETES_T2
from healthdatahub.indicators.templates import register_snds


def _hdh(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDH_")}
    env["HDH_DATA_DIR"] = str(data)
    return subprocess.run([sys.executable, "-m", "healthdatahub.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_cli_writes_the_table_into_the_lake_and_prints_no_row(tmp_path: Path,
                                                               extraction: Path) -> None:
    data = tmp_path / "data"
    run = _hdh("indicator", "cartography", "2023", "--source", str(extraction), "--json",
               data=data)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    folder = Path(out["paths"]["table"])
    assert folder == data / "lake" / "cartography" / f"CT_IND_2023_G{cartography.VERSION}"
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temporary left
    assert out["details"]["filled"] == cartography.filled_columns()
    assert out["details"]["absent"] == cartography.absent_columns()
    con = duckdb.connect()
    table = f"read_parquet('{folder}/*.parquet')"
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()]
    assert columns == cartography.filled_columns()
    rows, ids = con.execute(f"SELECT count(*), count(DISTINCT id_carto) FROM {table}").fetchone()
    assert rows == ids == out["counts"]["rows"] > 0
    sample = [r[0] for r in con.execute(f"SELECT id_carto FROM {table} LIMIT 50").fetchall()]
    text = _hdh("indicator", "cartography", "2023", "--source", str(extraction), data=data)
    assert text.returncode == 0, text.stderr
    assert not any(i in run.stdout + text.stdout + text.stderr for i in sample)
    missing = _hdh("indicator", "cartography", "2022", "--source", str(extraction), data=data)
    assert missing.returncode == 2 and "T_MCO22B" in missing.stderr


def test_flags_agree_with_the_phenotypes_population(store_settings: Settings,
                                                    extraction: Path) -> None:
    outcome = cartography.write_cartography(store_settings, extraction, 2023)
    folder = Path(outcome.paths["table"])
    with get_engine(store_settings, "duckdb") as engine:
        register_snds(engine, extraction)
        engine.register("carto", folder)
        for column, phenotype in (("top_FDiabet_ind", DIABETES_T2), ("top_NDemenc_ind", DEMENTIA)):
            flagged, people = engine.to_pandas(
                f"SELECT CAST(sum({column}) AS BIGINT) AS f, count(*) AS n FROM carto").iloc[0]
            cases, population = engine.to_pandas(
                f"SELECT CAST(sum(is_case) AS BIGINT) AS c, count(*) AS n "
                f"FROM ({population_sql(phenotype, 2023)}) AS p").iloc[0]
            assert (flagged, people) == (cases, population) and flagged > 0
        bad = engine.scalar("SELECT count(*) FROM carto WHERE age < 0 OR age > 110 "
                            "OR cla_age_ct IS NULL OR version <> 'H1'")
        assert bad == 0
