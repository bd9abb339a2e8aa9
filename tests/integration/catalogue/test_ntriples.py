"""The fast whole-catalogue N-Triples dump says what the rdflib export says, and conforms."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT
from typer.testing import CliRunner

from healthdatahub.catalogue import dump, export, ntriples, rdf, records, service, shacl
from healthdatahub.config import Settings

AWKWARD = ('Guillemets "doubles", barre \\ oblique,\nretour\r\nà la ligne\tet '
           "<script>alert(1)</script> 漢字 🙂")


def awkward_record(slug: str = "awkward") -> dict:
    """Quotes, backslashes, newlines, tabs, non-ASCII and markup in every kind of text."""
    return {
        "slug": slug, "acronym": 'AWK "1"', "identifier": f"https://ex.org/c/{slug}?a=\"1\"",
        "title": {"fr": "Titre « français » \\ é", "en": 'English "title"\n2nd line'},
        "description": {"fr": AWKWARD, "en": "Plain <b>English</b> & more"},
        "doi": "10.5072/awk ward\"1\"", "languages": ["fr", "en", "de"],
        "keywords": ['mot "clé"', "back\\slash", "ligne\nnouvelle"],
        "mesh": [{"id": "D009369", "label": 'Neoplasms "x"'}], "theme": "Thème libre",
        "speciality": "my speciality", "publisher": 'Éditeur "test" \\',
        "details": {"contact_email": "a b@example.org", "funding": {"fr": AWKWARD, "en": ""},
                    "catalogue_ref": 'ref "1"', "legislation": "https://law.example/a b",
                    "frequency": "ANNUAL", "temporal_start": "2001-02-03",
                    "population_coverage": {"fr": "", "en": "Everyone\\nobody"}},
        "collections": [
            {"name": 'TABLE "A" B', "title": {"fr": "", "en": ""},
             "description": {"fr": AWKWARD, "en": "en"}, "row_count": 0,
             "details": {"note": 'a "b"\n', "n": 1},
             "variables": [
                 {"name": 'VAR "1"\\', "label": {"fr": AWKWARD}, "type": "number",
                  "null_rate": 0.0, "distinct_count": 0, "min_value": "-1.5",
                  "max_value": "1e3", "unit": "m/s²"},
                 {"name": "NO_LABEL", "type": "string", "nullable": False},
                 {"name": "PAT_ID", "label": {"en": "Patient identifier"}, "type": "integer",
                  "min_value": "1", "max_value": "9", "null_rate": 1 / 3},
             ]}],
    }


def _catalogue(settings: Settings, make_rich_record) -> Settings:
    service.seed(settings)
    service.save_many(settings, [
        awkward_record(), make_rich_record(),
        {"slug": "bare", "acronym": "BARE", "title": {"en": "Bare"}},  # no tables, keywords
        {"slug": "empty-table", "title": {"fr": "Vide"},
         "collections": [{"name": "EMPTY", "variables": []}]}])
    return settings


def test_fast_dump_is_the_rdflib_graph_of_the_catalogue(store_settings: Settings,
                                                        make_rich_record, tmp_path: Path) -> None:
    settings = _catalogue(store_settings, make_rich_record)
    dest = tmp_path / "catalogue.nt"
    outcome = export.write_catalogue(settings, dest, chunk=7)  # several chunks, one partial
    assert outcome.counts["records"] == 27
    text = dest.read_text(encoding="utf-8")
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    assert len(lines) == outcome.counts["statements"]
    fast = Graph().parse(data=text, format="nt")  # strict N-Triples...
    assert len(Graph().parse(data=text, format="turtle")) == len(fast)  # ...which is Turtle
    slow = export.catalogue_graph(settings)
    assert set(fast) ^ set(slow) == set()
    assert fast.isomorphic(slow)
    assert outcome.counts["statements"] >= len(slow)
    assert "<script>alert(1)</script>" in text and "漢字 🙂" in text
    assert r'\"doubles\", barre \\ oblique,\nretour\r\n' in text


def test_store_reader_gives_the_records_the_orm_gives(store_settings: Settings,
                                                      make_rich_record) -> None:
    settings = _catalogue(store_settings, make_rich_record)
    from healthdatahub.store.db import session_scope
    from healthdatahub.store.models_catalogue import CatalogueDatabase

    with session_scope(settings) as db:
        fast = dump.read_records(db, "", 100)
        rows = db.query(CatalogueDatabase).order_by(CatalogueDatabase.slug).all()
        orm = [records.to_dict(row) for row in rows]
    for record in orm:
        del record["created_at"], record["updated_at"]
    assert [r["slug"] for r in fast] == [r["slug"] for r in orm]
    assert fast == orm
    for record in fast:  # the served dictionary's size, computed without sorting keys
        assert ntriples.dictionary_bytes(record) == len(rdf.dictionary_json(record).encode())


def _closure(graph: Graph, start: URIRef) -> Graph:
    """``start`` and every node it reaches (its agents, concepts, tables, columns…)."""
    sample, todo, seen = Graph(), [start], {start}
    while todo:
        node = todo.pop()
        for triple in graph.triples((node, None, None)):
            sample.add(triple)
            if isinstance(triple[2], URIRef) and triple[2] not in seen:
                seen.add(triple[2])
                todo.append(triple[2])
    return sample


def test_a_parsed_sample_of_the_fast_dump_passes_the_shapes(store_settings: Settings,
                                                            make_rich_record,
                                                            tmp_path: Path) -> None:
    settings = _catalogue(store_settings, make_rich_record)
    export.write_catalogue(settings, tmp_path / "catalogue.nt")
    dump = Graph().parse(tmp_path / "catalogue.nt", format="nt")
    catalogue = URIRef(settings.catalogue_base_uri.rstrip("/"))
    sample = Graph()
    for slug in ("awkward", "esme", "oscour"):  # records that conform (rich-db is RESTRICTED)
        uri = rdf.record_uri(settings, slug)
        assert (catalogue, DCAT.dataset, uri) in dump
        sample += _closure(dump, uri)
        sample.add((catalogue, DCAT.dataset, uri))
    for triple in dump.triples((catalogue, None, None)):
        if triple[1] != DCAT.dataset:
            sample += _closure(dump, triple[2]) if isinstance(triple[2], URIRef) else Graph()
            sample.add(triple)
    assert len(sample) > 300
    assert shacl.validate(sample, tuple(shacl.PROFILES)) == []


def test_cli_exports_the_catalogue_as_ntriples(one: Settings, monkeypatch,
                                                tmp_path: Path) -> None:
    from healthdatahub.cli import app
    from healthdatahub.config import get_settings

    monkeypatch.setenv("HDH_DATA_DIR", str(one.data_dir))
    monkeypatch.setenv("HDH_DATABASE_URL", one.store_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        dumped = runner.invoke(app, ["catalogue", "export", "--format", "ntriples",
                                     "--output", str(tmp_path / "all.nt")])
        assert dumped.exit_code == 0 and "1 records" in dumped.output
        streamed = runner.invoke(app, ["catalogue", "export", "--format", "ntriples"])
        single = runner.invoke(app, ["catalogue", "export", "demo-db", "--format", "ntriples"])
    finally:
        get_settings.cache_clear()
    whole = Graph().parse(tmp_path / "all.nt", format="nt")
    assert whole.isomorphic(Graph().parse(data=streamed.output, format="nt"))
    assert whole.isomorphic(export.catalogue_graph(one))
    record = Graph().parse(data=single.output, format="nt")
    assert record.isomorphic(export.record_graph(one, "demo-db"))
