"""Phenotype criteria compiled to SQL over OMOP CDM 5.4 tables (DuckDB dialect, every engine).

The same criteria as :mod:`compile_snds`, read from the CDM the hub's ETL writes
(``omop/etl/``). Each criterion becomes a query returning ``person_id``;
:func:`population_sql` has the SNDS compiler's output contract (year, age, sex, dpt,
is_case), so the templates run on either source.

- Drugs: DRUG_EXPOSURE rows (one per patient, day and CIP13, cancellations already netted
  and information-only lines dropped by the ETL) whose standard concept descends
  (CONCEPT_ANCESTOR) from an ATC class of the criterion, or whose source concept 'Is a'
  such class. A large pack is a row whose days supply is at least 90 days per pack (the ETL
  writes days_supply = packs x the pack's days; large packs are the 90-day ones).
- ALD: CONDITION_OCCURRENCE rows of type 32879 (registry) whose CIM-10 source value has a
  prefix of the criterion, overlapping the year. The ETL does not keep the exoneration's
  nature (IMB_ETM_NAT), so every nature counts (SNDS: 41, 43, 45 only).
- Stays: rows of type 32810 linked to a visit, ending in the year; the principal diagnosis
  is status 32902; related (DR) and associated (DAS) diagnoses share status 32908 and are
  told apart by ``condition_status_source_value`` ('DR', 'DA<n>'), which the ETL keeps.
- Codes are matched on the source values (CIM-10 as SNDS writes it): the ETL keeps them on
  every row, while the standard targets of a code may be several ('Maps to' one-to-many).
"""

from __future__ import annotations

from functools import singledispatch

from healthdatahub.indicators.compile_snds import code_prefixes, register_combinations
from healthdatahub.indicators.dsl import Ald, AllOf, AnyOf, Criterion, Drugs, Phenotype, Stay

KEYS = "person_id"
LARGE_PACK_DAYS = 90  # days per pack of the medicaments nomenclature's large packs
ALD_TYPE, CLAIM_TYPE, PRINCIPAL = 32879, 32810, 32902


def _year(column: str, year: int) -> str:
    return f"{column} >= DATE '{year}-01-01' AND {column} < DATE '{year + 1}-01-01'"


@singledispatch
def to_sql(criterion: Criterion, year: int) -> str:
    """The SQL selecting the ``person_id`` of the people who meet ``criterion`` in ``year``."""
    raise TypeError(f"No OMOP compiler for {type(criterion).__name__}")


def _atc_rows(atc: tuple[str, ...], year: int, months: str) -> str:
    classes = (f"SELECT concept_id FROM concept WHERE vocabulary_id = 'ATC' "
               f"AND {code_prefixes('concept_code', atc)}")
    standard = (f"SELECT ca.descendant_concept_id AS concept_id FROM concept_ancestor AS ca "
                f"JOIN ({classes}) AS atc ON atc.concept_id = ca.ancestor_concept_id")
    source = (f"SELECT r.concept_id_1 AS concept_id FROM concept_relationship AS r "
              f"JOIN ({classes}) AS atc ON atc.concept_id = r.concept_id_2 "
              f"WHERE r.relationship_id = 'Is a' AND r.invalid_reason IS NULL")
    cols = ("de.drug_exposure_id, de.person_id, de.drug_exposure_start_date AS day, "
            "de.quantity, de.days_supply")
    where = f"WHERE {_year('de.drug_exposure_start_date', year)}{months}"
    return (f"SELECT {cols} FROM drug_exposure AS de JOIN ({standard}) AS s "
            f"ON s.concept_id = de.drug_concept_id {where}\n    UNION\n    "
            f"SELECT {cols} FROM drug_exposure AS de JOIN ({source}) AS s "
            f"ON s.concept_id = de.drug_source_concept_id {where}")


@to_sql.register
def _drugs(c: Drugs, year: int) -> str:
    months = (f" AND month(de.drug_exposure_start_date) IN ({', '.join(str(m) for m in c.months)})"
              if c.months else "")
    large = (f" OR (count(DISTINCT day) >= {c.min_dates_large} AND max(large) = 1)"
             if c.min_dates_large is not None else "")
    return f"""SELECT {KEYS} FROM (
    SELECT person_id, day, CASE WHEN days_supply >= {LARGE_PACK_DAYS} * quantity
                                THEN 1 ELSE 0 END AS large
    FROM (
    {_atc_rows(c.atc, year, months)}
    ) AS rows
    WHERE quantity > 0
) AS deliveries
GROUP BY {KEYS}
HAVING count(DISTINCT day) >= {c.min_dates}{large}"""


@to_sql.register
def _ald(c: Ald, year: int) -> str:
    return f"""SELECT DISTINCT {KEYS} FROM condition_occurrence
WHERE condition_type_concept_id = {ALD_TYPE} AND {code_prefixes('condition_source_value', c.cim10)}
  AND condition_start_date <= DATE '{year}-12-31'
  AND (condition_end_date IS NULL OR condition_end_date >= DATE '{year}-01-01')"""


@to_sql.register
def _stay(c: Stay, year: int) -> str:
    where = [f"condition_status_concept_id = {PRINCIPAL}"] if "DP" in c.positions else []
    if "DR" in c.positions:
        where.append("condition_status_source_value = 'DR'")
    if "DAS" in c.positions:
        where.append("condition_status_source_value LIKE 'DA%'")
    return f"""SELECT DISTINCT {KEYS} FROM condition_occurrence
WHERE condition_type_concept_id = {CLAIM_TYPE} AND visit_occurrence_id IS NOT NULL
  AND {code_prefixes('condition_source_value', c.cim10)}
  AND {_year('coalesce(condition_end_date, condition_start_date)', year)}
  AND ({' OR '.join(where)})"""


register_combinations(to_sql, KEYS)


def tables_used(criterion: Criterion) -> set[str]:
    """The CDM tables (vocabulary included) a criterion reads."""
    if isinstance(criterion, AnyOf | AllOf):
        return set().union(*(tables_used(c) for c in criterion.criteria))
    if isinstance(criterion, Drugs):
        return {"drug_exposure", "concept", "concept_ancestor", "concept_relationship"}
    return {"condition_occurrence"}


def population_sql(phenotype: Phenotype, year: int) -> str:
    """One row per person alive on 1 January: demographics and whether they are a case.

    Same columns as ``compile_snds.population_sql``: sex '1'/'2' from the gender concept,
    dpt from the person's LOCATION (county, the residence département).
    """
    return f"""SELECT {year} AS year, {year} - p.year_of_birth AS age,
       CASE p.gender_concept_id WHEN 8507 THEN '1' WHEN 8532 THEN '2'
            ELSE p.gender_source_value END AS sex,
       loc.county AS dpt,
       CASE WHEN ph.person_id IS NOT NULL AND {year} - p.year_of_birth >= {phenotype.min_age}
            THEN 1 ELSE 0 END AS is_case
FROM person AS p
LEFT JOIN location AS loc ON loc.location_id = p.location_id
LEFT JOIN (SELECT person_id, min(death_date) AS death_date FROM death GROUP BY person_id) AS d
  ON d.person_id = p.person_id
LEFT JOIN ({to_sql(phenotype.criterion, year)}) AS ph ON ph.person_id = p.person_id
WHERE p.year_of_birth <= {year}
  AND (d.death_date IS NULL OR d.death_date >= DATE '{year}-01-01')"""
