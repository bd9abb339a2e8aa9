-- One period per person: from the first extraction year's 1 January (or the first visit or
-- delivery, if earlier; never before birth) to the last year's 31 December, or death.
WITH ev AS (
  SELECT person_id, MIN(visit_start_date) AS first_date, MAX(visit_end_date) AS last_date
  FROM visit_occurrence GROUP BY person_id
  UNION ALL
  SELECT person_id, MIN(drug_exposure_start_date), MAX(drug_exposure_start_date)
  FROM drug_exposure GROUP BY person_id
), span AS (
  SELECT person_id, MIN(first_date) AS first_date, MAX(last_date) AS last_date
  FROM ev GROUP BY person_id
), bounds AS (
  SELECT p.person_id,
         GREATEST(LEAST(COALESCE(s.first_date, DATE '{{ first_day }}'), DATE '{{ first_day }}'),
                  make_date(CAST(p.year_of_birth AS INTEGER), CAST(COALESCE(p.month_of_birth, 1) AS INTEGER), 1))
           AS start_date,
         LEAST(GREATEST(COALESCE(s.last_date, DATE '{{ last_day }}'), DATE '{{ last_day }}'),
               COALESCE(d.death_date, DATE '{{ last_day }}')) AS end_date
  FROM person p
  LEFT JOIN span s ON s.person_id = p.person_id
  LEFT JOIN death d ON d.person_id = p.person_id
)
SELECT person_id AS observation_period_id, person_id,
       start_date AS observation_period_start_date,
       GREATEST(end_date, start_date) AS observation_period_end_date,
       32810 AS period_type_concept_id
FROM bounds
