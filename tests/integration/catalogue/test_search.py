"""Search across the three levels with facets: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from healthdatahub.catalogue import search as S
from healthdatahub.catalogue import service
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.store import dispose_engines, downgrade, head_revision, upgrade


def _keys(result: dict) -> list[tuple]:
    return [(h["kind"], h["database"], h["collection"], h["variable"]) for h in result["hits"]]


def test_full_catalogue_search_is_the_same_on_both_backends(seeded: Settings) -> None:
    listing = service.search(seeded, "", limit=50)
    assert listing["total"] == listing["databases"] == 23 and listing["total_exact"]
    assert {f["value"]: f["count"] for f in listing["facets"]["speciality"]}["oncology"] == 7

    # The variable's exact name first (its 8 tables), then its database, found by it.
    by_variable = service.search(seeded, "BEN_NAI_ANN", limit=50)
    keys = _keys(by_variable)
    assert ("variable", "snds", "IR_BEN_R", "BEN_NAI_ANN") == keys[0]
    assert keys[-1] == ("database", "snds", None, None)
    assert all(k[0] == "variable" and k[1] == "snds" for k in keys[:-1])
    assert by_variable["total"] == 9 and by_variable["databases"] == 1
    assert by_variable["facets"]["speciality"] == [{"value": "all", "label": "Toutes spécialités",
                                                    "count": 1}]

    # A database is found by words anywhere in it: the SNDS's tables mention all three.
    breast = service.search(seeded, "cancer du sein", kinds=("database",))
    assert [h["database"] for h in breast["hits"]] == ["e-sis", "esme", "snds"]

    prefix = service.search(seeded, "onco", kinds=("database",), limit=50)
    assert {h["database"] for h in prefix["hits"]} >= {"apriorics", "isis", "realigist"}

    # 39 CIM-10 variables say "diagnostic", all in the SNDS, the one database with CIM-10.
    coded = service.search(seeded, "diagnostic", {"coding_system": "CIM-10"}, limit=5)
    assert coded["total"] == 40 and coded["databases"] == 1
    assert [h["kind"] for h in coded["hits"]] == ["database"] + ["variable"] * 4
    assert {"value": "CIM-10", "label": "CIM-10", "count": 1} in coded["facets"]["coding_system"]
    only = service.search(seeded, "diagnostic", {"coding_system": "CIM-10"},
                          kinds=("variable",), limit=5)
    assert only["total"] == 39 and {h["kind"] for h in only["hits"]} == {"variable"}

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
    page = service.search(one, "patient", limit=1, offset=1)  # its database, table, variable
    assert page["total"] == 3 and page["databases"] == 1 and len(page["hits"]) == 1
    assert page["hits"][0]["kind"] == "collection"
    with pytest.raises(HubError, match="Unknown search facets"):
        service.search(one, "", {"colour": "red"})


def test_hostile_queries_are_harmless(one: Settings) -> None:
    for query in ['"', "a' OR 1=1 --", "NEAR(", "*", "ben:* | !x", "é" * 500, "AND OR NOT"]:
        result = service.search(one, query)
        assert result["total"] >= 0


def test_updates_and_deletes_reach_the_index(one: Settings) -> None:
    assert service.search(one, "PAT_ID")["total"] == 2  # the variable and its database
    service.save_record(one, {"slug": "demo-db", "identifier": "https://ex.org/c/demo-db",
                              "acronym": "DEMO", "title": "Renamed"})
    assert service.search(one, "PAT_ID")["total"] == 0
    assert service.search(one, "renamed")["total"] == 1
    service.delete_database(one, "demo-db")
    assert service.search(one, "renamed")["total"] == 0
    assert service.search(one, "")["databases"] == 0


def test_databases_are_found_by_their_tables_and_variables(one: Settings, make_record) -> None:
    other = make_record("other-db", speciality="cardiology", publisher="B")
    other["collections"][0]["variables"][1]["coding_system"] = "CCAM"
    service.save_record(one, other)
    # "principal" is only in a variable's label; both databases have it.
    found = service.search(one, "principal")
    assert found["databases"] == 2 and found["total"] == 4
    assert {f["value"]: f["count"] for f in found["facets"]["speciality"]} == {
        "cardiology": 1, "oncology": 1}
    assert {f["value"]: f["count"] for f in found["facets"]["coding_system"]} == {
        "CCAM": 1, "CIM-10": 1}
    cim = service.search(one, "principal", {"coding_system": "CIM-10"})
    assert [(h["kind"], h["database"]) for h in cim["hits"]] == [
        ("database", "demo-db"), ("variable", "demo-db")]
    # A query word is matched inside one word of the text, its tokens in a row.
    assert service.search(one, "pat_id", kinds=("database",))["databases"] == 2
    assert service.search(one, "id_pat", kinds=("database",))["databases"] == 0
    assert service.search(one, "dgn_pa", kinds=("database",))["databases"] == 2
    # Words found in different tables or variables of a database still find it.
    spread = service.search(one, "principal années")
    assert spread["databases"] == 2 and spread["total"] == 2


def test_counts_beyond_the_limit_are_bounds_and_hits_stay_the_same(
        one: Settings, make_record, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        record = make_record(f"copy-{i}")
        record["collections"].append({"name": f"COMMON_{i}", "title": "Common table",
                                      "variables": [{"name": f"V{j}", "label": "Common"}
                                                    for j in range(4)]})
        service.save_record(one, record)
    exact = service.search(one, "common", limit=50)
    assert exact["total_exact"] and exact["total"] == 3 + 3 + 12  # databases, tables, variables
    monkeypatch.setattr(S, "COUNT_LIMIT", 2)  # tables, and variables, counted up to 2 each
    bounded = service.search(one, "common", limit=50)
    # At least 3 databases, 3 tables and 3 variables: true, and marked as a lower bound.
    assert not bounded["total_exact"] and bounded["total"] == 3 + 3 + 3
    assert bounded["databases"] == 3 and bounded["facets"] == exact["facets"]
    # A page full of databases: tables and variables are not counted, a lower bound again.
    full = service.search(one, "common", limit=2)
    assert not full["total_exact"] and full["total"] == 3 and full["databases"] == 3
    # The bound changes the count only: the same hits, in the same order, on every page.
    assert bounded["hits"] == exact["hits"]
    for offset in (0, 5, 13, 17):
        monkeypatch.setattr(S, "COUNT_LIMIT", 2)
        walked = service.search(one, "common", limit=5, offset=offset)["hits"]
        monkeypatch.setattr(S, "COUNT_LIMIT", 10_000)
        assert walked == service.search(one, "common", limit=5, offset=offset)["hits"]


def test_deep_pages_are_refused(one: Settings, monkeypatch) -> None:
    with pytest.raises(HubError, match="first 1,000 results"):
        service.search(one, "patient", limit=20, offset=1000)
    assert service.search(one, "patient", limit=20, offset=980)["hits"] == []
    # A page reaching past the paged results is cut where they end ("patient" has 3 hits).
    assert len(service.search(one, "patient", limit=20)["hits"]) == 3
    monkeypatch.setattr(S, "PAGE_WINDOW", 2)
    assert len(service.search(one, "patient", limit=20)["hits"]) == 2
    assert len(service.search(one, "patient", limit=2, offset=1)["hits"]) == 1
    with pytest.raises(HubError, match="first 2 results"):
        service.search(one, "patient", limit=1, offset=2)


def test_the_migration_indexes_existing_catalogues(one: Settings, make_record) -> None:
    service.save_record(one, make_record("other-db", speciality="cardiology"))
    queries = [("principal", {}), ("", {"speciality": "cardiology"}), ("age", {})]
    before = [service.search(one, q, f) for q, f in queries]
    url = one.store_url
    dispose_engines()
    assert downgrade(url, "0008") == "0008"  # the database documents go back
    assert upgrade(url) == head_revision()  # and are indexed again per database
    dispose_engines()
    assert [service.search(one, q, f) for q, f in queries] == before
