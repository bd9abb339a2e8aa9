"""Two hub portals served by uvicorn on 127.0.0.1 harvest each other over real HTTP.

Each instance has its own data dir, store and base URI. A harvests B's paged DCAT endpoint
and B harvests A's; records are updated by their original identifier, records deleted at the
source disappear on the next harvest, and a record read back RDF -> store -> RDF loses
nothing (triple sets compared once the harvester's base URI is mapped back to the source's).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from healthdatahub.catalogue import export, harvest, rdf, service
from healthdatahub.config import Settings, load_settings
from healthdatahub.store import upgrade
from healthdatahub.web.testing import fast

A_BASE = "https://a.example.org/catalogue"
B_BASE = "https://b.example.org/catalogue"


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The portal of ``settings`` served by uvicorn in a thread; yields its DCAT endpoint."""
    import uvicorn

    from healthdatahub.web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the portal did not start"
    try:
        yield f"http://127.0.0.1:{port}/api/v1/catalogue/dcat"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _instance_b(tmp_path: Path) -> Settings:
    settings = load_settings(data_dir=tmp_path / "b", database_url=f"sqlite:///{tmp_path}/b.db",
                             catalogue_base_uri=B_BASE, catalogue_page_size=2,
                             hub_name="Hub B")
    upgrade(settings.store_url)
    return fast(settings)


def _slugs(settings: Settings) -> set[str]:
    return {r["slug"] for r in service.list_databases(settings)}


def _rebased(graph: Graph, old: str, new: str) -> Graph:
    out = Graph()
    for triple in graph:
        out.add(tuple(URIRef(new + str(t)[len(old):]) if isinstance(t, URIRef)
                      and str(t).startswith(old) else t for t in triple))
    return out


def test_two_live_instances_harvest_each_other(store_settings: Settings, make_record,
                                               make_rich_record, tmp_path: Path) -> None:
    small_record, rich_record = make_record, make_rich_record
    a = fast(store_settings, catalogue_base_uri=A_BASE, catalogue_page_size=2, hub_name="Hub A")
    service.save_record(a, rich_record("rich-db", identifier="https://a.example.org/id/rich"))
    for i in range(3):
        service.save_record(a, small_record(f"a-{i}", identifier=f"https://a.example.org/id/{i}"))
    b = _instance_b(tmp_path)
    service.save_record(b, small_record("b-only", identifier="https://b.example.org/id/x"))
    # B already holds a record named like one of A's: the harvested one gets another slug.
    service.save_record(b, small_record("a-0", identifier="https://b.example.org/id/a-0"))

    with serve(a) as a_url, serve(b) as b_url:
        into_b = harvest.harvest(b, a_url)
        assert into_b.counts == {"records": 4, "kept": 0, "skipped": 0, "removed": 0,
                                 "pages": 2}
        assert _slugs(b) >= {"rich-db", "a-1", "a-2", "b-only", "a-0"}
        assert len(_slugs(b)) == 6

        into_a = harvest.harvest(a, b_url)
        # B serves its two own records and the four it harvested from A: A's own records
        # come back and are kept as A made them (not turned into harvested copies).
        assert into_a.counts == {"records": 2, "kept": 4, "skipped": 0, "removed": 0,
                                 "pages": 3}
        assert len(_slugs(a)) == 6
        assert service.get_database(a, "b-only")["acronym"] == "B-ONLY"
        assert service.get_database(a, "rich-db")["harvested_from"] is None

        # An update at the source replaces the harvested copy (matched by identifier).
        changed = service.get_database(a, "a-1")
        changed["title"] = {"fr": "Titre changé", "en": "Changed title"}
        service.save_record(a, changed)
        service.delete_database(a, "a-2")
        again = harvest.harvest(b, a_url)
        assert again.counts["removed"] == 1
        assert "a-2" not in _slugs(b) and "b-only" in _slugs(b)
        assert service.get_database(b, "a-1")["title"]["en"] == "Changed title"
        assert len([r for r in service.list_databases(b)
                    if r["identifier"] == "https://a.example.org/id/1"]) == 1

    source = export.record_graph(a, "rich-db")
    landed = _rebased(export.record_graph(b, "rich-db"), B_BASE, A_BASE)
    _, only_source, only_landed = graph_diff(to_isomorphic(source), to_isomorphic(landed))
    uri = rdf.record_uri(a, "rich-db")
    # The one expected difference: the harvested copy says where it came from.
    assert set(only_source) == {(uri, rdf.HDH.source, Literal("portal")),
                                (URIRef(f"{uri}#provenance"), rdf.RDFS.label,
                                 Literal("Catalogue record (portal)"))}
    assert set(only_landed) == {(uri, rdf.HDH.source, Literal("harvest")),
                                (URIRef(f"{uri}#provenance"), rdf.RDFS.label,
                                 Literal("Catalogue record (harvest)"))}
    assert len(source) > 150
    # And the record itself, field by field (a field the RDF leaves out shows here).
    ignore = ("source", "harvested_from", "created_at", "updated_at")
    original, copy = service.get_database(a, "rich-db"), service.get_database(b, "rich-db")
    assert {k: v for k, v in copy.items() if k not in ignore} == {
        k: v for k, v in original.items() if k not in ignore}
