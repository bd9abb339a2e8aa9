"""Publishing indicators: files, no small count anywhere, idempotence, store rows, the guichet."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from healthdatahub.config import Settings
from healthdatahub.indicators import service
from healthdatahub.indicators.publish import FILES
from healthdatahub.store import session_scope
from healthdatahub.store.models_indicators import IndicatorRequest, PublishedIndicator

PARAMS = {"phenotype": "diabete_t2", "year": "2023", "by": "region,sex", "bands": "18-"}


def _no_small_count(folder: Path, threshold: int = 10) -> None:
    with (folder / "data.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        for col in ("cases", "population"):
            value = row[col]
            assert value == "masked" or not 1 <= int(value) <= threshold, (col, row)
    numbers = [int(n) for n in re.findall(r'class="value"[^>]*>(\d+)</text>',
                                                (folder / "chart.svg").read_text())]
    assert numbers  # the published counts are drawn
    assert all(not 1 <= n <= threshold for n in numbers)
    from openpyxl import load_workbook

    sheet = load_workbook(folder / "data.xlsx").active
    header = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    for row in sheet.iter_rows(min_row=3, values_only=True):
        for col in ("cases", "population"):
            v = row[header.index(col)]
            assert v == "masked" or not 1 <= int(v) <= threshold


def test_publish_files_idempotent_and_store_rows(store_settings: Settings,
                                                 extraction: Path) -> None:
    first = service.run_indicator(store_settings, "prevalence", PARAMS, extraction, publish=True)
    folder = Path(first.paths["published"])
    assert folder.parent == store_settings.data_dir / "published"
    assert all((folder / f).is_file() for f in FILES)
    _no_small_count(folder)
    assert "masked" in (folder / "chart.svg").read_text()
    log = json.loads((folder / "disclosure-log.json").read_text())
    assert log["cases"]["rules"]["threshold"] == 10 and log["cases"]["masked"]
    entry = json.loads((folder / "dataset.jsonld").read_text())
    assert entry["@type"] == "dcat:Dataset"
    assert entry["dct:identifier"] == first.details["permanent_id"] == folder.name
    assert {t["@language"] for t in entry["dct:title"]} == {"fr", "en"}
    assert {d["dct:format"] for d in entry["dcat:distribution"]} == {"CSV", "XLSX"}
    assert entry["prov:wasGeneratedBy"]["phenotype_version"] == "1.0.0"
    before = (folder / "data.csv").stat().st_mtime_ns

    again = service.run_indicator(store_settings, "prevalence", PARAMS, extraction, publish=True)
    assert again.details["permanent_id"] == first.details["permanent_id"]
    assert again.details["reused"] is True
    assert (folder / "data.csv").stat().st_mtime_ns == before
    with session_scope(store_settings) as session:
        assert session.scalar(select(func.count()).select_from(PublishedIndicator)) == 1
        row = session.scalar(select(PublishedIndicator))
        assert (row.permanent_id, row.phenotype, row.path) == (folder.name, "diabete_t2",
                                                               str(folder))
    other = service.run_indicator(store_settings, "prevalence", {**PARAMS, "by": "sex"},
                                  extraction)
    assert other.details["permanent_id"] != first.details["permanent_id"]
    assert "published" not in other.paths



def test_guichet_publishes_then_refuses_a_differencing_request(store_settings: Settings,
                                                               extraction: Path,
                                                               small_age_cut: int) -> None:
    base = {"phenotype": "hta_traitee", "year": "2023", "by": "sex", "bands": "0-"}
    rid = service.submit_request(store_settings, "Association A", "hta_traitee", "France",
                                 "2023", "awareness", "prevalence", base).details["id"]
    done = service.run_request(store_settings, rid, extraction)
    assert done.ok and done.details["state"] == "published"
    cut = small_age_cut
    sneaky = {**base, "where": f"age_max={cut}"}
    rid2 = service.submit_request(store_settings, "Association B", "hta_traitee", "France",
                                  "2023", "", "prevalence", sneaky).details["id"]
    refused = service.run_request(store_settings, rid2, extraction)
    assert not refused.ok and refused.details["state"] == "refused"
    assert "differencing" in refused.details["reason"]
    listed = service.list_requests(store_settings).details["requests"]
    states = {r["id"]: (r["state"], r["result_id"] is not None) for r in listed}
    assert states == {rid: ("published", True), rid2: ("refused", False)}
    with session_scope(store_settings) as session:
        assert session.get(IndicatorRequest, rid2).refusal_reason.startswith("Refused")
