"""The indicator desk's services: the algorithm library, template runs, publication, the guichet.

Every run goes through :func:`templates.run`, hence :func:`disclosure.protect`; SQL runs
through the configured engine; no patient row ever leaves: only protected tables, their
logs and counts of differences (compared with the threshold, never returned).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from healthdatahub.config import Settings
from healthdatahub.engine import get_engine
from healthdatahub.errors import HubError
from healthdatahub.indicators import compile_omop, compile_snds, disclosure, templates
from healthdatahub.indicators import publish as publishing
from healthdatahub.indicators.dsl import to_dict
from healthdatahub.indicators.library import PHENOTYPES, get_phenotype
from healthdatahub.jobs import ProgressSink, run_job
from healthdatahub.results import Outcome
from healthdatahub.store import ensure_schema, session_scope
from healthdatahub.store.models_indicators import IndicatorRequest, PublishedIndicator
from healthdatahub.store.types import utcnow

TIME_LIMIT = 60.0  # seconds of LP audit per protected table before it is refused
_BANDS = re.compile(r"^\d{1,3}-\d{0,3}(,\d{1,3}-\d{0,3})*$")


def list_phenotypes() -> list[dict[str, Any]]:
    """The algorithm library: name, version, title and cartography columns of each phenotype."""
    return [{"name": p.name, "version": p.version, "title": p.title,
             "cartography": list(p.cartography)} for p in PHENOTYPES.values()]


def phenotype_source(name: str, year: int = 2023) -> dict[str, Any]:
    """A phenotype's declarative definition and the SQL it compiles to for ``year``: over
    SNDS tables (``sql``) and over OMOP CDM 5.4 tables (``omop_sql``)."""
    phenotype = get_phenotype(name)
    return {"definition": to_dict(phenotype), "sql": compile_snds.population_sql(phenotype, year),
            "omop_sql": compile_omop.population_sql(phenotype, year), "year": year}


def list_templates() -> list[dict[str, Any]]:
    """The indicator templates and their parameters."""
    return [{"name": k, **v} for k, v in templates.TEMPLATES.items()]


def data_version(source_dir: Path) -> str:
    """A short hash of an extraction's manifest (or of a CDM's build state: its source years'
    checksums and vocabulary, prefixed ``omop-``): the data version of its results."""
    if data_source(source_dir) == "omop":
        built = json.loads((source_dir / "_build.json").read_text(encoding="utf-8"))
        text = json.dumps({"years": built.get("years"), "vocab": built.get("vocab")},
                          sort_keys=True)
        return "omop-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    manifest = source_dir / "manifest.json"
    if not manifest.is_file():
        raise HubError(f"{source_dir} is not an SNDS extraction (no manifest.json).")
    return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]


def _split(params: dict[str, Any], settings: Settings) -> tuple[dict[str, Any], str]:
    raw = dict(params)
    bands = str(raw.pop("bands", "") or settings.indicators_age_bands).replace(" ", "")
    if not _BANDS.match(bands):
        raise HubError("Age bands are written like 0-17,18-64,65- (from-to, the last open).")
    return raw, bands


def data_source(source_dir: Path) -> str:
    """"omop" for a CDM folder built by ``hdh omop build``, "snds" for an extraction."""
    return "omop" if (source_dir / "person").is_dir() and (source_dir / "_build.json").is_file() \
        else "snds"


def run_indicator(settings: Settings, template: str, params: dict[str, Any], source_dir: Path,
                  publish: bool = False, progress: ProgressSink | None = None,
                  time_limit: float = TIME_LIMIT) -> Outcome:
    """Run a template on an extraction, or on an OMOP CDM folder (a job), protected; publish
    it when asked."""
    started = time.perf_counter()
    ensure_schema(settings)
    raw, bands = _split(params, settings)
    rules = disclosure.Rules.from_settings(settings)
    clean = templates.parse_params(template, raw)
    version = data_version(source_dir)
    kind = data_source(source_dir)
    phenotype = get_phenotype(clean["phenotype"])
    pid = publishing.permanent_id(template, clean, phenotype.version, version, bands, rules)
    folder = publishing.published_dir(settings.data_dir, pid)
    if publish and all((folder / f).is_file() for f in publishing.FILES):
        _record(settings, pid, template, clean, phenotype.version, version, folder)
        return Outcome("indicator-run", f"Indicator {pid} already published; reused.",
                       paths={"published": str(folder)}, counts={"rows": 0},
                       timings={"total": round(time.perf_counter() - started, 3)},
                       details={"permanent_id": pid, "reused": True})
    with run_job(settings, "indicator", f"{template} of {phenotype.name}", total=1,
                 params={"template": template, "params": clean, "source": str(source_dir),
                         "data": kind}, progress=progress) as job:
        with get_engine(settings) as engine:
            if kind == "omop":
                templates.register_omop(engine, source_dir)
            else:
                templates.register_snds(engine, source_dir)
            result = templates.run(engine, template, raw, rules, bands, time_limit, kind)
        paths: dict[str, str] = {}
        if publish:
            written, _ = publishing.publish(result, settings.data_dir, pid, version, rules)
            _record(settings, pid, template, clean, phenotype.version, version, written)
            paths["published"] = str(written)
        job.advance(1)
        counts = {"rows": len(result.table),
                  "masked_primary": result.log["cases"]["cells_masked_primary"],
                  "masked_secondary": result.log["cases"]["cells_masked_secondary"]}
        job.result({"permanent_id": pid, "counts": counts})
    table = publishing.public_table(result.table)
    return Outcome("indicator-run",
                   f"{template} of {phenotype.name}: {len(result.table)} rows, "
                   f"{counts['masked_primary']} cells masked (primary), "
                   f"{counts['masked_secondary']} (secondary).",
                   paths=paths, counts=counts,
                   timings={**result.timings, "total": round(time.perf_counter() - started, 3)},
                   details={"permanent_id": pid, "params": clean, "bands": bands,
                            "phenotype_version": phenotype.version, "data_version": version,
                            "table": table.astype(str).to_dict(orient="records"),
                            "reused": False})


def _record(settings: Settings, pid: str, template: str, params: dict[str, Any],
            phenotype_version: str, version: str, folder: Path) -> int:
    """The store row of a published result (created once per permanent id); its id."""
    ensure_schema(settings)
    with session_scope(settings) as session:
        row = session.scalar(select(PublishedIndicator).where(
            PublishedIndicator.permanent_id == pid))
        if row is None:
            row = PublishedIndicator(permanent_id=pid, template=template, params=params,
                                     phenotype=params["phenotype"],
                                     phenotype_version=phenotype_version,
                                     data_version=version, path=str(folder))
            session.add(row)
            session.flush()
        return int(row.id)


def submit_request(settings: Settings, requester: str, what: str, where: str = "",
                   when: str = "", why: str = "", template: str = "prevalence",
                   params: dict[str, Any] | None = None) -> Outcome:
    """Record a guichet request (state ``submitted``)."""
    if not requester.strip() or not what.strip():
        raise HubError("A request names its requester and what it asks for.")
    if template not in templates.TEMPLATES:
        raise HubError(f"Unknown template {template!r}; known: {', '.join(templates.TEMPLATES)}.")
    if params and params.get("phenotype"):
        templates.parse_params(template, _split(params, settings)[0])
    ensure_schema(settings)
    with session_scope(settings) as session:
        row = IndicatorRequest(requester=requester.strip(), what=what.strip(), where=where,
                               when=when, why=why, template=template, params=params or {})
        session.add(row)
        session.flush()
        rid = int(row.id)
    return Outcome("request-submit", f"Request {rid} submitted.", counts={"request": rid},
                   details={"id": rid, "state": "submitted"})


def list_requests(settings: Settings, state: str | None = None) -> Outcome:
    """The guichet's requests, newest first, optionally in one state."""
    ensure_schema(settings)
    with session_scope(settings) as session:
        query = select(IndicatorRequest).order_by(IndicatorRequest.id.desc())
        if state:
            query = query.where(IndicatorRequest.state == state)
        rows = [{"id": r.id, "requester": r.requester, "what": r.what, "where": r.where,
                 "when": r.when, "why": r.why, "state": r.state, "template": r.template,
                 "params": r.params,
                 "result_id": r.result_id, "refusal_reason": r.refusal_reason}
                for r in session.scalars(query)]
    return Outcome("request-list", f"{len(rows)} request(s).", counts={"requests": len(rows)},
                   details={"requests": rows})


