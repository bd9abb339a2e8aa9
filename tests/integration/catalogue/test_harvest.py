"""Two hub instances harvest each other; deleted records go; a malformed record is skipped."""

from __future__ import annotations

from pathlib import Path

from healthdatahub.catalogue import export, harvest, service
from healthdatahub.config import Settings, load_settings
from healthdatahub.store import upgrade
from healthdatahub.web.testing import client, fast

ENDPOINT = "http://testserver/api/v1/catalogue/dcat"


def _other(tmp_path: Path) -> Settings:
    settings = load_settings(data_dir=tmp_path / "b", database_url=f"sqlite:///{tmp_path}/b.db",
                             catalogue_base_uri="https://b.example.org/catalogue",
                             catalogue_page_size=2)
    upgrade(settings.store_url)
    return settings


def test_two_instances_harvest_each_other(one: Settings, make_record, tmp_path: Path) -> None:
    a = fast(one, catalogue_page_size=2)
    for i in range(3):
        service.save_record(a, make_record(f"a-{i}", identifier=f"https://a.example.org/{i}"))
    b = _other(tmp_path)
    service.save_record(b, make_record("b-only", identifier="https://b.example.org/x"))
    with client(a) as http_a:
        outcome = harvest.harvest(b, ENDPOINT, client=http_a)
    assert outcome.counts == {"records": 4, "kept": 0, "skipped": 0, "removed": 0,
                              "pages": 2}
    assert service.get_database(b, "a-1")["collections"][0]["name"] == "PATIENTS"
    with client(fast(b)) as http_b:
        back = harvest.harvest(a, ENDPOINT, client=http_b)
    # A's own four records come back from B and are kept as A made them.
    assert back.counts["records"] == 1 and back.counts["kept"] == 4
    assert service.get_database(a, "b-only")["acronym"] == "B-ONLY"
    assert service.get_database(a, "a-1")["harvested_from"] is None

    service.delete_database(a, "a-2")
    with client(a) as http_a:
        again = harvest.harvest(b, ENDPOINT, client=http_a)
    assert again.counts["removed"] == 1
    assert "a-2" not in {r["slug"] for r in service.list_databases(b)}
    assert "b-only" in {r["slug"] for r in service.list_databases(b)}


class _Fake:
    def __init__(self, text: str) -> None:
        self.text, self.status_code = text, 200

    def get(self, url: str, headers: dict) -> _Fake:
        return self


def test_a_malformed_record_is_skipped_and_reported(one: Settings, tmp_path: Path) -> None:
    text = export.export(one, None, "turtle")
    text += "\n<https://bad.example.org/x> a <http://www.w3.org/ns/dcat#Dataset> .\n"
    b = _other(tmp_path)
    outcome = harvest.harvest(b, "https://elsewhere/dcat", client=_Fake(text))
    assert outcome.counts["records"] == 1 and outcome.counts["skipped"] == 1
    assert "dct:identifier" in outcome.details["skipped"][0]["reason"]
