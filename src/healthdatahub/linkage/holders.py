"""Holder tables with controlled noise, drawn from the synthetic civil-status reference.

A test and benchmark tool: it writes what a hospital or registry would upload (names as they
type them) next to the truth (Id_acc → NIR, NULL for persons absent from the reference), kept
in a separate file. Randomness is ``hash(NIR, seed, k)``, so the same seed gives the same
table whatever the thread count. All the noise is SQL, over the reference in DuckDB.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from healthdatahub.config import Settings
from healthdatahub.linkage.formats import HEADERS, check_mode
from healthdatahub.linkage.sql import connect, q


@dataclass(frozen=True)
class Noise:
    """Rates of each kind of noise (share of rows)."""

    typo_last: float = 0.04
    typo_first: float = 0.04
    married: float = 0.7
    swap_names: float = 0.02
    first_name_order: float = 0.03
    all_first_names: float = 0.15
    nickname: float = 0.02
    day_month_swap: float = 0.015
    day_missing: float = 0.015
    day_first: float = 0.015
    date_typo: float = 0.01
    no_accents: float = 0.4
    upper: float = 0.5
    hyphen_space: float = 0.1
    absent: float = 0.03
    nir_key_error: float = 0.01
    triplet: float = 0.4


MACROS = [
    "CREATE OR REPLACE TEMP MACRO u(x, k) AS (hash(x, getvariable('seed'), k) % 1000003) / 1000003.0",
    """CREATE OR REPLACE TEMP MACRO typo(s, a, b) AS CASE
        WHEN s IS NULL OR length(s) < 3 THEN s
        WHEN b < 0.15 AND contains(s, 'm') THEN regexp_replace(s, 'm', 'rn')
        WHEN b < 0.4 THEN left(s, 1 + (a * (length(s) - 1))::INT) || substr('aeiournstl', 1 + (b * 9)::INT, 1)
                          || substr(s, 3 + (a * (length(s) - 1))::INT)
        WHEN b < 0.6 THEN left(s, 1 + (a * (length(s) - 2))::INT) || substr(s, 3 + (a * (length(s) - 2))::INT)
        WHEN b < 0.85 THEN left(s, 1 + (a * (length(s) - 3))::INT)
                          || substr(s, 3 + (a * (length(s) - 3))::INT, 1)
                          || substr(s, 2 + (a * (length(s) - 3))::INT, 1)
                          || substr(s, 4 + (a * (length(s) - 3))::INT)
        ELSE left(s, 1 + (a * (length(s) - 1))::INT) || substr(s, 1 + (a * (length(s) - 1))::INT, 1)
             || substr(s, 2 + (a * (length(s) - 1))::INT) END""",
]


def _recon_sql(ref: str, n: int, nz: Noise) -> str:
    return f"""
    WITH base AS (
      SELECT e.*, row_number() OVER (ORDER BY hash(e.NIR, getvariable('seed'))) AS k
      FROM read_parquet({ref!r}) e ORDER BY hash(e.NIR, getvariable('seed')) LIMIT {int(n)}),
    picked AS (
      SELECT b.*, u(NIR, 1) < {nz.absent} AS absent,
        string_split(PRENOMS, ' ') AS toks FROM base b),
    named AS (
      SELECT *, CASE WHEN NOM_USAGE IS NOT NULL AND u(NIR, 2) < {nz.married} THEN NOM_USAGE
                     ELSE NOM END AS nom0,
        CASE WHEN u(NIR, 3) < {nz.first_name_order} AND len(toks) > 1 THEN toks[2]
             WHEN u(NIR, 4) < {nz.all_first_names} THEN PRENOMS
             WHEN u(NIR, 5) < {nz.nickname} AND length(toks[1]) >= 6 THEN left(toks[1], 4)
             ELSE toks[1] END AS pre0 FROM picked),
    absent_mix AS (
      SELECT *, CASE WHEN absent THEN lead(nom0, 7, 'Zorglub') OVER (ORDER BY k) ELSE nom0 END AS nom1,
        CASE WHEN absent THEN DATE_NAISSANCE + INTERVAL 1111 DAY ELSE DATE_NAISSANCE END AS dn
      FROM named),
    typed AS (
      SELECT *,
        CASE WHEN u(NIR, 6) < {nz.typo_last} THEN typo(nom1, u(NIR, 7), u(NIR, 8)) ELSE nom1 END AS nom2,
        CASE WHEN u(NIR, 9) < {nz.typo_first} THEN typo(pre0, u(NIR, 10), u(NIR, 11)) ELSE pre0 END AS pre2,
        year(dn) AS y, month(dn) AS m, day(dn) AS d, u(NIR, 12) AS rd FROM absent_mix),
    dated AS (
      SELECT *, CASE
        WHEN rd < {nz.day_month_swap} AND d <= 12 AND d <> m THEN printf('%02d/%02d/%04d', m, d, y)
        WHEN rd < {nz.day_month_swap + nz.day_missing} THEN printf('00/%02d/%04d', m, y)
        WHEN rd < {nz.day_month_swap + nz.day_missing + nz.day_first} THEN printf('01/%02d/%04d', m, y)
        WHEN rd < {nz.day_month_swap + nz.day_missing + nz.day_first + nz.date_typo}
          THEN printf('%02d/%02d/%04d', d, m, y + CASE WHEN u(NIR, 13) < 0.5 THEN 1 ELSE -1 END)
        WHEN u(NIR, 14) < 0.2 THEN strftime(make_date(y, m, d), '%Y-%m-%d')
        ELSE printf('%02d/%02d/%04d', d, m, y) END AS date_txt FROM typed),
    styled AS (
      SELECT *, CASE WHEN u(NIR, 15) < {nz.swap_names} THEN pre2 ELSE nom2 END AS nom3,
        CASE WHEN u(NIR, 15) < {nz.swap_names} THEN nom2 ELSE pre2 END AS pre3 FROM dated),
    cased AS (
      SELECT *, CASE WHEN u(NIR, 16) < {nz.no_accents} THEN strip_accents(nom3) ELSE nom3 END AS nom4,
        CASE WHEN u(NIR, 16) < {nz.no_accents} THEN strip_accents(pre3) ELSE pre3 END AS pre4 FROM styled)
    SELECT printf('ACC%08d', k) AS "Id_acc",
      CASE WHEN u(NIR, 17) < {nz.upper} THEN upper(nom4) ELSE nom4 END AS "Nom",
      CASE WHEN u(NIR, 18) < {nz.hyphen_space} THEN replace(pre4, '-', ' ')
           WHEN u(NIR, 17) < {nz.upper} THEN upper(pre4) ELSE pre4 END AS "Prénom",
      date_txt AS "Date naissance", SEXE::VARCHAR AS "Sexe",
      CASE WHEN absent THEN NULL ELSE NIR END AS truth_nir
    FROM cased"""


def _direct_sql(ref: str, corr: str, n: int, nz: Noise) -> str:
    return f"""
    WITH base AS (
      SELECT e.NIR, e.SEXE, e.DATE_NAISSANCE, c.NIR_OUVRANT_DROIT,
        row_number() OVER (ORDER BY hash(e.NIR, getvariable('seed'))) AS k
      FROM read_parquet({ref!r}) e JOIN read_parquet({corr!r}) c USING (NIR)
      ORDER BY hash(e.NIR, getvariable('seed')) LIMIT {int(n)}),
    shaped AS (
      SELECT *, u(NIR, 1) < {nz.triplet} AS by_triplet,
        CASE WHEN u(NIR, 2) < {nz.nir_key_error}
             THEN left(NIR, 14) || ((right(NIR, 1)::INT + 1) % 10)::VARCHAR ELSE NIR END AS nir_out
      FROM base)
    SELECT printf('ACC%08d', k) AS "Id_acc",
      CASE WHEN by_triplet THEN NIR_OUVRANT_DROIT END AS "NIR ouvrant droit",
      SEXE::VARCHAR AS "Sexe bénéficiaire",
      strftime(DATE_NAISSANCE, '%d/%m/%Y') AS "Date naissance bénéficiaire",
      CASE WHEN NOT by_triplet THEN nir_out END AS "NIR bénéficiaire",
      CASE WHEN NOT by_triplet AND nir_out <> NIR THEN NULL ELSE NIR END AS truth_nir
    FROM shaped"""


def write_holder_table(settings: Settings, reference_dir: Path, out_csv: Path, truth: Path,
                       n: int, mode: str = "reconstruction", seed: int = 1,
                       noise: Noise | None = None) -> dict[str, object]:
    """Write a noisy holder table (``;`` CSV, UTF-8) and its truth (Parquet) from the reference."""
    check_mode(mode)
    nz = noise or Noise()
    ref = str(reference_dir / "ETAT_CIVIL" / "*.parquet")
    corr = str(reference_dir / "CORRESPONDANCE_NIR_PSA" / "*.parquet")
    con = connect(settings)
    try:
        q(con, f"SET VARIABLE seed = {int(seed)}")
        for statement in MACROS:
            q(con, statement, step="holders")
        sql = _recon_sql(ref, n, nz) if mode == "reconstruction" else _direct_sql(ref, corr, n, nz)
        q(con, f"CREATE TEMP TABLE gen AS {sql}", step="holders")
        out_csv.parent.mkdir(parents=True, exist_ok=True)
        truth.parent.mkdir(parents=True, exist_ok=True)
        cols = ", ".join(f'"{c}"' for c in HEADERS[mode])
        q(con, f"COPY (SELECT {cols} FROM gen ORDER BY \"Id_acc\") TO '{out_csv}' "
               "(HEADER, DELIMITER ';')", step="holders")
        q(con, f"COPY (SELECT \"Id_acc\" AS id_acc, truth_nir AS nir FROM gen) TO '{truth}' "
               "(FORMAT parquet)", step="holders")
        rows = int(q(con, "SELECT count(*) FROM gen")[0][0])
    finally:
        con.close()
    return {"rows": rows, "mode": mode, "seed": seed, "noise": asdict(nz),
            "csv": str(out_csv), "truth": str(truth)}
