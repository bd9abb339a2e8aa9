"""HealthDCAT-AP export of records (DCAT-AP 3 + HealthDCAT-AP, CSVW for the variable level).

``graph_of(record, settings)`` gives an rdflib Graph; ``record_of`` reads one back (the
harvester uses it). Fields with no DCAT property travel in the hub's own namespace ``HDH``
so that a record round-trips RDF -> store -> RDF without loss. The distribution described
is the record's data dictionary, served by the hub (its byte size is that of the document);
the data themselves are reached through the health data access body (``healthdcatap:hdab``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue.mesh import MESH_BASE
from healthdatahub.config import Settings


class _Namespace(Namespace):
    """An rdflib Namespace whose terms are made once (the export asks for millions)."""

    @cache  # noqa: B019 - a handful of module-level namespaces
    def term(self, name: str) -> URIRef:
        return super().term(name)


ADMS = _Namespace("http://www.w3.org/ns/adms#")
DCATAP = _Namespace("http://data.europa.eu/r5r/")
HEALTH = _Namespace("http://healthdataportal.eu/ns/health#")
CSVW = _Namespace("http://www.w3.org/ns/csvw#")
DPV = _Namespace("https://w3id.org/dpv#")
VCARD = _Namespace("http://www.w3.org/2006/vcard/ns#")
ELI = _Namespace("http://data.europa.eu/eli/ontology#")
HDH = _Namespace("https://w3id.org/healthdatahub/ns#")
EU = "http://publications.europa.eu/resource/authority/"
LANG_IRI = {"fr": EU + "language/FRA", "en": EU + "language/ENG"}
HEAL = URIRef(EU + "data-theme/HEAL")
FORMATS = {"turtle": "text/turtle", "json-ld": "application/ld+json", "xml": "application/rdf+xml"}
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "adms": ADMS, "dcatap": DCATAP,
            "healthdcatap": HEALTH, "csvw": CSVW, "dpv": DPV, "vcard": VCARD, "hdh": HDH,
            "skos": SKOS}
_HDH_TEXT = ("documentation", "funding", "data_flow", "scientific_output")
_HDH_PLAIN = ("catalogue_ref", "data_holder", "access_url", "legislation")
_INTS = {"min_typical_age": HEALTH.minTypicalAge, "max_typical_age": HEALTH.maxTypicalAge,
         "number_of_records": HEALTH.numberOfRecords,
         "number_of_individuals": HEALTH.numberOfUniqueIndividuals}


def new_graph() -> Graph:
    """An empty graph with the catalogue's prefixes bound."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')


def iri(text: str) -> str:
    """``text`` with the characters an IRI may not hold (space, quotes, angle brackets,
    braces, pipe, caret, backtick, backslash, controls) percent-encoded, so that free text
    (a table or variable name, a DOI) makes an IRI that N-Triples and Turtle can write."""
    if not _NOT_IN_IRI.search(text):
        return text
    return _NOT_IN_IRI.sub(lambda m: quote(m.group(), safe=""), text)


def record_uri(settings: Settings, slug: str) -> URIRef:
    """The URI of a database record."""
    return URIRef(iri(f"{settings.catalogue_base_uri.rstrip('/')}/{slug}"))


def _texts(g: Graph, node: Any, prop: URIRef, value: dict[str, str]) -> None:
    for lang, text in value.items():
        if text:
            g.add((node, prop, Literal(text, lang=lang)))


def _concept(g: Graph, node_iri: str, labels: dict[str, str], scheme: str | None = None
             ) -> URIRef:
    node = URIRef(node_iri)
    g.add((node, RDF.type, SKOS.Concept))
    _texts(g, node, SKOS.prefLabel, labels)
    if scheme:
        g.add((node, SKOS.inScheme, URIRef(iri(scheme))))
    return node


