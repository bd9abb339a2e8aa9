"""Format checks of a holder table before linkage, as SQL over the in-memory ``src`` table.

Each rejected row gets the first reason that applies (codes in ``REASONS``); the holder sees
line numbers and reasons, never values, and nobody else sees anything but counts. All rows
sharing a duplicated Id_acc are rejected: the hub cannot tell which one is right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from healthdatahub.linkage.formats import COLUMNS
from healthdatahub.linkage.sql import q

REASONS: dict[str, str] = {
    "wrong_field_count": "the line does not have 5 fields separated by ';'",
    "id_acc_empty": "Id_acc is empty",
    "id_acc_duplicate": "the same Id_acc appears on several lines",
    "id_acc_looks_like_nir": "Id_acc looks like a NIR (Id_acc must not identify the person)",
    "nir_malformed": "NIR bénéficiaire is not 15 characters of a NIR",
    "nir_key_invalid": "NIR bénéficiaire: the key does not match the number",
    "triplet_incomplete": "no NIR bénéficiaire and the triplet (NIR ouvrant droit, sex, birth date) is incomplete",
    "nir_od_malformed": "NIR ouvrant droit is not 15 characters of a NIR",
    "nir_od_key_invalid": "NIR ouvrant droit: the key does not match the number",
    "name_empty": "Nom is empty",
    "first_name_empty": "Prénom is empty",
    "sex_invalid": "sex is not 1 (man) or 2 (woman)",
    "date_invalid": "birth date is not a real date (YYYY-MM-DD or DD/MM/YYYY)",
    "date_future": "birth date is in the future",
    "sex_inconsistent_nir": "sex does not match the NIR's first digit",
    "date_inconsistent_nir": "birth year or month does not match the NIR",
}

MACROS = r"""
CREATE OR REPLACE TEMP MACRO hdh_nir_clean(s) AS upper(regexp_replace(s, '\s', '', 'g'));
CREATE OR REPLACE TEMP MACRO hdh_nir_wellformed(n) AS
  coalesce(regexp_full_match(n, '[1-478][0-9]{4}(2[AB]|[0-9]{2})[0-9]{8}'), false);
CREATE OR REPLACE TEMP MACRO hdh_nir_key_ok(n) AS coalesce(
  97 - try_cast(substr(n, 1, 5) || (CASE substr(n, 6, 2) WHEN '2A' THEN '19' WHEN '2B' THEN '18'
       ELSE substr(n, 6, 2) END) || substr(n, 8, 6) AS BIGINT) % 97
  = try_cast(substr(n, 14, 2) AS INTEGER), false);
CREATE OR REPLACE TEMP MACRO hdh_date_parts(s) AS CASE
  WHEN regexp_full_match(s, '\d{2}/\d{2}/\d{4}') THEN [substr(s, 7, 4), substr(s, 4, 2), substr(s, 1, 2)]
  WHEN regexp_full_match(s, '\d{4}-\d{2}-\d{2}') THEN [substr(s, 1, 4), substr(s, 6, 2), substr(s, 9, 2)]
  WHEN regexp_full_match(s, '\d{8}') THEN [substr(s, 1, 4), substr(s, 5, 2), substr(s, 7, 2)] END;
CREATE OR REPLACE TEMP MACRO hdh_days_in_month(y, m) AS CASE
  WHEN m = 2 THEN CASE WHEN y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0) THEN 29 ELSE 28 END
  WHEN m IN (4, 6, 9, 11) THEN 30 ELSE 31 END;
CREATE OR REPLACE TEMP MACRO hdh_sex(s) AS
  CASE upper(trim(s)) WHEN '1' THEN 1 WHEN 'M' THEN 1 WHEN 'H' THEN 1
                      WHEN '2' THEN 2 WHEN 'F' THEN 2 END;
"""


@dataclass
class CheckResult:
    """Counts of one checked table and the (line, reason) of each rejected row."""

    received: int
    accepted: int
    reasons: dict[str, int] = field(default_factory=dict)
    rejected_lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """How many rows were rejected."""
        return self.received - self.accepted


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the checking macros on ``con``."""
    for statement in MACROS.split(";"):
        if statement.strip():
            q(con, statement, step="checks")


def _date_columns(allow_missing_day: bool) -> str:
    """SQL of the birth-date columns: parts, whether the date is real, whether it is to come.

    Dates are compared as integers (YYYYMMDD, YYYYMM): the same order as dates, without
    building a date for each row.
    """
    day_ok = "dn_d = 0" if allow_missing_day else "false"  # day 00: the day is missing
    real = "dn_m BETWEEN 1 AND 12 AND dn_d BETWEEN 1 AND hdh_days_in_month(dn_y, dn_m)"
    return f"""
      dn_y, dn_m, CASE WHEN dn_d = 0 THEN NULL ELSE dn_d END AS dn_d,
      CASE WHEN dn_y >= 1880 AND dn_m BETWEEN 1 AND 12 AND ({real} OR {day_ok})
           THEN true ELSE false END AS date_ok,
      dn_y * 100 + greatest(least(dn_m, 12), 1) > year(current_date) * 100 + month(current_date)
        OR ({real} AND dn_y * 10000 + dn_m * 100 + dn_d
                       > year(current_date) * 10000 + month(current_date) * 100 + day(current_date))
        AS date_future"""