def get_request(settings: Settings, request_id: int) -> dict[str, Any]:
    """One guichet request (what was asked, its state, the run it will get, its result)."""
    ensure_schema(settings)
    with session_scope(settings) as session:
        row = session.get(IndicatorRequest, request_id)
        if row is None:
            raise HubError(f"No request {request_id}.")
        result = session.get(PublishedIndicator, row.result_id) if row.result_id else None
        return {"id": row.id, "requester": row.requester, "what": row.what, "where": row.where,
                "when": row.when, "why": row.why, "state": row.state, "template": row.template,
                "params": dict(row.params), "refusal_reason": row.refusal_reason,
                "permanent_id": result.permanent_id if result else None}


def _open_request(session: Any, request_id: int) -> IndicatorRequest:
    """A request that can still be reviewed or run (not refused, not published)."""
    row = session.get(IndicatorRequest, request_id)
    if row is None:
        raise HubError(f"No request {request_id}.")
    if row.state in ("refused", "published"):
        raise HubError(f"Request {request_id} is already {row.state}.")
    return row


def accept_request(settings: Settings, request_id: int, template: str,
                   params: dict[str, Any]) -> Outcome:
    """An operator's review: the template and parameters a request will run with (``accepted``)."""
    raw, _bands = _split(params, settings)
    templates.parse_params(template, raw)  # refuse what could not run before recording it
    with session_scope(settings) as session:
        row = _open_request(session, request_id)
        row.template, row.params, row.state = template, dict(params), "accepted"
        row.updated_at = utcnow()
    return Outcome("request-accept", f"Request {request_id} accepted.",
                   details={"id": request_id, "state": "accepted"})


