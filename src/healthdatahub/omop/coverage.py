"""Mapping coverage: per source vocabulary, the share of codes and records mapped to a standard
concept, and the most frequent unmapped codes (codes and counts only).

A source record whose code has several 'Maps to' targets is one CDM row per target: records are
counted per code as its most frequent target's rows (every record of a code gets the same
targets), so a one-to-many map neither inflates the records nor the mapped share; ``rows`` is
the CDM row count and ``one_to_many_codes`` the codes that reached several concepts.
"""

from __future__ import annotations

from typing import Any

from healthdatahub.engine import Engine

SOURCES = (("CIM10", "condition_occurrence", "condition_source_value", "condition_concept_id"),
           ("BDPM", "drug_exposure", "drug_source_value", "drug_concept_id"),
           ("CCAM", "procedure_occurrence", "procedure_source_value", "procedure_concept_id"))


def _per_code(table: str, src: str, concept: str) -> str:
    """One row per source code: its CDM rows, source records mapped and unmapped, targets."""
    pairs = (f"SELECT {src} AS code, {concept} AS concept, COUNT(*) AS n FROM {table} "
             f"WHERE {src} IS NOT NULL GROUP BY {src}, {concept}")
    return ("SELECT code, SUM(n) AS cdm_rows, "
            "COALESCE(MAX(CASE WHEN concept <> 0 THEN n END), 0) AS mapped, "
            "COALESCE(SUM(CASE WHEN concept = 0 THEN n END), 0) AS unmapped, "
            "COUNT(DISTINCT CASE WHEN concept <> 0 THEN concept END) AS targets "
            f"FROM ({pairs}) p GROUP BY code")


def coverage(engine: Engine, top: int = 10) -> dict[str, Any]:
    """Coverage per source vocabulary over the registered CDM event tables."""
    out: dict[str, Any] = {}
    for vocab, table, src, concept in SOURCES:
        base = _per_code(table, src, concept)
        row = engine.to_arrow(
            "SELECT SUM(cdm_rows) AS cdm_rows, SUM(mapped + unmapped) AS records, "
            "SUM(mapped) AS mapped_records, COUNT(*) AS codes, "
            "SUM(CASE WHEN mapped > 0 THEN 1 ELSE 0 END) AS mapped_codes, "
            f"SUM(CASE WHEN targets > 1 THEN 1 ELSE 0 END) AS one_to_many FROM ({base}) b"
        ).to_pylist()[0]
        unmapped = engine.to_arrow(
            f"SELECT code, unmapped AS records FROM ({base}) b WHERE unmapped > 0 "
            f"ORDER BY records DESC, code LIMIT {int(top)}").to_pylist()
        records, codes = int(row["records"] or 0), int(row["codes"] or 0)
        mapped_records, mapped_codes = int(row["mapped_records"] or 0), int(row["mapped_codes"] or 0)
        out[vocab] = {"table": table, "records": records, "codes": codes,
                      "mapped_records": mapped_records, "mapped_codes": mapped_codes,
                      "rows": int(row["cdm_rows"] or 0),
                      "one_to_many_codes": int(row["one_to_many"] or 0),
                      "pct_records_mapped": round(100.0 * mapped_records / records, 2)
                      if records else None,
                      "pct_codes_mapped": round(100.0 * mapped_codes / codes, 2)
                      if codes else None,
                      "top_unmapped": [{"code": r["code"], "records": int(r["records"])}
                                       for r in unmapped]}
    return out
