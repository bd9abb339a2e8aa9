"""Catalogue pages (search with facets, database/table pages, editor forms), API and DCAT."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue import service
from healthdatahub.catalogue.export import export, import_rdf
from healthdatahub.catalogue.rdf import FORMATS, dictionary_json
from healthdatahub.catalogue.search import PAGE_WINDOW
from healthdatahub.errors import HubError
from healthdatahub.web import policy
from healthdatahub.web.deps import Me, get_settings, record, resolve_principal
from healthdatahub.web.render import language, redirect, render
from healthdatahub.web.routers.api import ErrorOut

router = APIRouter()
html = APIRouter(include_in_schema=False)
Q = Query("", max_length=300)
RdfFormat = Literal["turtle", "json-ld", "xml"]
_ERR: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 413, 415, 422)}
_ACCEPT = {"text/turtle": "turtle", "application/ld+json": "json-ld",
           "application/rdf+xml": "xml"}


def _rdf_format(request: Request, fmt: str | None) -> str | None:
    if fmt:
        if fmt not in FORMATS:
            raise HTTPException(400, "Unknown RDF format.")
        return fmt
    accept = request.headers.get("accept", "")
    return next((f for mime, f in _ACCEPT.items() if mime in accept), None)


def _rdf(text: str, fmt: str) -> Response:
    return Response(text, media_type=FORMATS[fmt], headers={"cache-control": "max-age=60"})


def _filters(request: Request) -> dict[str, str]:
    return {k: request.query_params[k][:300] for k in F.FACETS if request.query_params.get(k)}


def _get(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except HubError as exc:
        raise HTTPException(404, str(exc)) from None


def _ctx(request: Request) -> dict[str, Any]:
    settings = get_settings(request)
    lang = language(request)
    return {"F": F, "pick": lambda v: F.pick(v, lang), "home_text": getattr(
        settings, f"catalogue_home_text_{lang}", "")}


@html.get("/catalogue", name="catalogue_search")
def catalogue_search(request: Request, q: str = Q, kind: str = Query("", max_length=20),
                     page: int = Query(1, ge=1, le=10000)) -> Response:
    """Search the catalogue across databases, tables and variables, with facets."""
    kinds = (kind,) if kind in ("database", "collection", "variable") else (
        ("database", "collection", "variable"))
    result = service.search(get_settings(request), q, _filters(request), kinds, 20,
                            (page - 1) * 20, language(request))
    name = ("catalogue/_results.html" if request.headers.get("hx-request")
            else "catalogue/search.html")
    return render(request, name, {**_ctx(request), "result": result, "kind": kind,
                                  "page": page})


@html.get("/catalogue/mesh", name="catalogue_mesh_suggest")
def catalogue_mesh_suggest(request: Request, q: str = Q) -> Response:
    """MeSH suggestions for the keyword field (an htmx fragment)."""
    settings = get_settings(request)
    french = str(settings.catalogue_mesh_fr_file) if settings.catalogue_mesh_fr_file else None
    from healthdatahub.catalogue.mesh import complete

    return render(request, "catalogue/_mesh.html", {"found": complete(q, 10, french)})


@html.get("/catalogue/new", name="catalogue_new_form")
def catalogue_new_form(request: Request, principal: Me) -> Response:
    """The form to describe a new database."""
    return render(request, "catalogue/form.html", {**_ctx(request), "db": None})


def _from_form(form: Any, slug: str | None) -> dict[str, Any]:
    def bi(key: str) -> dict[str, str]:
        return {lang: str(form.get(f"{key}_{lang}", ""))[:20000] for lang in F.LANGS}

    details: dict[str, Any] = {}
    for key in F.DETAIL_KEYS:
        if key in F.TEXT_DETAILS:
            value = bi(f"d_{key}")
            if any(value.values()):
                details[key] = value
        elif form.get(f"d_{key}"):
            details[key] = str(form.get(f"d_{key}"))[:1000]
    mesh_ids = [str(m)[:20] for m in form.getlist("mesh")][:50]
    from healthdatahub.catalogue.mesh import lookup

    found = [lookup(m) for m in mesh_ids]
    return {"slug": slug or str(form.get("slug", ""))[:100],
            "acronym": str(form.get("acronym", ""))[:100], "title": bi("title"),
            "description": bi("description"), "doi": str(form.get("doi", ""))[:200],
            "speciality": str(form.get("speciality", ""))[:100],
            "theme": str(form.get("theme", ""))[:100],
            "publisher": str(form.get("publisher", ""))[:300],
            "access_rights": str(form.get("access_rights", "NON_PUBLIC"))[:30],
            "languages": [str(x)[:5] for x in form.getlist("languages")] or ["fr"],
            "keywords": [k.strip() for k in str(form.get("keywords", "")).split(",")][:100],
            "mesh": [{"id": d.id, "label": d.label_en} for d in found if d is not None],
            "details": details}


def _may_edit(request: Request, principal: policy.Principal, slug: str) -> None:
    """403 unless the policy lets ``principal`` edit the record (its owner, or operators)."""
    owner = _get(service.owner_of, get_settings(request), slug)
    if not policy.can_edit_record(principal, owner):
        record(request, "catalogue.save", "denied", object_type="catalogue_database",
               object_id=slug)
        raise HTTPException(403, "You may edit only the catalogue records you own.")


async def _save(request: Request, principal: policy.Principal, slug: str | None) -> Response:
    settings = get_settings(request)
    form = await request.form()
    raw = _from_form(form, slug)
    if slug is not None:
        _may_edit(request, principal, slug)
        current = _get(service.get_database, settings, slug, False)
        raw["identifier"] = current["identifier"]
    else:
        raw["identifier"] = f"{settings.catalogue_base_uri.rstrip('/')}/{raw['slug']}"
    try:
        saved = service.save_record(
            settings, raw, keep_collections=True, owner_id=principal.user_id,
            may_edit=lambda owner: policy.can_edit_record(principal, owner))
    except service.NotYours as exc:
        raise HTTPException(403, str(exc)) from None
    except HubError as exc:
        record(request, "catalogue.save", "failure", object_type="catalogue_database",
               object_id=slug, details={"reason": str(exc)[:200]})
        return render(request, "catalogue/form.html", {**_ctx(request), "db": raw,
                                                       "error": str(exc)}, 400)
    record(request, "catalogue.save", object_type="catalogue_database", object_id=saved)
    return redirect(request, f"/catalogue/{saved}")


@html.post("/catalogue/new", name="catalogue_create")
async def catalogue_create(request: Request, principal: Me) -> Response:
    """Create a database record from the form (owned by whoever creates it)."""
    return await _save(request, principal, None)


@html.get("/catalogue/{slug}", name="catalogue_database")
def catalogue_database(request: Request, slug: str, format: str | None = None) -> Response:
    """A database's page, or its RDF (content negotiation or ``?format=``)."""
    settings = get_settings(request)
    fmt = _rdf_format(request, format)
    db = _get(service.get_database, settings, slug, False)
    if fmt:
        return _rdf(export(settings, slug, fmt), fmt)
    can_edit = policy.can_edit_record(resolve_principal(request),
                                      service.owner_of(settings, slug))
    return render(request, "catalogue/database.html", {**_ctx(request), "db": db,
                                                       "can_edit": can_edit})