def _agent(g: Graph, node: URIRef, name: str, settings: Settings, email: str) -> URIRef:
    g.add((node, RDF.type, FOAF.Agent))
    g.add((node, FOAF.name, Literal(name)))
    g.add((node, FOAF.homepage, URIRef(iri(settings.catalogue_publisher_url))))
    g.add((node, FOAF.mbox, URIRef(iri(f"mailto:{email}"))))
    contact = URIRef(f"{node}-contact")
    g.add((node, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.hasEmail, URIRef(iri(f"mailto:{email}"))))
    g.add((contact, VCARD.hasURL, URIRef(iri(settings.catalogue_publisher_url))))
    return node


def _legislation(g: Graph, settings: Settings, node: Any, own: str | None = None) -> None:
    """The applicable legislation: the record's own when it names an IRI, else the setting."""
    law = URIRef(iri(own if own and own.startswith(("http://", "https://")) else
                     settings.catalogue_legislation))
    g.add((law, RDF.type, ELI.LegalResource))
    g.add((node, DCATAP.applicableLegislation, law))


def dictionary_json(record: dict[str, Any]) -> str:
    """The record's data dictionary (collections and variables) as served by the hub."""
    return json.dumps({"database": record["slug"], "collections": record["collections"]},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _distribution(g: Graph, uri: URIRef, record: dict[str, Any], settings: Settings) -> URIRef:
    node = URIRef(f"{uri}#dictionary")
    g.add((node, RDF.type, DCAT.Distribution))
    g.add((node, DCAT.accessURL, URIRef(f"{uri}/dictionary.json")))
    g.add((node, DCTERMS.title, Literal("Dictionnaire des données", lang="fr")))
    g.add((node, DCTERMS.title, Literal("Data dictionary", lang="en")))
    g.add((node, DCAT.byteSize, Literal(len(dictionary_json(record).encode()),
                                         datatype=XSD.nonNegativeInteger)))
    fmt = URIRef(EU + "file-type/JSON")
    g.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((node, DCTERMS.format, fmt))
    rights = URIRef(f"{uri}#rights")
    g.add((rights, RDF.type, DCTERMS.RightsStatement))
    g.add((rights, RDFS.label, Literal("Accès aux données sur autorisation", lang="fr")))
    g.add((node, DCTERMS.rights, rights))
    _legislation(g, settings, node)
    if record["collections"]:
        g.add((node, DCTERMS.conformsTo, URIRef(f"{uri}#tables")))
    return node


def _tables(g: Graph, uri: URIRef, record: dict[str, Any]) -> None:
    if not record["collections"]:
        return
    group = URIRef(f"{uri}#tables")
    g.add((group, RDF.type, CSVW.TableGroup))
    g.add((group, RDF.type, DCTERMS.Standard))
    for i, c in enumerate(record["collections"]):
        table = URIRef(iri(f"{uri}/{c['name']}"))
        g.add((group, CSVW.table, table))
        g.add((table, RDF.type, CSVW.Table))
        g.add((table, CSVW.name, Literal(c["name"])))
        g.add((table, HDH.position, Literal(i)))
        _texts(g, table, DCTERMS.title, c["title"]) if any(c["title"].values()) else g.add(
            (table, DCTERMS.title, Literal(c["name"])))
        _texts(g, table, DCTERMS.description, c["description"])
        for key, prop in (("row_count", HDH.rowCount), ("time_min", HDH.timeMin),
                          ("time_max", HDH.timeMax)):
            if c.get(key) is not None:
                g.add((table, prop, Literal(c[key])))
        if c.get("details"):
            g.add((table, HDH.details, Literal(json.dumps(c["details"], sort_keys=True))))
        for j, v in enumerate(c["variables"]):
            column = URIRef(iri(f"{uri}/{c['name']}/{v['name']}"))
            g.add((table, CSVW.column, column))
            g.add((column, RDF.type, CSVW.Column))
            g.add((column, CSVW.name, Literal(v["name"])))
            g.add((column, HDH.position, Literal(j)))
            g.add((column, CSVW.datatype, Literal(v["type"])))
            g.add((column, CSVW.required, Literal(not v["nullable"])))
            _texts(g, column, CSVW.titles, v["label"])
            _texts(g, column, DCTERMS.description, v["description"])
            if not any(v["label"].values()):
                g.add((column, CSVW.titles, Literal(v["name"])))
            if not any(v["description"].values()):
                g.add((column, DCTERMS.description, Literal(F.pick(v["label"], "fr")
                                                            or v["name"])))
                g.add((column, HDH.generatedDescription, Literal(True)))
            g.add((column, HDH.identifying, Literal(bool(v["identifying"]))))
            for key, prop in (("unit", HDH.unit), ("coding_system", HDH.codingSystem),
                              ("null_rate", HDH.nullRate), ("distinct_count", HDH.distinctCount),
                              ("min_value", HDH.minValue), ("max_value", HDH.maxValue)):
                if v.get(key) not in (None, ""):
                    g.add((column, prop, Literal(v[key])))


def add_record(g: Graph, record: dict[str, Any], settings: Settings) -> URIRef:
    """Add one database record (dataset, agents, distribution, CSVW tables) to ``g``."""
    uri = record_uri(settings, record["slug"])
    d = record["details"]
    g.add((uri, RDF.type, DCAT.Dataset))
    g.add((uri, DCTERMS.identifier, Literal(record["identifier"], datatype=XSD.anyURI)))
    g.add((uri, HDH.slug, Literal(record["slug"])))
    g.add((uri, DCTERMS.alternative, Literal(record["acronym"])))
    g.add((uri, HDH.source, Literal(record.get("source") or "portal")))
    _texts(g, uri, DCTERMS.title, record["title"])
    _texts(g, uri, DCTERMS.description, record["description"])
    if record.get("doi"):
        ident = URIRef(iri(f"https://doi.org/{record['doi']}"))
        g.add((ident, RDF.type, ADMS.Identifier))
        g.add((ident, SKOS.notation, Literal(record["doi"])))
        g.add((uri, ADMS.identifier, ident))
    for keyword in record["keywords"] or [record["acronym"]]:
        g.add((uri, DCAT.keyword, Literal(keyword, lang="fr")))
    g.add((uri, DCAT.theme, _concept(g, str(HEAL), {"fr": "Santé", "en": "Health"},
                                     EU + "data-theme")))
    for m in record["mesh"]:
        g.add((uri, DCAT.theme, _concept(g, iri(MESH_BASE + m["id"]), {"en": m["label"]},
                                         "https://id.nlm.nih.gov/mesh")))
    base = settings.catalogue_base_uri.rstrip("/")
    theme = record["theme"] or "OTHER"
    category = _concept(g, iri(f"{base}/vocabulary/health-category/{theme}"),
                        dict(zip(F.LANGS, F.THEMES.get(theme, (theme, theme)), strict=True)))
    g.add((uri, HEALTH.healthCategory, category))
    g.add((uri, DCTERMS.type, category))
    speciality = record["speciality"] or "all"
    g.add((uri, HEALTH.healthTheme, _concept(
        g, iri(f"{base}/vocabulary/speciality/{speciality}"),
        dict(zip(F.LANGS, F.SPECIALITIES.get(speciality, (speciality, speciality)), strict=True)))))
    access = URIRef(iri(EU + "access-right/" + record["access_rights"]))
    g.add((access, RDF.type, DCTERMS.RightsStatement))
    g.add((uri, DCTERMS.accessRights, access))
    for lang in record["languages"]:
        g.add((URIRef(LANG_IRI.get(lang, EU + "language/MUL")), RDF.type,
               DCTERMS.LinguisticSystem))
        g.add((uri, DCTERMS.language, URIRef(LANG_IRI.get(lang, EU + "language/MUL"))))
    email = d.get("contact_email") or settings.catalogue_contact_email
    publisher = _agent(g, URIRef(f"{uri}#publisher"), record["publisher"] or
                       settings.catalogue_publisher, settings, email)
    g.add((publisher, HEALTH.publisherType,
           URIRef(iri(f"{base}/vocabulary/publisher-type/holder"))))
    g.add((publisher, HEALTH.publisherNote, Literal(record["publisher"] or
                                                    settings.catalogue_publisher, lang="fr")))
    g.add((publisher, HEALTH.trustedDataHolder, Literal(False)))
    g.add((uri, DCTERMS.publisher, publisher))
    g.add((uri, DCAT.contactPoint, URIRef(f"{publisher}-contact")))
    hdab = _agent(g, URIRef(f"{uri}#hdab"), d.get("hdab") or settings.catalogue_hdab, settings,
                  settings.catalogue_contact_email)
    g.add((uri, HEALTH.hdab, hdab))
    _legislation(g, settings, uri, d.get("legislation"))
    spatial = URIRef(iri(EU + "country/" + (d.get("spatial") or "FRA")))
    g.add((spatial, RDF.type, DCTERMS.Location))
    g.add((uri, DCTERMS.spatial, spatial))
    if d.get("frequency"):
        freq = URIRef(iri(EU + "frequency/" + d["frequency"]))
        g.add((freq, RDF.type, DCTERMS.Frequency))
        g.add((uri, DCTERMS.accrualPeriodicity, freq))
    if d.get("temporal_start") or d.get("temporal_end"):
        period = URIRef(f"{uri}#temporal")
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        for key, prop in (("temporal_start", DCAT.startDate), ("temporal_end", DCAT.endDate)):
            if d.get(key):
                g.add((period, prop, Literal(d[key], datatype=XSD.date)))
        g.add((uri, DCTERMS.temporal, period))
    for key, prop in _INTS.items():
        if d.get(key) is not None:
            g.add((uri, prop, Literal(d[key], datatype=XSD.nonNegativeInteger)))
    if "population_coverage" in d:
        _texts(g, uri, HEALTH.populationCoverage, d["population_coverage"])
    for key in _HDH_TEXT:
        if key in d:
            _texts(g, uri, HDH[key], d[key])
    for key in _HDH_PLAIN:
        if key in d:
            g.add((uri, HDH[key], Literal(d[key])))
    if "contact_email" in d:
        g.add((uri, HDH.contact_email, Literal(d["contact_email"])))
    if "hdab" in d:
        g.add((uri, HDH.hdab, Literal(d["hdab"])))
    provenance = URIRef(f"{uri}#provenance")
    g.add((provenance, RDF.type, DCTERMS.ProvenanceStatement))
    g.add((provenance, RDFS.label, Literal(f"Catalogue record ({record.get('source')})")))
    g.add((uri, DCTERMS.provenance, provenance))
    g.add((uri, DPV.hasPurpose, DPV.ScientificResearch))
    dist = _distribution(g, uri, record, settings)
    g.add((uri, DCAT.distribution, dist))
    g.add((uri, ADMS.sample, dist))
    _tables(g, uri, record)
    return uri


def add_catalogue(g: Graph, settings: Settings, datasets: list[URIRef]) -> URIRef:
    """The catalogue node itself (title, publisher, legislation, its datasets)."""
    node = URIRef(iri(settings.catalogue_base_uri.rstrip("/")))
    g.add((node, RDF.type, DCAT.Catalog))
    g.add((node, DCTERMS.title, Literal(settings.hub_name, lang="fr")))
    g.add((node, DCTERMS.description, Literal(
        f"Catalogue de métadonnées de {settings.hub_name} (HealthDCAT-AP).", lang="fr")))
    g.add((node, FOAF.homepage, URIRef(iri(settings.catalogue_publisher_url))))
    g.add((URIRef(iri(settings.catalogue_publisher_url)), RDF.type, FOAF.Document))
    publisher = _agent(g, URIRef(f"{node}#publisher"), settings.catalogue_publisher, settings,
                       settings.catalogue_contact_email)
    g.add((node, DCTERMS.publisher, publisher))
    _legislation(g, settings, node)
    for uri in datasets:
        g.add((node, DCAT.dataset, uri))
    return node


def serialise(g: Graph, fmt: str) -> str:
    """The graph as Turtle, JSON-LD or RDF/XML."""
    if fmt not in FORMATS:
        from healthdatahub.errors import HubError

        raise HubError(f"Unknown RDF format {fmt!r}; use one of {sorted(FORMATS)}.")
    return g.serialize(format=fmt)

