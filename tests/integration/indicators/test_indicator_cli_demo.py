"""The indicator commands through ``python -m healthdatahub.cli``, and the demo stage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from healthdatahub.config import Settings
from healthdatahub.demo import DemoContext
from healthdatahub.indicators.demo import INDICATORS, stage
from healthdatahub.indicators.publish import FILES


def _hdh(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDH_")}
    env["HDH_DATA_DIR"] = str(data)
    return subprocess.run([sys.executable, "-m", "healthdatahub.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_cli_list_show_run_and_requests(tmp_path: Path, extraction: Path) -> None:
    data = tmp_path / "data"
    listed = _hdh("indicator", "list", "--json", data=data)
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)
    assert len(doc["phenotypes"]) == 8 and {t["name"] for t in doc["templates"]} == {
        "prevalence", "incidence"}
    sql = _hdh("indicator", "show", "diabete_t2", "--sql", data=data)
    assert sql.returncode == 0 and "ER_PRS_F" in sql.stdout
    unknown = _hdh("indicator", "show", "nope", data=data)
    assert unknown.returncode == 2 and "Unknown phenotype" in unknown.stderr
    run = _hdh("indicator", "run", "prevalence", "--param", "phenotype=demence_alzheimer",
               "--param", "by=region", "--param", "bands=40-", "--source", str(extraction),
               "--publish", "--json", data=data)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    folder = Path(out["paths"]["published"])
    assert all((folder / f).is_file() for f in FILES)
    for row in out["details"]["table"]:
        for col in ("cases", "population"):
            assert row[col] == "masked" or not 1 <= int(row[col]) <= 10
    sub = _hdh("request", "submit", "--requester", "Association", "--what", "crohn",
               "--param", "phenotype=crohn", "--param", "by=sex", "--param", "bands=0-",
               "--json", data=data)
    assert sub.returncode == 0, sub.stderr
    rid = json.loads(sub.stdout)["details"]["id"]
    ran = _hdh("request", "run", str(rid), "--source", str(extraction), "--json", data=data)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["details"]["state"] == "published"
    lst = _hdh("request", "list", "--json", data=data)
    assert [r["state"] for r in json.loads(lst.stdout)["details"]["requests"]] == ["published"]


def test_demo_stage_publishes_three_and_is_idempotent(store_settings: Settings,
                                                      extraction: Path) -> None:
    ctx = DemoContext(settings=store_settings, beneficiaries=10_000, seed=42, serve=False,
                      progress=None, extraction=extraction)
    line = stage(ctx)
    assert ctx.counts["indicators_published"] == len(INDICATORS) == 3, line
    first = dict(ctx.details["indicators"])
    for _, params in INDICATORS:
        folder = Path(ctx.paths[f"indicator_{params['phenotype']}"])
        assert all((folder / f).is_file() for f in FILES)
    assert "(3 reused)" in stage(ctx)
    assert ctx.details["indicators"] == first
