"""Records from Table Schema descriptors (the SNDS schemas), from ingestion, and the demo stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthdatahub.catalogue import autofill, service
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import Dataset, DatasetVersion
from healthdatahub.store.models_ingest import LandedColumn, LandedTable

SNDS = Path(__file__).resolve().parents[3] / "src" / "healthdatahub" / "snds" / "schemas"


def test_import_of_the_snds_descriptors(store_settings: Settings) -> None:
    outcome = service.import_descriptors(store_settings, SNDS, "snds-core", "SNDS (subset)")
    assert outcome.counts["collections"] == 11
    table = service.get_collection(store_settings, "snds-core", "IR_BEN_R")
    variables = {v["name"]: v for v in table["variables"]}
    assert variables["BEN_NIR_PSA"]["identifying"] and not variables["BEN_NIR_PSA"]["nullable"]
    assert service.search(store_settings, "BEN_NAI_ANN")["hits"][0]["database"] == "snds-core"


def test_bad_descriptors_are_refused(store_settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "T", "fields": [{"name": "A", "type": "blob"}]}))
    with pytest.raises(HubError, match="field A: unknown Table Schema type 'blob'"):
        service.import_descriptors(store_settings, bad, "x")
    twice = tmp_path / "pkg"
    twice.mkdir()
    for name in ("a.json", "b.json"):
        (twice / name).write_text(json.dumps({"name": "T", "fields": [{"name": "A"}]}))
    with pytest.raises(HubError, match="define tables twice"):
        service.import_descriptors(store_settings, twice, "x")


def test_fill_from_an_ingested_version_hides_identifying_ranges(one: Settings) -> None:
    with session_scope(one) as db:
        ds = Dataset(slug="landed", title="Landed")
        ds.versions.append(DatasetVersion(version="v1", path="lake/landed/v1"))
        db.add(ds)
        db.flush()
        table = LandedTable(version_id=ds.versions[0].id, name="PATIENTS", descriptor="PATIENTS",
                            path="x", row_count=1234, time_min="2020-01-01",
                            time_max="2023-12-31")
        table.columns = [
            LandedColumn(position=0, name="PAT_ID", type="VARCHAR", null_rate=0.0,
                         min_value="A0001", max_value="Z9999"),
            LandedColumn(position=1, name="AGE_ANN", type="BIGINT", null_rate=0.25,
                         min_value="1", max_value="97"),
            LandedColumn(position=2, name="NEW_COL", type="DATE", null_rate=0.5,
                         min_value="2020-01-02", max_value="2023-12-30")]
        db.add(table)
    outcome = autofill.fill_from_version(one, "landed", "demo-db")
    assert "1 tables" in outcome.summary
    table = service.get_collection(one, "demo-db", "PATIENTS")
    variables = {v["name"]: v for v in table["variables"]}
    assert table["row_count"] == 1234 and table["time_max"] == "2023-12-31"
    assert variables["PAT_ID"]["min_value"] is None and variables["PAT_ID"]["null_rate"] == 0.0
    assert (variables["AGE_ANN"]["min_value"], variables["AGE_ANN"]["null_rate"]) == ("1", 0.25)
    assert variables["NEW_COL"]["type"] == "date" and variables["NEW_COL"]["max_value"]
    assert service.get_database(one, "demo-db")["details"]["number_of_records"] == 1234


def test_cli_seed_search_export_validate(store_settings: Settings, monkeypatch,
                                         tmp_path: Path) -> None:
    from healthdatahub.cli import app
    from healthdatahub.config import get_settings

    monkeypatch.setenv("HDH_DATA_DIR", str(store_settings.data_dir))
    monkeypatch.setenv("HDH_DATABASE_URL", store_settings.store_url)
    get_settings.cache_clear()
    runner = CliRunner()
    imported = runner.invoke(app, ["catalogue", "import", str(SNDS), "--database", "core"])
    assert imported.exit_code == 0
    found = runner.invoke(app, ["catalogue", "search", "BEN_NAI_ANN"])
    assert found.exit_code == 0 and '"variable": "BEN_NAI_ANN"' in found.output
    exported = runner.invoke(app, ["catalogue", "export", "core"])
    assert "dcat:Dataset" in exported.output
    whole = runner.invoke(app, ["catalogue", "export", "--output", str(tmp_path / "all.ttl")])
    assert whole.exit_code == 0 and "1 records" in whole.output
    assert (tmp_path / "all.ttl").read_text(encoding="utf-8").count("#Dataset> .") == 1
    invalid = runner.invoke(app, ["catalogue", "validate", "core"])  # no description yet
    assert invalid.exit_code == 1 and "violations" in invalid.output
    get_settings.cache_clear()


def test_demo_stage_is_idempotent(store_settings: Settings) -> None:
    from healthdatahub.catalogue.demo import stage
    from healthdatahub.demo import DemoContext

    if not store_settings.store_url.startswith("sqlite"):
        pytest.skip("seeding is covered on PostgreSQL by the search test")
    ctx = DemoContext(store_settings, 10, 1, False, None, store_settings.data_dir)
    first = stage(ctx)
    assert "23 databases" in first and ctx.counts["catalogue_databases"] == 23
    assert "23 databases" in stage(ctx)