@html.get("/catalogue/{slug}/edit", name="catalogue_edit_form")
def catalogue_edit_form(request: Request, slug: str, principal: Me) -> Response:
    """The form to edit a database's description (its owner and operators)."""
    db = _get(service.get_database, get_settings(request), slug, False)
    _may_edit(request, principal, slug)
    return render(request, "catalogue/form.html", {**_ctx(request), "db": db})


@html.post("/catalogue/{slug}/edit", name="catalogue_update")
async def catalogue_update(request: Request, slug: str, principal: Me) -> Response:
    """Save a database's description (its tables and variables are kept)."""
    return await _save(request, principal, slug)


@html.get("/catalogue/{slug}/dictionary.json", name="catalogue_dictionary")
def catalogue_dictionary(request: Request, slug: str) -> Response:
    """The database's data dictionary (the distribution described in the DCAT export)."""
    db = _get(service.get_database, get_settings(request), slug)
    return Response(dictionary_json(db), media_type="application/json")


@html.get("/catalogue/{slug}/datacite.xml", name="catalogue_datacite")
def catalogue_datacite(request: Request, slug: str) -> Response:
    """The database's DataCite XML (metadata kernel 4) for its DOI."""
    from healthdatahub.catalogue.datacite import record_xml

    return Response(_get(record_xml, get_settings(request), slug),
                    media_type="application/xml")


