"""Read catalogue records back from HealthDCAT-AP RDF (harvest, import, round-trip)."""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue.mesh import MESH_BASE
from healthdatahub.catalogue.rdf import ADMS, CSVW, DCATAP, EU, HDH, HEALTH, LANG_IRI
from healthdatahub.errors import HubError

_LANG_CODE = {v: k for k, v in LANG_IRI.items()}


def parse(data: str | bytes, fmt: str) -> Graph:
    """A graph from Turtle, JSON-LD or RDF/XML, or a HubError saying where it broke."""
    graph = Graph()
    try:
        graph.parse(data=data, format=fmt)
    except Exception as exc:  # noqa: BLE001 - rdflib raises many parser-specific types
        raise HubError(f"Invalid {fmt} RDF: {str(exc).splitlines()[0][:200]}") from None
    return graph


def _text(g: Graph, node: Any, prop: URIRef) -> dict[str, str]:
    out = {"fr": "", "en": ""}
    for value in g.objects(node, prop):
        if isinstance(value, Literal):
            lang = value.language if value.language in F.LANGS else "fr"
            out[lang] = out[lang] or str(value)
    return out


def _one(g: Graph, node: Any, prop: URIRef) -> Any:
    value = g.value(node, prop)
    return value.toPython() if isinstance(value, Literal) else value


def _tail(node: Any, prefix: str) -> str:
    text = str(node or "")
    if prefix and text.startswith(prefix):
        return text[len(prefix):]
    return text.rsplit("/", 1)[-1]


def _variable(g: Graph, column: Any) -> dict[str, Any]:
    generated = bool(_one(g, column, HDH.generatedDescription))
    return {
        "name": str(_one(g, column, CSVW.name) or ""),
        "label": _text(g, column, CSVW.titles),
        "description": {"fr": "", "en": ""} if generated else _text(g, column,
                                                                      DCTERMS.description),
        "type": str(_one(g, column, CSVW.datatype) or "string"),
        "unit": str(_one(g, column, HDH.unit) or ""),
        "coding_system": str(_one(g, column, HDH.codingSystem) or ""),
        "nullable": not bool(_one(g, column, CSVW.required)),
        "identifying": bool(_one(g, column, HDH.identifying)),
        "null_rate": _one(g, column, HDH.nullRate),
        "distinct_count": _one(g, column, HDH.distinctCount),
        "min_value": _one(g, column, HDH.minValue), "max_value": _one(g, column, HDH.maxValue),
    }


def _collections(g: Graph, dataset: Any) -> list[dict[str, Any]]:
    dist = g.value(dataset, DCAT.distribution)
    group = g.value(dist, DCTERMS.conformsTo) if dist is not None else None
    if group is None:
        return []
    out = []
    for table in g.objects(group, CSVW.table):
        title = _text(g, table, DCTERMS.title)
        name = str(_one(g, table, CSVW.name) or _tail(table, ""))
        if title == {"fr": "", "en": ""} or (title["fr"] == name and not title["en"]
                                              and not g.value(table, DCTERMS.title).language):
            title = {"fr": "", "en": ""}
        columns = sorted(g.objects(table, CSVW.column),
                         key=lambda c: _one(g, c, HDH.position) or 0)
        details = _one(g, table, HDH.details)
        out.append({"name": name, "title": title,
                    "description": _text(g, table, DCTERMS.description),
                    "row_count": _one(g, table, HDH.rowCount),
                    "time_min": _one(g, table, HDH.timeMin),
                    "time_max": _one(g, table, HDH.timeMax),
                    "details": json.loads(details) if details else {},
                    "variables": [_variable(g, c) for c in columns],
                    "_position": _one(g, table, HDH.position) or 0})
    out.sort(key=lambda c: c.pop("_position"))
    return out


def _details(g: Graph, ds: Any) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for key in ("documentation", "funding", "data_flow", "scientific_output"):
        if (ds, HDH[key], None) in g:
            d[key] = _text(g, ds, HDH[key])
    for key in ("catalogue_ref", "data_holder", "access_url", "legislation", "contact_email",
                "hdab"):
        if (ds, HDH[key], None) in g:
            d[key] = str(_one(g, ds, HDH[key]))
    if (ds, HEALTH.populationCoverage, None) in g:
        d["population_coverage"] = _text(g, ds, HEALTH.populationCoverage)
    for key, prop in (("min_typical_age", HEALTH.minTypicalAge),
                      ("max_typical_age", HEALTH.maxTypicalAge),
                      ("number_of_records", HEALTH.numberOfRecords),
                      ("number_of_individuals", HEALTH.numberOfUniqueIndividuals)):
        if (ds, prop, None) in g:
            d[key] = int(_one(g, ds, prop))
    spatial = g.value(ds, DCTERMS.spatial)
    if spatial is not None:
        d["spatial"] = _tail(spatial, EU + "country/")
    freq = g.value(ds, DCTERMS.accrualPeriodicity)
    if freq is not None:
        d["frequency"] = _tail(freq, EU + "frequency/")
    period = g.value(ds, DCTERMS.temporal)
    if period is not None:
        for key, prop in (("temporal_start", DCAT.startDate), ("temporal_end", DCAT.endDate)):
            if g.value(period, prop) is not None:
                d[key] = str(g.value(period, prop))
    return d


def record_of(g: Graph, dataset: Any) -> dict[str, Any]:
    """The record of one ``dcat:Dataset`` node (HubError when a mandatory field is missing)."""
    identifier = _one(g, dataset, DCTERMS.identifier)
    if not identifier:
        raise HubError(f"Dataset {str(dataset)[:200]} has no dct:identifier.")
    themes = [t for t in g.objects(dataset, DCAT.theme) if str(t).startswith(MESH_BASE)]
    ident = g.value(dataset, ADMS.identifier)
    return {
        "identifier": str(identifier),
        "slug": str(_one(g, dataset, HDH.slug) or F.slugify(_tail(dataset, ""))),
        "acronym": str(_one(g, dataset, DCTERMS.alternative) or ""),
        "title": _text(g, dataset, DCTERMS.title),
        "description": _text(g, dataset, DCTERMS.description),
        "doi": str(_one(g, ident, SKOS.notation)) if ident is not None else None,
        "speciality": _tail(g.value(dataset, HEALTH.healthTheme), ""),
        "theme": _tail(g.value(dataset, HEALTH.healthCategory), ""),
        "publisher": str(_one(g, g.value(dataset, DCTERMS.publisher),
                              URIRef("http://xmlns.com/foaf/0.1/name")) or ""),
        "access_rights": _tail(g.value(dataset, DCTERMS.accessRights), EU + "access-right/"),
        "languages": sorted(_LANG_CODE.get(str(x), "fr")
                            for x in g.objects(dataset, DCTERMS.language)),
        "keywords": sorted(str(k) for k in g.objects(dataset, DCAT.keyword)),
        "mesh": sorted(({"id": _tail(t, MESH_BASE),
                         "label": str(g.value(t, SKOS.prefLabel) or "")} for t in themes),
                       key=lambda m: m["id"]),
        "details": _details(g, dataset),
        "collections": _collections(g, dataset),
        "source": str(_one(g, dataset, HDH.source) or "harvest"),
    }


def datasets_in(g: Graph) -> list[Any]:
    """The ``dcat:Dataset`` nodes of a graph, in a stable order."""
    return sorted(g.subjects(RDF.type, DCAT.Dataset), key=str)


__all__ = ["DCATAP", "datasets_in", "parse", "record_of"]
