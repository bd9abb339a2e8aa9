-- {{ kind }} eras (OHDSI's rule): exposures of one person and one {{ unit }} less than
-- {{ gap }} days apart (end + {{ gap }} reaching the next start) form one era. Identical
-- exposures (same person, {{ unit }}, start and end) are grouped first, so both windows see
-- one total order (ties ordered differently by the two windows used to split an era).
WITH ev AS (
  {{ events }}
), grouped AS (
  SELECT person_id, concept_id, start_date, end_date, COUNT(*) AS k
  FROM ev GROUP BY person_id, concept_id, start_date, end_date
), marked AS (
  SELECT person_id, concept_id, start_date, end_date, k,
         CASE WHEN start_date <= MAX(end_date + {{ gap }}) OVER (
                PARTITION BY person_id, concept_id ORDER BY start_date, end_date
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
              THEN 0 ELSE 1 END AS is_new
  FROM grouped
), numbered AS (
  SELECT *, SUM(is_new) OVER (PARTITION BY person_id, concept_id ORDER BY start_date, end_date
                              ROWS UNBOUNDED PRECEDING) AS era_no
  FROM marked
), eras AS (
  SELECT person_id, concept_id, MIN(start_date) AS start_date, MAX(end_date) AS end_date,
         SUM(k) AS n, SUM(k * (date_diff('day', start_date, end_date) + 1)) AS exposed_days
  FROM numbered GROUP BY person_id, concept_id, era_no
)
SELECT {{ hid("CAST(person_id AS VARCHAR) || '|' || CAST(concept_id AS VARCHAR) || '|' || CAST(start_date AS VARCHAR)", prefix) }} AS {{ table }}_id,
       person_id, concept_id AS {{ concept_col }},
       start_date AS {{ table }}_start_date, end_date AS {{ table }}_end_date,
       n AS {{ count_col }}{% if kind == 'Drug' %},
       GREATEST(date_diff('day', start_date, end_date) + 1 - exposed_days, 0) AS gap_days{% endif %}
FROM eras