@html.get("/catalogue/{slug}/{table}", name="catalogue_collection")
def catalogue_collection(request: Request, slug: str, table: str) -> Response:
    """A table's page: its variables with types, coding systems and statistics."""
    collection = _get(service.get_collection, get_settings(request), slug, table)
    return render(request, "catalogue/collection.html", {**_ctx(request), "c": collection})


@router.get("/api/v1/catalogue/search", name="api_catalogue_search", responses=_ERR)
def api_catalogue_search(request: Request, q: str = Q, limit: int = Query(20, ge=1, le=200),
                         offset: int = Query(0, ge=0, le=PAGE_WINDOW - 1)
                         ) -> dict[str, Any]:
    """Full-text search with facets (facet filters as query parameters).

    Only the first ``PAGE_WINDOW`` results are paged: a page reaching past them is cut there.
    """
    return service.search(get_settings(request), q, _filters(request), limit=limit,
                          offset=offset, lang=language(request))


@router.get("/api/v1/catalogue/databases", name="api_catalogue_databases", responses=_ERR)
def api_catalogue_databases(request: Request) -> list[dict[str, Any]]:
    """Every database record (without tables)."""
    return service.list_databases(get_settings(request))


@router.get("/api/v1/catalogue/databases/{slug}", name="api_catalogue_database", responses=_ERR)
def api_catalogue_database(request: Request, slug: str) -> dict[str, Any]:
    """One database record with its tables and variables."""
    return _get(service.get_database, get_settings(request), slug)


@router.get("/api/v1/catalogue/mesh", name="api_catalogue_mesh", responses=_ERR)
def api_catalogue_mesh(request: Request, q: str = Q) -> list[dict[str, str]]:
    """MeSH descriptors matching a prefix."""
    from healthdatahub.catalogue.mesh import complete

    return [{"id": d.id, "iri": d.iri, "label": d.label_en, "label_fr": d.label_fr}
            for d in complete(q, 20)]


@router.get("/api/v1/catalogue/dcat", name="api_catalogue_dcat", response_class=Response,
            responses={**_ERR, 200: {"content": {mime: {} for mime in FORMATS.values()},
                                     "description": "A page of the catalogue as RDF."}})
def api_catalogue_dcat(request: Request, page: int = Query(1, ge=1, le=10**6),
                       format: RdfFormat | None = None) -> Response:
    """The catalogue as DCAT, one Hydra page at a time (for harvesters)."""
    from healthdatahub.catalogue.harvest import page_graph
    from healthdatahub.catalogue.rdf import serialise

    fmt = _rdf_format(request, format) or "turtle"
    endpoint = str(request.url_for("api_catalogue_dcat"))
    graph = _get(page_graph, get_settings(request), page, endpoint)
    return _rdf(serialise(graph, fmt), fmt)


@router.post("/api/v1/catalogue/rdf", name="api_catalogue_import", responses=_ERR)
async def api_catalogue_import(request: Request, principal: Me) -> JSONResponse:
    """Create or update records from a HealthDCAT-AP Turtle body (editors)."""
    if not request.headers.get("content-type", "").startswith("text/turtle"):
        raise HTTPException(415, "Send HealthDCAT-AP Turtle in the body.")
    body = await request.body()
    if not body:
        raise HTTPException(400, "Send HealthDCAT-AP Turtle in the body.")
    try:
        outcome = import_rdf(get_settings(request), body, "turtle", owner_id=principal.user_id,
                             may_edit=lambda owner: policy.can_edit_record(principal, owner))
    except service.NotYours as exc:
        raise HTTPException(403, str(exc)) from None
    record(request, "catalogue.import", object_type="catalogue_database",
           details={"records": outcome.counts["records"]})
    return JSONResponse(outcome.to_dict())


router.include_router(html)
