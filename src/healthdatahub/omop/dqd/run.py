"""Run the DQD checks through an engine and write the JSON + HTML report."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import jinja2

from healthdatahub.engine import Engine, QueryError
from healthdatahub.jobs import atomic_file
from healthdatahub.omop import cdm
from healthdatahub.omop.dqd.checks import Check, all_checks


def table_columns(engine: Engine, tables: list[str]) -> dict[str, set[str]]:
    """The (lower-case) columns of each registered table."""
    return {t: {c.lower() for c in engine.to_arrow(f"SELECT * FROM {t} LIMIT 0").column_names}
            for t in tables}


def run_check(engine: Engine, check: Check) -> dict[str, Any]:
    """One check's result: counts, share, status (passed/failed/not_applicable/error)."""
    result: dict[str, Any] = {"check": check.name, "level": check.level, "table": check.table,
                              "field": check.field, "concept": check.concept_id,
                              "category": check.category, "threshold": check.threshold}
    try:
        row = engine.to_arrow(check.sql).to_pylist()[0]
    except QueryError as exc:
        return {**result, "status": "error", "error": str(exc)[:300]}
    violated, denominator = int(row["violated"] or 0), int(row["denominator"] or 0)
    pct = 100.0 * violated / denominator if denominator else 0.0
    status = ("not_applicable" if denominator == 0 else
              "failed" if pct > check.threshold else "passed")
    return {**result, "violated": violated, "denominator": denominator,
            "pct_violated": round(pct, 4), "status": status}


def run_dqd(engine: Engine, tables: list[str], report_dir: Path, title: str) -> dict[str, Any]:
    """Run every applicable check on the registered CDM ``tables``; write the report files."""
    started = time.perf_counter()
    present = {t for t in tables if t in cdm.tables()}
    columns = table_columns(engine, sorted(present))
    results = [run_check(engine, c) for c in all_checks(present, columns)]
    status = Counter(r["status"] for r in results)
    summary = {"title": title, "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "engine": engine.name, "checks": len(results), "status": dict(status),
               "by_category": {k: dict(Counter(r["status"] for r in results
                                               if r["category"] == k))
                               for k in ("Conformance", "Completeness", "Plausibility")},
               "seconds": round(time.perf_counter() - started, 3)}
    document = {"summary": summary, "results": results}
    report_dir.mkdir(parents=True, exist_ok=True)
    with atomic_file(report_dir / "dqd.json") as tmp:
        tmp.write_text(json.dumps(document, indent=1), encoding="utf-8")
    with atomic_file(report_dir / "dqd.html") as tmp:
        tmp.write_text(render_html(document), encoding="utf-8")
    return document


def render_html(document: dict[str, Any]) -> str:
    """The HTML report (counts and check names only — never a row)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("healthdatahub.omop", "templates"),
                             autoescape=True)
    return env.get_template("dqd_report.html").render(**document)
