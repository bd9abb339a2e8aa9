"""Mapping coverage: per source vocabulary, the share of codes and records mapped to a standard
concept, and the most frequent unmapped codes (codes and counts only)."""

from __future__ import annotations

from typing import Any

from healthdatahub.engine import Engine

SOURCES = (("CIM10", "condition_occurrence", "condition_source_value", "condition_concept_id"),
           ("BDPM", "drug_exposure", "drug_source_value", "drug_concept_id"),
           ("CCAM", "procedure_occurrence", "procedure_source_value", "procedure_concept_id"))


def coverage(engine: Engine, top: int = 10) -> dict[str, Any]:
    """Coverage per source vocabulary over the registered CDM event tables."""
    out: dict[str, Any] = {}
    for vocab, table, src, concept in SOURCES:
        base = f"SELECT {src} AS code, {concept} <> 0 AS mapped FROM {table} WHERE {src} IS NOT NULL"
        row = engine.to_arrow(
            f"SELECT COUNT(*) AS records, SUM(CASE WHEN mapped THEN 1 ELSE 0 END) AS mapped_records, "
            f"COUNT(DISTINCT code) AS codes, COUNT(DISTINCT CASE WHEN mapped THEN code END) AS "
            f"mapped_codes FROM ({base}) b").to_pylist()[0]
        unmapped = engine.to_arrow(
            f"SELECT code, COUNT(*) AS records FROM ({base}) b WHERE NOT mapped GROUP BY code "
            f"ORDER BY records DESC, code LIMIT {int(top)}").to_pylist()
        records, codes = int(row["records"] or 0), int(row["codes"] or 0)
        out[vocab] = {"table": table, "records": records, "codes": codes,
                      "mapped_records": int(row["mapped_records"] or 0),
                      "mapped_codes": int(row["mapped_codes"] or 0),
                      "pct_records_mapped": round(100.0 * int(row["mapped_records"] or 0)
                                                  / records, 2) if records else None,
                      "pct_codes_mapped": round(100.0 * int(row["mapped_codes"] or 0) / codes, 2)
                      if codes else None,
                      "top_unmapped": unmapped}
    return out
