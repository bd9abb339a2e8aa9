"""Phenotype criteria compiled to SQL over SNDS tables (DuckDB dialect, runs on every engine).

Each criterion becomes a query returning the patient keys (BEN_NIR_PSA, BEN_RNG_GEM) of the
people who meet it during ``year``. DCIR rules: information-only lines (DPN_QLF = 71) are
dropped; deliveries are netted per patient, date and pack (cancellations carry negative
PHA_ACT_QSN) and count only when the net quantity is positive. PMSI rules: the stay's
patient link must not be flagged in error (NIR_RET); tables are those of the year
(T_MCOaaB/C/D with aa = the year's last two digits).
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from healthdatahub.indicators.dsl import Ald, AllOf, AnyOf, Criterion, Drugs, Phenotype, Stay
from healthdatahub.snds.schema import JOIN_KEYS

KEYS = "BEN_NIR_PSA, BEN_RNG_GEM"
_JOIN = " AND ".join(f"prs.{k} = pha.{k}" for k in JOIN_KEYS)
ALD_NATURES = (41, 43, 45)  # exoneration natures of an ALD


def code_prefixes(column: str, codes: tuple[str, ...]) -> str:
    """A condition true when ``column`` starts with one of ``codes`` (both compilers use it)."""
    return "(" + " OR ".join(f"{column} LIKE '{c}%'" for c in codes) + ")"


def register_combinations(compiler: Any, keys: str) -> None:
    """Give a compiler's ``to_sql`` (a singledispatch) ``AnyOf`` as the UNION and ``AllOf`` as
    the INTERSECT of its criteria's queries over ``keys`` (both compilers use it)."""
    def combine(c: AnyOf | AllOf, year: int, op: str) -> str:
        parts = [compiler(x, year) for x in c.criteria]
        return f"\n{op}\n".join(f"SELECT {keys} FROM ({p}) AS q{i}" for i, p in enumerate(parts))

    compiler.register(AnyOf, lambda c, year: combine(c, year, "UNION"))
    compiler.register(AllOf, lambda c, year: combine(c, year, "INTERSECT"))


def pmsi_table(year: int, part: str) -> str:
    """The PMSI MCO table of a year, e.g. T_MCO23B."""
    return f"T_MCO{year % 100:02d}{part}"


@singledispatch
def to_sql(criterion: Criterion, year: int) -> str:
    """The SQL selecting the patient keys that meet ``criterion`` in ``year``."""
    raise TypeError(f"No SNDS compiler for {type(criterion).__name__}")


@to_sql.register
def _drugs(c: Drugs, year: int) -> str:
    months = (f" AND month(prs.EXE_SOI_DTD) IN ({', '.join(str(m) for m in c.months)})"
              if c.months else "")
    large = (f" OR (count(DISTINCT day) >= {c.min_dates_large} AND max(large) = 1)"
             if c.min_dates_large is not None else "")
    return f"""SELECT {KEYS} FROM (
    SELECT prs.BEN_NIR_PSA, prs.BEN_RNG_GEM, prs.EXE_SOI_DTD AS day, pha.PHA_PRS_C13 AS cip,
           max(CAST(med.GRAND_COND AS INTEGER)) AS large, sum(pha.PHA_ACT_QSN) AS qty
    FROM ER_PRS_F AS prs
    JOIN ER_PHA_F AS pha ON {_JOIN}
    JOIN medicaments AS med ON CAST(pha.PHA_PRS_C13 AS VARCHAR) = CAST(med.CIP13 AS VARCHAR)
    WHERE {code_prefixes('med.ATC', c.atc)} AND coalesce(prs.DPN_QLF, 0) <> 71
      AND prs.EXE_SOI_DTD >= DATE '{year}-01-01' AND prs.EXE_SOI_DTD < DATE '{year + 1}-01-01'{months}
    GROUP BY prs.BEN_NIR_PSA, prs.BEN_RNG_GEM, prs.EXE_SOI_DTD, pha.PHA_PRS_C13
) AS deliveries
WHERE qty > 0
GROUP BY {KEYS}
HAVING count(DISTINCT day) >= {c.min_dates}{large}"""


@to_sql.register
def _ald(c: Ald, year: int) -> str:
    natures = ", ".join(str(n) for n in ALD_NATURES)
    return f"""SELECT DISTINCT {KEYS} FROM IR_IMB_R
WHERE {code_prefixes('MED_MTF_COD', c.cim10)} AND IMB_ETM_NAT IN ({natures})
  AND IMB_ALD_DTD <= DATE '{year}-12-31'
  AND (IMB_ALD_DTF IS NULL OR IMB_ALD_DTF >= DATE '{year}-01-01')"""


@to_sql.register
def _stay(c: Stay, year: int) -> str:
    b, cc, d = (pmsi_table(year, p) for p in "BCD")
    where = [f"{code_prefixes('b.DGN_PAL', c.cim10)}"] if "DP" in c.positions else []
    if "DR" in c.positions:
        where.append(code_prefixes("b.DGN_REL", c.cim10))
    if "DAS" in c.positions:
        where.append(f"EXISTS (SELECT 1 FROM {d} AS d WHERE d.ETA_NUM = b.ETA_NUM "
                     f"AND d.RSA_NUM = b.RSA_NUM AND {code_prefixes('d.ASS_DGN', c.cim10)})")
    return f"""SELECT DISTINCT c.NIR_ANO_17 AS BEN_NIR_PSA, c.RNG_NAI AS BEN_RNG_GEM
FROM {b} AS b JOIN {cc} AS c ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM
WHERE coalesce(c.NIR_RET, FALSE) = FALSE AND b.SOR_ANN = {year} AND ({' OR '.join(where)})"""


register_combinations(to_sql, KEYS)


def tables_used(criterion: Criterion, year: int) -> set[str]:
    """The SNDS tables (and nomenclatures) a criterion reads."""
    if isinstance(criterion, AnyOf | AllOf):
        return set().union(*(tables_used(c, year) for c in criterion.criteria))
    if isinstance(criterion, Drugs):
        return {"ER_PRS_F", "ER_PHA_F", "medicaments"}
    if isinstance(criterion, Ald):
        return {"IR_IMB_R"}
    parts = "BCD" if "DAS" in criterion.positions else "BC"
    return {pmsi_table(year, p) for p in parts}


def population_sql(phenotype: Phenotype, year: int, keys: bool = False) -> str:
    """One row per beneficiary alive on 1 January: demographics and whether they are a case.

    ``keys`` adds the beneficiary's keys (for a join inside the engine; never returned).
    """
    key_columns = "ben.BEN_NIR_PSA, ben.BEN_RNG_GEM, " if keys else ""
    return f"""SELECT {key_columns}{year} AS year, {year} - ben.BEN_NAI_ANN AS age,
       CAST(ben.BEN_SEX_COD AS VARCHAR) AS sex, ben.BEN_RES_DPT AS dpt,
       CASE WHEN ph.BEN_NIR_PSA IS NOT NULL AND {year} - ben.BEN_NAI_ANN >= {phenotype.min_age}
            THEN 1 ELSE 0 END AS is_case
FROM IR_BEN_R AS ben
LEFT JOIN ({to_sql(phenotype.criterion, year)}) AS ph
  ON ph.BEN_NIR_PSA = ben.BEN_NIR_PSA AND ph.BEN_RNG_GEM = ben.BEN_RNG_GEM
WHERE ben.BEN_NAI_ANN <= {year}
  AND (ben.BEN_DCD_DTE IS NULL OR ben.BEN_DCD_DTE >= DATE '{year}-01-01')"""
