"""Run the DQD checks through an engine and write the JSON + HTML report.

Every count of one source relation is one expression of one aggregate query (one scan), and
the sources of one CDM table are cross-joined into one statement (each is a single row): about
two statements per table instead of one query per check. A statement that fails is retried
source by source, then count by count, so an error marks only the checks it concerns.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import jinja2

from healthdatahub.engine import Engine, QueryError
from healthdatahub.jobs import atomic_file
from healthdatahub.omop import cdm
from healthdatahub.omop.dqd.checks import Check, Count, all_checks

MAX_COLUMNS = 400  # expressions per statement (plans stay small on every engine)


def table_columns(engine: Engine, tables: list[str]) -> dict[str, set[str]]:
    """The (lower-case) columns of each registered table."""
    return {t: {c.lower() for c in engine.to_arrow(f"SELECT * FROM {t} LIMIT 0").column_names}
            for t in tables}


def _statement(parts: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """One statement: each (source, [(alias, expr)]) an aggregate row, all cross-joined."""
    subs = [f"(SELECT {', '.join(f'{e} AS {a}' for a, e in exprs)} FROM {src}) s{i}"
            for i, (src, exprs) in enumerate(parts)]
    return "SELECT * FROM " + " CROSS JOIN ".join(subs)


def _run(engine: Engine, parts: list[tuple[str, list[tuple[str, str]]]],
         values: dict[str, Any]) -> None:
    """Evaluate ``parts`` into ``values`` (alias → int, or the error text), splitting on error."""
    try:
        row = engine.to_arrow(_statement(parts)).to_pylist()[0]
        values.update({a: int(row[a] or 0) for _, exprs in parts for a, _ in exprs})
        return
    except QueryError as exc:
        error = str(exc)[:300]
    if len(parts) > 1:
        for part in parts:
            _run(engine, [part], values)
    elif len(parts[0][1]) > 1:
        for expr in parts[0][1]:
            _run(engine, [(parts[0][0], [expr])], values)
    else:
        values[parts[0][1][0][0]] = error


def evaluate(engine: Engine, counts: list[Count], batched: bool = True) -> dict[Count, Any]:
    """The value of every count (an int, or the error text when its query failed)."""
    alias = {c: f"c{i}" for i, c in enumerate(dict.fromkeys(counts))}
    by_batch: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for c, a in alias.items():
        by_batch[c.batch if batched else a][c.source].append((a, c.expr))
    values: dict[str, Any] = {}
    for sources in by_batch.values():
        chunk: list[tuple[str, list[tuple[str, str]]]] = []
        size = 0
        for src, exprs in sources.items():
            for i in range(0, len(exprs), MAX_COLUMNS):
                part = exprs[i:i + MAX_COLUMNS]
                if chunk and size + len(part) > MAX_COLUMNS:
                    _run(engine, chunk, values)
                    chunk, size = [], 0
                chunk.append((src, part))
                size += len(part)
        if chunk:
            _run(engine, chunk, values)
    return {c: values[a] for c, a in alias.items()}


def check_result(check: Check, values: dict[Count, Any]) -> dict[str, Any]:
    """One check's result: counts, share, status (passed/failed/not_applicable/error)."""
    result: dict[str, Any] = {"check": check.name, "level": check.level, "table": check.table,
                              "field": check.field, "concept": check.concept_id,
                              "category": check.category, "threshold": check.threshold}
    got = [c if isinstance(c, int) else values[c] for c in (check.violated, check.denominator)]
    errors = [v for v in got if isinstance(v, str)]
    if errors:
        return {**result, "status": "error", "error": errors[0]}
    violated, denominator = got
    pct = 100.0 * violated / denominator if denominator else 0.0
    status = ("not_applicable" if denominator == 0 else
              "failed" if pct > check.threshold else "passed")
    return {**result, "violated": violated, "denominator": denominator,
            "pct_violated": round(pct, 4), "status": status}


def run_checks(engine: Engine, tables: list[str], batched: bool = True) -> list[dict[str, Any]]:
    """Every applicable check's result on the registered CDM ``tables``."""
    present = {t for t in tables if t in cdm.tables()}
    columns = table_columns(engine, sorted(present))
    checks = all_checks(present, columns)
    counts = [c for ch in checks for c in (ch.violated, ch.denominator) if isinstance(c, Count)]
    values = evaluate(engine, counts, batched)
    return [check_result(c, values) for c in checks]


def run_dqd(engine: Engine, tables: list[str], report_dir: Path, title: str) -> dict[str, Any]:
    """Run every applicable check on the registered CDM ``tables``; write the report files."""
    started = time.perf_counter()
    results = run_checks(engine, tables)
    status = Counter(r["status"] for r in results)
    summary = {"title": title, "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "engine": engine.name, "checks": len(results), "status": dict(status),
               "by_category": {k: dict(Counter(r["status"] for r in results
                                               if r["category"] == k))
                               for k in ("Conformance", "Completeness", "Plausibility")},
               "by_check": {k: dict(Counter(r["status"] for r in results if r["check"] == k))
                            for k in sorted({r["check"] for r in results})},
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
