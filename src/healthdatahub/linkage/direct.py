"""Direct linkage: exact matching on the beneficiary's NIR, or on the triplet.

The triplet (NIR of the insured person who opens the right, beneficiary's sex, birth date)
can match several beneficiaries — twins, several children of one insured person: such rows
are ``ambiguous`` and stay unlinked; the hub reports them and does not guess.
"""

from __future__ import annotations

import duckdb

from healthdatahub.linkage.sql import q


def load_reference(con: duckdb.DuckDBPyConnection, etat_civil: str, correspondance: str) -> int:
    """Load (NIR, opener NIR, sex, birth date) of the reference into ``ref_d``; return its size."""
    q(con, f"""
      CREATE OR REPLACE TEMP TABLE ref_d AS
      SELECT e.NIR AS nir, c.NIR_OUVRANT_DROIT AS nir_od, e.SEXE AS sexe,
             year(e.DATE_NAISSANCE) AS dn_y, month(e.DATE_NAISSANCE) AS dn_m,
             day(e.DATE_NAISSANCE) AS dn_d
      FROM read_parquet({etat_civil!r}) e LEFT JOIN read_parquet({correspondance!r}) c USING (NIR)
    """, step="load reference")
    return int(q(con, "SELECT count(*) FROM ref_d")[0][0])


def link_direct(con: duckdb.DuckDBPyConnection, table: str = "ok") -> dict[str, int]:
    """Match checked rows into ``results(line, id_acc, state, method, nir, weight)``."""
    q(con, f"""
      CREATE OR REPLACE TEMP TABLE results AS
      WITH by_nir AS (
        SELECT o.line, o.id_acc, r.nir FROM {table} o LEFT JOIN ref_d r ON r.nir = o.nir
        WHERE o.nir IS NOT NULL),
      by_triplet AS (
        SELECT o.line, o.id_acc, count(r.nir) AS n, min(r.nir) AS nir
        FROM {table} o LEFT JOIN ref_d r
          ON r.nir_od = o.nir_od AND r.sexe = o.sex AND r.dn_y = o.dn_y AND r.dn_m = o.dn_m
             AND r.dn_d = o.dn_d
        WHERE o.nir IS NULL GROUP BY o.line, o.id_acc)
      SELECT line, id_acc, CASE WHEN nir IS NULL THEN 'unlinked' ELSE 'linked' END AS state,
             'nir' AS method, nir, NULL::DOUBLE AS weight FROM by_nir
      UNION ALL
      SELECT line, id_acc, CASE n WHEN 0 THEN 'unlinked' WHEN 1 THEN 'linked' ELSE 'ambiguous' END,
             'triplet', CASE WHEN n = 1 THEN nir END, NULL FROM by_triplet
    """, step="direct linkage")
    rows = q(con, "SELECT method || '_' || state, count(*) FROM results GROUP BY ALL")
    return {str(k): int(v) for k, v in rows}
