"""Publishing a protected indicator as open data: CSV, XLSX, an SVG chart, its disclosure log
and a DCAT-AP-shaped catalogue entry, written atomically under ``published/<permanent id>/``.

The permanent id is a hash of what produced the result (template, parameters, age bands,
disclosure rules, phenotype version, data version), so publishing the same thing twice
reuses the first publication. Every table is checked by :func:`disclosure.check_published`
before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from healthdatahub.indicators import disclosure
from healthdatahub.indicators.library import get_phenotype
from healthdatahub.indicators.templates import TEMPLATES, IndicatorResult
from healthdatahub.jobs import atomic_dir, clean_stale_tmp

FILES = ("data.csv", "data.xlsx", "chart.svg", "disclosure-log.json", "dataset.jsonld")
TEMPLATE_VERSION = "1.0.0"
MASKED = "masked"


def permanent_id(template: str, params: dict[str, Any], phenotype_version: str,
                 data_version: str, bands: str = "", rules: disclosure.Rules | None = None) -> str:
    """The deterministic id of a result: the same inputs always give the same id."""
    rules = rules or disclosure.Rules()
    doc = {"template": template, "template_version": TEMPLATE_VERSION, "params": params,
           "phenotype_version": phenotype_version, "data_version": data_version,
           "bands": bands, "rules": [rules.threshold, rules.protection, rules.rounding_base]}
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
    return f"ind-{params.get('phenotype', 'x')}-{digest[:16]}".replace("_", "-")


def published_dir(data_dir: Path, pid: str) -> Path:
    """Where a result's files live."""
    return data_dir / "published" / pid


def public_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as published: masked cells say ``masked``, never a value."""
    out = table.copy()
    for col in ("cases", "population", "rate_per_100000"):
        if col in out.columns:
            out[col] = out[col].astype(object).where(out[col].notna(), MASKED)
    return out


def chart_svg(table: pd.DataFrame, title: str) -> str:
    """A small bar chart of the published case counts; masked cells are drawn as "masked"."""
    keys = [c for c in table.columns if c not in (
        "cases", "cases_status", "population", "population_status", "rate_per_100000")]
    labels = [" ".join(str(r[k]) for k in keys) or "total" for _, r in table.iterrows()]
    values = pd.to_numeric(table["cases"], errors="coerce")
    top = float(values.max()) if values.notna().any() and values.max() > 0 else 1.0
    bar_h, left, width = 18, 140, 320
    height = 40 + bar_h * len(table)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" '
              f'height="{height}" font-family="sans-serif" font-size="11">'),
             f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 30 + i * bar_h
        parts.append(f'<text x="4" y="{y + 12}">{escape(label)}</text>')
        if pd.isna(value):
            parts.append(f'<rect x="{left}" y="{y + 2}" width="40" height="{bar_h - 4}" '
                         'fill="none" stroke="#999" stroke-dasharray="3,2"/>'
                         f'<text class="value" x="{left + 46}" y="{y + 12}" fill="#777">{MASKED}</text>')
        else:
            w = round(width * float(value) / top)
            parts.append(f'<rect x="{left}" y="{y + 2}" width="{w}" height="{bar_h - 4}" '
                         f'fill="#2b6cb0"/><text class="value" x="{left + w + 4}" y="{y + 12}">'
                         f'{int(value)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _xlsx(table: pd.DataFrame, path: Path, title: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append([title])
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([v if isinstance(v, int | float | str) else str(v) for v in row])
    book.save(path)


def catalogue_entry(pid: str, result: IndicatorResult, data_version: str, base_url: str,
                    issued: str) -> dict[str, Any]:
    """A DCAT-AP-shaped JSON-LD entry of the published dataset."""
    phenotype = get_phenotype(result.params["phenotype"])
    years = ", ".join(str(y) for y in result.params["year"])
    by = ", ".join(result.params["by"]) or "total"
    url = f"{base_url.rstrip('/')}/{pid}"
    template = TEMPLATES[result.template]
    return {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "prov": "http://www.w3.org/ns/prov#", "xsd": "http://www.w3.org/2001/XMLSchema#"},
        "@id": url, "@type": "dcat:Dataset",
        "dct:identifier": pid,
        "dct:title": [{"@language": "en", "@value": f"{phenotype.title}: {template['title']}, "
                       f"{years}, by {by}"},
                      {"@language": "fr", "@value": f"{phenotype.title} : indicateur "
                       f"{result.template}, {years}, par {by}"}],
        "dct:description": [{"@language": "en", "@value": f"{template['description']} "
                             f"{phenotype.description} Counts from 1 to the disclosure threshold "
                             "and the cells that would reveal them are masked."}],
        "dct:issued": {"@type": "xsd:dateTime", "@value": issued},
        "dct:accessRights": {"@id": "http://publications.europa.eu/resource/authority/"
                                    "access-right/PUBLIC"},
        "dcat:keyword": [phenotype.name, result.template, "SNDS", "open data"],
        "dcat:distribution": [
            {"@type": "dcat:Distribution", "dcat:downloadURL": {"@id": f"{url}/data.csv"},
             "dcat:mediaType": "text/csv", "dct:format": "CSV"},
            {"@type": "dcat:Distribution", "dcat:downloadURL": {"@id": f"{url}/data.xlsx"},
             "dcat:mediaType": "application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet", "dct:format": "XLSX"}],
        "prov:wasGeneratedBy": {
            "@type": "prov:Activity", "template": result.template,
            "template_version": TEMPLATE_VERSION, "params": result.params,
            "phenotype": phenotype.name, "phenotype_version": result.phenotype_version,
            "data_version": data_version, "disclosure_log": f"{url}/disclosure-log.json"},
    }


def publish(result: IndicatorResult, data_dir: Path, pid: str, data_version: str,
            rules: disclosure.Rules, base_url: str = "https://hub.example.org/published"
            ) -> tuple[Path, bool]:
    """Write a result's open-data files atomically; (folder, True if written now)."""
    final = published_dir(data_dir, pid)
    if all((final / f).is_file() for f in FILES):
        return final, False
    counts = result.table.rename(columns={"cases": "count", "cases_status": "status"})
    disclosure.check_published(counts, rules)
    pops = result.table.rename(columns={"population": "count", "population_status": "status"})
    disclosure.check_published(pops, rules)
    final.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp(final.parent)
    public = public_table(result.table)
    phenotype = get_phenotype(result.params["phenotype"])
    issued = datetime.now(UTC).replace(microsecond=0).isoformat()
    title = f"{phenotype.title} ({result.template}, {', '.join(map(str, result.params['year']))})"
    with atomic_dir(final) as tmp:
        public.to_csv(tmp / "data.csv", index=False)
        _xlsx(public, tmp / "data.xlsx", title)
        (tmp / "chart.svg").write_text(chart_svg(result.table, title), encoding="utf-8")
        (tmp / "disclosure-log.json").write_text(
            json.dumps(result.log, indent=2, default=str), encoding="utf-8")
        (tmp / "dataset.jsonld").write_text(json.dumps(
            catalogue_entry(pid, result, data_version, base_url, issued), indent=2,
            ensure_ascii=False, default=str), encoding="utf-8")
    return final, True
