"""A holder's linkage report (JSON + HTML): counts, reasons, weight distribution — never values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from healthdatahub.jobs import atomic_file
from healthdatahub.linkage.checks import REASONS

COUNT_KEYS = ("received", "rejected", "linked_direct", "linked_probabilistic", "ambiguous",
              "unlinked", "pseudonymised")
_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]))


def build(project: str, holder: str, mode: str, counts: dict[str, int],
          reasons: dict[str, int], rejected_lines: list[tuple[int, str]],
          weights: list[dict[str, Any]], threshold: float, margin: float,
          model: dict[str, Any] | None) -> dict[str, Any]:
    """The report document of one holder's upload."""
    return {
        "project": project, "holder": holder, "mode": mode,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": {k: int(counts.get(k, 0)) for k in COUNT_KEYS},
        "rejected_by_reason": dict(sorted(reasons.items())),
        "reason_texts": {k: REASONS[k] for k in reasons if k in REASONS},
        "rejected_lines": [{"line": line, "reason": reason} for line, reason in rejected_lines],
        "weights": weights, "threshold": threshold, "margin": margin, "model": model or {},
    }


def write(report: dict[str, Any], folder: Path) -> dict[str, str]:
    """Write ``report.json`` and ``report.html`` into ``folder`` atomically; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / "report.json", folder / "report.html"
    with atomic_file(json_path) as tmp:
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    with atomic_file(html_path) as tmp:
        tmp.write_text(_ENV.get_template("linkage_report.html").render(r=report), encoding="utf-8")
    return {"json": str(json_path), "html": str(html_path)}


def summary(project: str, by_holder: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The project-level summary: each holder's counts and their totals (multicentric projects)."""
    total = {k: sum(int(c.get(k, 0)) for c in by_holder.values()) for k in COUNT_KEYS}
    return {"project": project, "holders": by_holder, "total": total,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds")}
