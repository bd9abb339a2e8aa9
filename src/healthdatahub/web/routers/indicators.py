"""Indicator pages: the open algorithm library, published results, and the guichet.

Anyone browses the library (each phenotype's definition, version, sources, validity notes,
downloadable declarative definition and compiled SQL) and the published open data; a
signed-in association submits a request; an operator reviews it and turns it into a
template run. Every table shown or served here was written by ``indicators.publish`` after
``disclosure.protect``: this module never computes a count.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response

from healthdatahub.errors import HubError
from healthdatahub.indicators import service
from healthdatahub.indicators.library import PHENOTYPES, get_phenotype
from healthdatahub.indicators.publish import FILES
from healthdatahub.indicators.templates import BY, TEMPLATES
from healthdatahub.web.deps import Me, RowId, get_settings, record
from healthdatahub.web.render import redirect, render

router = APIRouter(prefix="/indicators", include_in_schema=False)
MEDIA = {"data.csv": "text/csv; charset=utf-8",
         "data.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "chart.svg": "image/svg+xml", "disclosure-log.json": "application/json",
         "dataset.jsonld": "application/ld+json"}
Text = Form("", max_length=300)
Choices = Form(None)


def _found(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except HubError as exc:
        raise HTTPException(404, str(exc)) from None


def _regions() -> list[tuple[str, str]]:
    from healthdatahub.snds import nomenclatures

    names = dict(zip(*(nomenclatures.load("regions").column(c).to_pylist()
                       for c in ("REG_COD", "LIBELLE")), strict=True))
    codes = sorted(set(nomenclatures.load("departements").column("REG_COD").to_pylist()),
                   key=lambda c: int(c))
    return [(c, names.get(c, c).title()) for c in codes]


@router.get("", name="indicators_library")
def indicators_library(request: Request) -> Response:
    """The open algorithm library, the templates and the published indicators."""
    return render(request, "indicators/library.html", {
        "phenotypes": list(PHENOTYPES.values()), "templates": service.list_templates(),
        "published": service.list_published(get_settings(request))})


@router.get("/phenotypes/{name}", name="indicators_phenotype")
def indicators_phenotype(request: Request, name: str) -> Response:
    """A phenotype's page: definition, version, sources, validity notes, code to download."""
    phenotype = _found(get_phenotype, name)
    source = service.phenotype_source(phenotype.name)
    return render(request, "indicators/phenotype.html", {
        "p": phenotype, "definition": json.dumps(source["definition"]["criterion"], indent=2,
                                                 ensure_ascii=False),
        "sql": source["sql"], "omop_sql": source["omop_sql"], "year": source["year"]})


@router.get("/phenotypes/{name}/definition.json", name="indicators_phenotype_definition")
def indicators_phenotype_definition(name: str) -> Response:
    """The phenotype's declarative definition (``dsl.from_dict`` reads it back)."""
    source = _found(service.phenotype_source, name)
    return Response(json.dumps(source["definition"], indent=2, ensure_ascii=False),
                    media_type="application/json", headers=_attachment(f"{name}.json"))


@router.get("/phenotypes/{name}/query.sql", name="indicators_phenotype_sql")
def indicators_phenotype_sql(name: str, year: int = Query(2023, ge=2000, le=2100),
                             source: str = Query("snds", pattern="^(snds|omop)$")) -> Response:
    """The SQL the phenotype compiles to for a year (DuckDB dialect, SNDS or OMOP CDM tables)."""
    compiled = _found(service.phenotype_source, name, year)
    tables = "OMOP CDM 5.4 tables" if source == "omop" else "SNDS tables"
    header = f"-- {name} {get_phenotype(name).version}, year {year}, {tables} (healthdatahub)\n"
    sql = compiled["omop_sql" if source == "omop" else "sql"]
    suffix = "-omop" if source == "omop" else ""
    return Response(header + sql + "\n", media_type="text/plain; charset=utf-8",
                    headers=_attachment(f"{name}-{year}{suffix}.sql"))


