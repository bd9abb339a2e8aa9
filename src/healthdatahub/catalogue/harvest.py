"""Federation: a paged DCAT catalogue (Hydra) for harvesters, and a harvester of other hubs.

The harvester follows ``hydra:next`` pages, creates or updates records by their original
identifier (``dct:identifier``), skips and reports a malformed record without stopping,
and removes the records it harvested earlier from that source that are no longer listed.
A harvested record never replaces one made here or harvested from another source: two hubs
that harvest each other get their own records back, and those are kept as they are.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD
from sqlalchemy import select

from healthdatahub.catalogue import export, rdf_read, records
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.results import Outcome
from healthdatahub.store.db import session_scope
from healthdatahub.store.models_catalogue import CatalogueDatabase

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
MAX_PAGES = 100_000


def page_graph(settings: Settings, page: int, endpoint: str) -> Any:
    """One page of the catalogue with Hydra paging links (``endpoint?page=N``)."""
    from healthdatahub.catalogue.service import counts_of

    size = settings.catalogue_page_size
    total = counts_of(settings)["databases"]
    last = max(1, math.ceil(total / size))
    if page < 1 or page > last:
        raise HubError(f"Page {page} does not exist (1 to {last}).")
    graph = export.catalogue_graph(settings, offset=(page - 1) * size, limit=size)
    graph.bind("hydra", HYDRA)
    view = URIRef(f"{endpoint}?page={page}")
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.first, URIRef(f"{endpoint}?page=1")))
    graph.add((view, HYDRA.last, URIRef(f"{endpoint}?page={last}")))
    graph.add((view, HYDRA.totalItems, Literal(total, datatype=XSD.nonNegativeInteger)))
    if page < last:
        graph.add((view, HYDRA.next, URIRef(f"{endpoint}?page={page + 1}")))
    return graph


def _fetch(client: Any, url: str) -> str:
    response = client.get(url, headers={"Accept": "text/turtle"})
    if response.status_code != 200:
        raise HubError(f"Harvest of {url[:200]} answered HTTP {response.status_code}.")
    return response.text


def harvest(settings: Settings, url: str, client: Any | None = None) -> Outcome:
    """Import another catalogue's records page by page; report the ones skipped."""
    import httpx

    started = time.perf_counter()
    own = client or httpx.Client(timeout=60, follow_redirects=True)
    seen: list[str] = []
    kept = 0
    skipped: list[dict[str, str]] = []
    next_url: str | None = url
    pages = 0
    try:
        while next_url and pages < MAX_PAGES:
            graph = rdf_read.parse(_fetch(own, next_url), "turtle")
            pages += 1
            for node in rdf_read.datasets_in(graph):
                try:
                    raw = rdf_read.record_of(graph, node)
                    record = records.check_record({**raw, "source": "harvest",
                                                   "harvested_from": url})
                    if _save(settings, record):
                        seen.append(record["identifier"])
                    else:
                        kept += 1
                except HubError as exc:
                    skipped.append({"record": str(node)[:300], "reason": str(exc)[:300]})
            view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView), None)
            following = graph.value(view, HYDRA.next) if view is not None else None
            next_url = str(following) if following is not None else None
    finally:
        if client is None:
            own.close()
    removed = _remove_missing(settings, url, set(seen))
    return Outcome("catalogue harvest", f"Harvested {len(seen)} records from {url} "
                   f"({pages} pages); {kept} kept as they are here, {len(skipped)} skipped, "
                   f"{removed} removed.",
                   counts={"records": len(seen), "kept": kept, "skipped": len(skipped),
                           "removed": removed, "pages": pages},
                   timings={"total": round(time.perf_counter() - started, 3)},
                   details={"skipped": skipped[:1000]})


def _save(settings: Settings, record: dict[str, Any]) -> bool:
    """Save a harvested record; False when a record made elsewhere holds its identifier."""
    with session_scope(settings) as db:
        current = db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.identifier == record["identifier"])).one_or_none()
        if current is not None and current.harvested_from != record["harvested_from"]:
            return False
        clash = db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.slug == record["slug"],
            CatalogueDatabase.identifier != record["identifier"])).one_or_none()
        if clash is not None:
            digest = hashlib.sha256(record["identifier"].encode()).hexdigest()[:8]
            record["slug"] = f"{record['slug'][:90]}-{digest}"
        records.save(db, record)
        return True


def _remove_missing(settings: Settings, url: str, seen: set[str]) -> int:
    with session_scope(settings) as db:
        stale = [r for r in db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.harvested_from == url)) if r.identifier not in seen]
        for row in stale:
            db.delete(row)
        return len(stale)


def push(settings: Settings, client: Any | None = None) -> Outcome:
    """Send the whole catalogue (Turtle) to the parent catalogue with its API key."""
    import httpx

    if not settings.catalogue_push_url or not settings.catalogue_push_key_file:
        raise HubError("Set catalogue_push_url and catalogue_push_key_file to push.")
    key = settings.catalogue_push_key_file.read_text(encoding="utf-8").strip()
    body = export.export(settings, None, "turtle")
    own = client or httpx.Client(timeout=120)
    try:
        response = own.post(settings.catalogue_push_url, content=body.encode(),
                            headers={"Content-Type": "text/turtle",
                                     "Authorization": f"Bearer {key}"})
    finally:
        if client is None:
            own.close()
    if response.status_code >= 300:
        raise HubError(f"The parent catalogue answered HTTP {response.status_code}.")
    return Outcome("catalogue push", f"Pushed the catalogue to {settings.catalogue_push_url}.",
                   counts={"bytes": len(body.encode())})