def run_checks(con: duckdb.DuckDBPyConnection, mode: str, lines_cap: int = 100_000) -> CheckResult:
    """Check ``src`` into ``checked`` (every row, with ``reason``) and ``ok`` (accepted rows)."""
    install(con)
    base = """
      SELECT * EXCLUDE (parts), try_cast(parts[1] AS INTEGER) AS dn_y,
        try_cast(parts[2] AS INTEGER) AS dn_m, try_cast(parts[3] AS INTEGER) AS dn_d,
        hdh_sex(sexe) AS sex
      FROM (SELECT *, hdh_date_parts(date_naissance) AS parts FROM src)"""
    if mode == "direct":
        specific = """
          WHEN nir IS NOT NULL AND NOT hdh_nir_wellformed(nir) THEN 'nir_malformed'
          WHEN nir IS NOT NULL AND NOT hdh_nir_key_ok(nir) THEN 'nir_key_invalid'
          WHEN nir IS NULL AND (nir_od IS NULL OR sexe IS NULL OR date_naissance IS NULL)
            THEN 'triplet_incomplete'
          WHEN nir IS NULL AND NOT hdh_nir_wellformed(nir_od) THEN 'nir_od_malformed'
          WHEN nir IS NULL AND NOT hdh_nir_key_ok(nir_od) THEN 'nir_od_key_invalid'
          WHEN sexe IS NOT NULL AND sex IS NULL THEN 'sex_invalid'
          WHEN date_naissance IS NOT NULL AND NOT date_ok THEN 'date_invalid'
          WHEN date_naissance IS NOT NULL AND date_future THEN 'date_future'
          WHEN nir IS NOT NULL AND sex IS NOT NULL
               AND (CASE WHEN try_cast(substr(nir, 1, 1) AS INTEGER) % 2 = 1 THEN 1 ELSE 2 END) <> sex
            THEN 'sex_inconsistent_nir'
          WHEN nir IS NOT NULL AND dn_y IS NOT NULL AND (try_cast(substr(nir, 2, 2) AS INTEGER) <> dn_y % 100
               OR (try_cast(substr(nir, 4, 2) AS INTEGER) BETWEEN 1 AND 12
                   AND try_cast(substr(nir, 4, 2) AS INTEGER) <> dn_m))
            THEN 'date_inconsistent_nir'"""
        prep = ("hdh_nir_clean(nir) AS nir, hdh_nir_clean(nir_od) AS nir_od, "
                "id_acc, sexe, date_naissance, line, nfields")
    else:
        specific = """
          WHEN nom IS NULL OR regexp_replace(nom, '[^[:alpha:]]', '', 'g') = '' THEN 'name_empty'
          WHEN prenom IS NULL OR regexp_replace(prenom, '[^[:alpha:]]', '', 'g') = ''
            THEN 'first_name_empty'
          WHEN sex IS NULL THEN 'sex_invalid'
          WHEN NOT date_ok THEN 'date_invalid'
          WHEN date_future THEN 'date_future'"""
        prep = ", ".join(("line", "nfields") + COLUMNS[mode])
    q(con, f"""
      CREATE OR REPLACE TEMP TABLE checked AS
      WITH cleaned AS (SELECT {prep} FROM src),
      duplicated AS (SELECT id_acc, true AS id_dup FROM cleaned WHERE id_acc IS NOT NULL
                     GROUP BY id_acc HAVING count(*) > 1),
      parsed AS ({base.replace('FROM src', 'FROM cleaned LEFT JOIN duplicated USING (id_acc)')}),
      dated AS (SELECT * EXCLUDE (dn_y, dn_m, dn_d), {_date_columns(mode == 'reconstruction')}
                FROM parsed)
      SELECT * EXCLUDE (id_dup, date_ok, date_future), CASE
          WHEN nfields <> 5 THEN 'wrong_field_count'
          WHEN id_acc IS NULL THEN 'id_acc_empty'
          WHEN id_dup THEN 'id_acc_duplicate'
          WHEN length(id_acc) >= 15 AND regexp_full_match(replace(id_acc, ' ', ''), '[1-478][0-9]{{4}}(2[AB]|[0-9]{{2}})[0-9]{{8}}')
            THEN 'id_acc_looks_like_nir'
          {specific}
        END AS reason
      FROM dated
    """, step="checks")
    q(con, "CREATE OR REPLACE TEMP TABLE ok AS SELECT * EXCLUDE (reason) FROM checked "
           "WHERE reason IS NULL", step="checks")
    counts = dict(q(con, "SELECT reason, count(*) FROM checked WHERE reason IS NOT NULL "
                         "GROUP BY reason ORDER BY reason", step="checks"))
    received = int(q(con, "SELECT count(*) FROM checked")[0][0])
    accepted = int(q(con, "SELECT count(*) FROM ok")[0][0])
    lines = q(con, "SELECT line, reason FROM checked WHERE reason IS NOT NULL ORDER BY line "
                   f"LIMIT {int(lines_cap)}", step="checks")
    return CheckResult(received, accepted, {str(k): int(v) for k, v in counts.items()},
                       [(int(a), str(b)) for a, b in lines])