def _attachment(filename: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{filename}"'}


@router.get("/published/{pid}", name="indicators_published")
def indicators_published(request: Request, pid: str) -> Response:
    """A published indicator: its table, chart, files, disclosure log and permanent link."""
    import pandas as pd

    info = _found(service.get_published, get_settings(request), pid[:100])
    table = pd.read_csv(info["path"] / "data.csv", dtype=str, keep_default_na=False)
    return render(request, "indicators/published.html", {
        "info": info, "columns": list(table.columns), "rows": table.to_numpy().tolist(),
        "counts": {"cases", "population"}, "files": FILES,
        "link": str(request.url_for("indicators_published", pid=info["permanent_id"])),
        "phenotype": get_phenotype(info["phenotype"])})


@router.get("/published/{pid}/{filename}", name="indicators_published_file")
def indicators_published_file(request: Request, pid: str, filename: str) -> Response:
    """One file of a published indicator (CSV, XLSX, chart, disclosure log, catalogue entry)."""
    if filename not in FILES:
        raise HTTPException(404, "This page does not exist.")
    info = _found(service.get_published, get_settings(request), pid[:100])
    path: Path = info["path"] / filename
    return FileResponse(path, media_type=MEDIA[filename], filename=filename)


def _request_page(request: Request, status: int = 200, **extra: Any) -> Response:
    return render(request, "indicators/request_form.html", {
        "phenotypes": list(PHENOTYPES.values()), "regions": _regions(), "by_choices": BY,
        **extra}, status)


@router.get("/requests/new", name="indicators_request_form")
def indicators_request_form(request: Request, principal: Me,
                            sent: int | None = Query(None, ge=1, le=2**31 - 1)) -> Response:
    """The guichet's form: what, where, when and why."""
    return _request_page(request, sent=sent, requester=principal.display_name or "")


@router.post("/requests/new", name="indicators_request_submit")
def indicators_request_submit(
        request: Request, principal: Me, requester: str = Form(..., max_length=300),
        what: str = Form(..., max_length=50), where: str = Text,
        region: str = Form("", max_length=3), when: str = Form(..., max_length=9),
        why: str = Form("", max_length=5000), by: list[str] | None = Choices) -> Response:
    """Record a request (state ``submitted``), then show the form again with its number."""
    params: dict[str, Any] = {"phenotype": what, "year": when, "by": ",".join(by or [])}
    if region:
        params["where"] = {"region": region}
    label = PHENOTYPES[what].title if what in PHENOTYPES else what
    try:
        if what not in PHENOTYPES:
            raise HubError("Choose a phenotype of the library.")
        outcome = service.submit_request(get_settings(request), requester, label, where, when,
                                         why, "prevalence", params)
    except HubError as exc:
        record(request, "indicator.request", "failure", details={"reason": str(exc)[:200]})
        return _request_page(request, 400, error=str(exc), requester=requester)
    rid = outcome.details["id"]
    record(request, "indicator.request", object_type="indicator_request", object_id=rid)
    return redirect(request, f"/indicators/requests/new?sent={rid}")


@router.get("/requests", name="indicators_requests")
def indicators_requests(request: Request, principal: Me) -> Response:
    """The operators' view of the guichet: every request, and a run form for the open ones."""
    outcome = service.list_requests(get_settings(request))
    rows = outcome.details["requests"]
    for row in rows:
        where = row["params"].get("where") or {}
        row["where_param"] = where if isinstance(where, str) else ";".join(
            f"{k}={v if isinstance(v, str) else ','.join(map(str, v))}" for k, v in where.items())
        if row["result_id"]:
            row["permanent_id"] = service.get_request(get_settings(request),
                                                      row["id"])["permanent_id"]
    return render(request, "indicators/requests.html", {
        "requests": rows, "templates": TEMPLATES, "phenotypes": list(PHENOTYPES.values()),
        "default_bands": get_settings(request).indicators_age_bands})


@router.post("/requests/{request_id}/run", name="indicators_request_run")
def indicators_request_run(
        request: Request, principal: Me, request_id: RowId,
        template: str = Form("prevalence", max_length=50),
        phenotype: str = Form("", max_length=50), year: str = Form("", max_length=20),
        by: str = Form("", max_length=100), where: str = Form("", max_length=300),
        bands: str = Form("", max_length=100)) -> Response:
    """Accept a request with the reviewed template parameters and run it (published or refused)."""
    settings = get_settings(request)
    if settings.indicators_source is None:
        raise HTTPException(400, "No extraction is configured for the guichet "
                                 "(setting indicators_source).")
    params = {k: v for k, v in (("phenotype", phenotype), ("year", year), ("by", by),
                                ("where", where), ("bands", bands)) if v}
    try:
        if phenotype or year:
            service.accept_request(settings, request_id, template, params)
        outcome = service.run_request(settings, request_id, settings.indicators_source)
    except HubError as exc:
        record(request, "indicator.run", "failure", object_type="indicator_request",
               object_id=request_id, details={"reason": str(exc)[:200]})
        status = 404 if str(exc).startswith("No request") else 400
        raise HTTPException(status, str(exc)) from None
    record(request, "indicator.run", "success" if outcome.ok else "failure",
           object_type="indicator_request", object_id=request_id,
           details={"state": outcome.details["state"]})
    if outcome.ok:
        return redirect(request, f"/indicators/published/{outcome.details['permanent_id']}")
    return redirect(request, "/indicators/requests")
