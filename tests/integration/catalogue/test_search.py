"""Search across the three levels with facets: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from healthdatahub.catalogue import service
from healthdatahub.config import Settings
from healthdatahub.errors import HubError


def _keys(result: dict) -> list[tuple]:
    return [(h["kind"], h["database"], h["collection"], h["variable"]) for h in result["hits"]]


def test_full_catalogue_search_is_the_same_on_both_backends(seeded: Settings) -> None:
    listing = service.search(seeded, "", limit=50)
    assert listing["total"] == 23
    assert {f["value"]: f["count"] for f in listing["facets"]["speciality"]}["oncology"] == 7

    by_variable = service.search(seeded, "BEN_NAI_ANN", limit=50)
    keys = _keys(by_variable)
    assert ("variable", "snds", "IR_BEN_R", "BEN_NAI_ANN") == keys[0]
    assert all(k[0] == "variable" and k[1] == "snds" for k in keys)
    assert by_variable["total"] == 8

    breast = service.search(seeded, "cancer du sein", kinds=("database",))
    assert [h["database"] for h in breast["hits"]] == ["e-sis", "esme"]

    prefix = service.search(seeded, "onco", kinds=("database",), limit=50)
    assert {h["database"] for h in prefix["hits"]} >= {"apriorics", "isis", "realigist"}

    coded = service.search(seeded, "diagnostic", {"coding_system": "CIM-10"}, limit=5)
    assert coded["total"] == 39 and {h["kind"] for h in coded["hits"]} == {"variable"}
    assert coded["facets"]["coding_system"] == [
        {"value": "CIM-10", "label": "CIM-10", "count": 39}]

    accents = service.search(seeded, "Hepatite", kinds=("database",))
    assert [h["database"] for h in accents["hits"]] == ["hepather"]
    mesh_en = service.search(seeded, "alzheimer disease", kinds=("database",))
    assert [h["database"] for h in mesh_en["hits"]] == ["memento"]


def test_facets_filter_and_paging(one: Settings) -> None:
    service.save_record(one, {"slug": "other", "acronym": "OTHER", "title": "Autre",
                              "speciality": "cardiology", "publisher": "B"})
    everything = service.search(one, "")
    assert everything["total"] == 2
    assert {f["value"] for f in everything["facets"]["publisher"]} == {"B", "Test publisher"}
    cardio = service.search(one, "", {"speciality": "cardiology"})
    assert [h["database"] for h in cardio["hits"]] == ["other"]
    page = service.search(one, "patient", limit=1, offset=1)
    assert page["total"] == 2 and len(page["hits"]) == 1
    with pytest.raises(HubError, match="Unknown search facets"):
        service.search(one, "", {"colour": "red"})


def test_hostile_queries_are_harmless(one: Settings) -> None:
    for query in ['"', "a' OR 1=1 --", "NEAR(", "*", "ben:* | !x", "é" * 500, "AND OR NOT"]:
        result = service.search(one, query)
        assert result["total"] >= 0


def test_updates_and_deletes_reach_the_index(one: Settings) -> None:
    assert service.search(one, "PAT_ID")["total"] == 1
    service.save_record(one, {"slug": "demo-db", "identifier": "https://ex.org/c/demo-db",
                              "acronym": "DEMO", "title": "Renamed"})
    assert service.search(one, "PAT_ID")["total"] == 0
    assert service.search(one, "renamed")["total"] == 1
    service.delete_database(one, "demo-db")
    assert service.search(one, "renamed")["total"] == 0
