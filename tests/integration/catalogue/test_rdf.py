"""HealthDCAT-AP export: SHACL against the shared shapes, round-trip, bad RDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from healthdatahub.catalogue import export, rdf, rdf_read, records, service, shacl
from healthdatahub.config import Settings
from healthdatahub.errors import HubError

SHAPES = Path(__file__).resolve().parents[4] / "shared" / "shapes"
PROFILES = {
    "dcat-ap": ["dcat-ap-3.0.1/shapes.ttl", "dcat-ap-3.0.1/range.ttl"],
    "healthdcat-ap": ["dcat-ap-3.0.1/shapes.ttl",
                      "healthdcat-ap-release5-nonpublic/healthdcatap-shacl.ttl"],
    "hdh": ["healthdcat-ap-hdh/hdap-validator-sensitivity-shape.ttl"],
}


def _shared(profile: str) -> Graph:
    graph = Graph()
    for name in PROFILES[profile]:
        graph.parse(SHAPES / name, format="turtle")
    return graph


def _violations(graph: Graph) -> list:
    found = []
    for profile in PROFILES:
        found += shacl.validate(graph, (profile,), shapes_graph=_shared(profile))
    return found


def test_packaged_shapes_are_the_shared_ones() -> None:
    packaged = Path(shacl.__file__).parent / "shapes"
    pairs = {"dcat-ap-3.0.1-shapes.ttl": "dcat-ap-3.0.1/shapes.ttl",
             "dcat-ap-3.0.1-range.ttl": "dcat-ap-3.0.1/range.ttl",
             "healthdcat-ap-r5-nonpublic.ttl":
                 "healthdcat-ap-release5-nonpublic/healthdcatap-shacl.ttl",
             "healthdcat-ap-hdh.ttl": "healthdcat-ap-hdh/hdap-validator-sensitivity-shape.ttl"}
    for ours, theirs in pairs.items():
        assert (packaged / ours).read_bytes() == (SHAPES / theirs).read_bytes(), ours


def test_every_seeded_record_and_the_catalogue_pass_the_shared_shapes(
        store_settings: Settings) -> None:
    if not store_settings.store_url.startswith("sqlite"):
        pytest.skip("the export reads records the same way on every store; SQLite is enough")
    seeded = store_settings
    service.seed(seeded)
    slugs = [r["slug"] for r in service.list_databases(seeded)]
    assert len(slugs) == 23
    for slug in slugs:
        assert _violations(export.record_graph(seeded, slug)) == [], slug
    whole = export.catalogue_graph(seeded, limit=3)
    assert _violations(whole) == []


@pytest.mark.parametrize("fmt", ["turtle", "json-ld", "xml"])
def test_record_round_trips_rdf_store_rdf(one: Settings, fmt: str) -> None:
    original = service.get_database(one, "demo-db")
    text = export.export(one, "demo-db", fmt)
    graph = rdf_read.parse(text, fmt)
    back = rdf_read.record_of(graph, rdf.record_uri(one, "demo-db"))
    assert records.check_record(back) == records.check_record(original)
    service.delete_database(one, "demo-db")
    export.import_rdf(one, text, fmt)
    again = export.export(one, "demo-db", "turtle")
    assert rdf_read.parse(again, "turtle").isomorphic(rdf_read.parse(
        export.rdf.serialise(graph, "turtle"), "turtle"))


def test_identifying_variable_has_no_range_anywhere(one: Settings) -> None:
    record = service.get_database(one, "demo-db")
    variables = {v["name"]: v for v in record["collections"][0]["variables"]}
    assert variables["PAT_ID"]["identifying"] and variables["PAT_ID"]["min_value"] is None
    assert variables["AGE_ANN"]["min_value"] == "0"
    assert "A0001" not in export.export(one, "demo-db")


def test_bad_rdf_is_reported(one: Settings) -> None:
    with pytest.raises(HubError, match="Invalid turtle RDF"):
        export.import_rdf(one, "@prefix : <x> . :a :b", "turtle")
    text = export.export(one, "demo-db")
    broken = "\n".join(line for line in text.splitlines() if "accessRights" not in line)
    with pytest.raises(HubError, match="accessRights"):
        export.import_rdf(one, broken, "turtle")


def test_validate_outcome_names_shape_and_path(one: Settings) -> None:
    assert export.validate(one).counts["violations"] == 0
    graph = export.record_graph(one, "demo-db")
    from rdflib.namespace import DCTERMS

    graph.remove((None, DCTERMS.identifier, None))
    found = shacl.validate(graph, ("healthdcat-ap",))
    assert any(v.path == str(DCTERMS.identifier) and v.shape for v in found)


def test_duplicate_identifiers_and_unknown_fields_are_refused(store_settings: Settings,
                                                             make_record) -> None:
    with pytest.raises(HubError, match="Duplicate identifier"):
        service.save_many(store_settings, [make_record("a", identifier="x"),
                                           make_record("b", identifier="x")])
    with pytest.raises(HubError, match="unknown field"):
        service.save_record(store_settings, make_record(details={"colour": "red"}))


def test_streamed_catalogue_is_the_catalogue_graph(one: Settings, make_record,
                                                    tmp_path: Path) -> None:
    for i in range(4):
        service.save_record(one, make_record(f"extra-{i}", identifier=f"https://ex.org/x{i}"))
    outcome = export.write_catalogue(one, tmp_path / "catalogue.ttl", chunk=2)
    assert outcome.counts["records"] == 5
    text = (tmp_path / "catalogue.ttl").read_text(encoding="utf-8")
    assert text.count(" .\n") == outcome.counts["statements"]
    streamed = rdf_read.parse(text, "turtle")
    assert streamed.isomorphic(export.catalogue_graph(one))