def list_published(settings: Settings) -> list[dict[str, Any]]:
    """The published indicators, newest first: permanent id, template, parameters, versions."""
    ensure_schema(settings)
    with session_scope(settings) as session:
        return [{"permanent_id": r.permanent_id, "template": r.template, "params": r.params,
                 "phenotype": r.phenotype, "phenotype_version": r.phenotype_version,
                 "data_version": r.data_version, "created_at": r.created_at}
                for r in session.scalars(select(PublishedIndicator).order_by(
                    PublishedIndicator.id.desc()))]


def get_published(settings: Settings, pid: str) -> dict[str, Any]:
    """A published indicator: its store row, folder, disclosure log and catalogue entry."""
    ensure_schema(settings)
    with session_scope(settings) as session:
        row = session.scalar(select(PublishedIndicator).where(
            PublishedIndicator.permanent_id == pid))
        if row is None:
            raise HubError(f"No published indicator {pid!r}.")
        info = {"permanent_id": row.permanent_id, "template": row.template,
                "params": row.params, "phenotype": row.phenotype,
                "phenotype_version": row.phenotype_version, "data_version": row.data_version,
                "created_at": row.created_at, "path": Path(row.path)}
    folder = info["path"]
    if not all((folder / f).is_file() for f in publishing.FILES):
        raise HubError(f"The files of published indicator {pid} are missing.")
    info["log"] = json.loads((folder / "disclosure-log.json").read_text(encoding="utf-8"))
    info["catalogue"] = json.loads((folder / "dataset.jsonld").read_text(encoding="utf-8"))
    return info


def differencing_check(settings: Settings, params: dict[str, Any], source_dir: Path,
                       bands: str) -> str | None:
    """Why a run would differ from a published one by a small group, or None when it does not."""
    clean = templates.parse_params("prevalence", params)
    rules = disclosure.Rules.from_settings(settings)
    ensure_schema(settings)
    with session_scope(settings) as session:
        earlier = [(r.permanent_id, r.params) for r in session.scalars(
            select(PublishedIndicator).where(PublishedIndicator.phenotype == clean["phenotype"]))]
    earlier = [(pid, p) for pid, p in earlier
               if p.get("year") == clean["year"] and p.get("where") != clean["where"]]
    if not earlier:
        return None
    mine = templates.where_sql(clean["where"])
    with get_engine(settings) as engine:
        templates.register_snds(engine, source_dir)
        templates.population_view(engine, "prevalence", clean, bands)
        for pid, other in earlier:
            theirs = templates.where_sql(other.get("where") or {})
            conds = [f"({mine}) AND NOT ({theirs})", f"({theirs}) AND NOT ({mine})"]
            conds += [f"is_case = 1 AND {c}" for c in conds]
            sql = ("SELECT " + ", ".join(
                f"CAST(sum(CASE WHEN {c} THEN 1 ELSE 0 END) AS BIGINT) AS d{i}"
                for i, c in enumerate(conds)) + " "
                   "FROM ind_pop")
            diffs = engine.to_pandas(sql).iloc[0].tolist()
            if any(1 <= int(d or 0) <= rules.threshold for d in diffs):
                return (f"its population differs from published indicator {pid} by a group of "
                        f"1 to {rules.threshold} people (differencing).")
    return None


def run_request(settings: Settings, request_id: int, source_dir: Path,
                progress: ProgressSink | None = None) -> Outcome:
    """Turn a request into a template run: refused when differencing, else published."""
    ensure_schema(settings)
    with session_scope(settings) as session:
        row = _open_request(session, request_id)
        template, params = row.template, dict(row.params)
    if not params.get("phenotype"):
        raise HubError(f"Request {request_id} names no phenotype to run; accept it with one.")
    raw, bands = _split(params, settings)
    reason = differencing_check(settings, raw, source_dir, bands)
    if reason is None:
        outcome = run_indicator(settings, template, params, source_dir, True, progress)
        pid = outcome.details["permanent_id"]
    with session_scope(settings) as session:
        row = session.get(IndicatorRequest, request_id)
        row.updated_at = utcnow()
        if reason is not None:
            row.state, row.refusal_reason = "refused", f"Refused: {reason}"
        else:
            row.state = "published"
            row.result_id = session.scalar(select(PublishedIndicator.id).where(
                PublishedIndicator.permanent_id == pid))
    if reason is not None:
        return Outcome("request-run", f"Request {request_id} refused: {reason}", ok=False,
                       details={"id": request_id, "state": "refused", "reason": reason})
    return Outcome("request-run", f"Request {request_id} published as {pid}.",
                   paths=outcome.paths, counts=outcome.counts,
                   details={"id": request_id, "state": "published", "permanent_id": pid})
