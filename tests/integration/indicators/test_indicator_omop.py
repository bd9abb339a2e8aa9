"""An indicator run on the OMOP CDM built from an extraction publishes the same table as on
the extraction itself (``hdh indicator run … --cdm``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.indicators import service
from healthdatahub.omop import service as omop

PARAMS = {"phenotype": "diabete_t2", "year": "2023", "by": "region,sex", "bands": "18-"}


@pytest.fixture(scope="module")
def cdm(extraction: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    from healthdatahub.config import load_settings
    from healthdatahub.store import ensure_schema

    settings = load_settings(data_dir=tmp_path_factory.mktemp("omop-ind") / "data")
    ensure_schema(settings)
    outcome = omop.build(settings, [extraction], "ind")
    return settings, Path(outcome.paths["cdm"])


def test_prevalence_is_the_same_on_omop(store_settings: Settings, extraction: Path,
                                        cdm: tuple[Settings, Path]) -> None:
    on_snds = service.run_indicator(store_settings, "prevalence", PARAMS, extraction)
    on_omop = service.run_indicator(store_settings, "prevalence", PARAMS, cdm[1])
    assert on_omop.details["table"] == on_snds.details["table"]
    assert any(r["cases"] not in ("0", "masked") for r in on_omop.details["table"])
    assert on_omop.details["data_version"].startswith("omop-")
    assert on_omop.details["permanent_id"] != on_snds.details["permanent_id"]
    with pytest.raises(HubError, match="Incidence on an OMOP CDM"):
        service.run_indicator(store_settings, "incidence", PARAMS, cdm[1])


def test_cli_runs_on_a_cdm_by_name(cdm: tuple[Settings, Path], extraction: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDH_")}
    env["HDH_DATA_DIR"] = str(cdm[0].data_dir)

    def hdh(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "healthdatahub.cli", *args], env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    args = [f"--param={k}={v}" for k, v in PARAMS.items()]
    run = hdh("indicator", "run", "prevalence", "--cdm", "ind", *args, "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["details"]["data_version"].startswith("omop-")
    both = hdh("indicator", "run", "prevalence", "--cdm", "ind", "--source", str(extraction),
               *args)
    assert both.returncode == 2 and "either --source" in both.stderr
    missing = hdh("indicator", "run", "prevalence", "--cdm", "nope", *args)
    assert missing.returncode == 2 and "No OMOP CDM" in missing.stderr
    sql = hdh("indicator", "show", "diabete_t2", "--sql", "--omop")
    assert sql.returncode == 0 and "condition_occurrence" in sql.stdout
