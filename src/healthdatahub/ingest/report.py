"""The validation report: a JSON document a producer can act on, and its standalone HTML page."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from healthdatahub.ingest.pipeline import DeliveryRun
from healthdatahub.jobs import atomic_file

REPORT_VERSION = 1


def _table_entry(run: Any) -> dict[str, Any]:
    """One table of the report: counts per rule and column, first rows in error, verdict."""
    errors = [{"column": c.column, "rule": c.rule, "message": c.message, "count": c.count,
               "first_rows": c.samples} for c in run.checks if c.count]
    by_column: dict[str, dict[str, int]] = {}
    for e in errors:
        by_column.setdefault(e["column"] or "(file)", {})[e["rule"]] = e["count"]
    return {
        "table": run.table,
        "descriptor": run.descriptor.get("name"),
        "files": [{"file": f.source.rel, "format": f.source.format,
                   "encoding": f.source.encoding if f.source.format == "csv" else None,
                   "bytes": f.source.size, "rows": run.rows_by_file.get(f.source.rel, 0)}
                  for f in run.files],
        "rows": run.rows,
        "rows_in_error": run.rows_in_error,
        "errors": sum(e["count"] for e in errors),
        "by_column": by_column,
        "checks": errors,
        "notes": run.notes,
        "verdict": "valid" if not errors else "invalid",
    }


def build_report(dr: DeliveryRun, *, dataset: str, ingestion_id: int | None, policy: dict,
                 decision: str, summary: str) -> dict[str, Any]:
    """The report document (no cell value of an identifying column ever appears in it)."""
    tables = [_table_entry(run) for run in dr.tables.values()]
    rows = sum(t["rows"] for t in tables)
    errors = sum(t["errors"] for t in tables)
    return {
        "report_version": REPORT_VERSION,
        "dataset": dataset,
        "ingestion_id": ingestion_id,
        "policy": policy,
        "verdict": "valid" if errors == 0 else "invalid",
        "decision": decision,
        "summary": summary,
        "totals": {"tables": len(tables), "files": sum(len(t["files"]) for t in tables),
                   "rows": rows, "errors": errors,
                   "rows_in_error": sum(t["rows_in_error"] for t in tables)},
        "notes": dr.notes,
        "checksums": dr.checksums,
        "tables": tables,
    }


@cache
def _template() -> Any:
    """The Jinja2 template of the HTML report (autoescaped)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("healthdatahub.ingest", "templates"),
                      autoescape=select_autoescape(["html"]))
    return env.get_template("report.html")


def render_report_html(report: dict[str, Any]) -> str:
    """The report as one standalone HTML page."""
    return _template().render(report=report)


def write_report(report: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Write report.json and report.html atomically into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "report.json", "html": folder / "report.html"}
    with atomic_file(paths["json"]) as tmp:
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), "utf-8")
    with atomic_file(paths["html"]) as tmp:
        tmp.write_text(render_report_html(report), "utf-8")
    return paths
