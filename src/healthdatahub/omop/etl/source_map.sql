-- Source code -> standard concepts: every 'Maps to' target (valid, standard), else through an
-- ATC class ('Is a' to ATC, then 'ATC - RxNorm' or 'Maps to'; the lowest id: a classification
-- link, not a map), else source_to_concept_map (local codes), else 0. Codes are normalised
-- (upper case, no dots or spaces) as SNDS writes them. One row per code and target: a code
-- with several 'Maps to' targets gives one CDM row per target (OHDSI's convention);
-- target_rank numbers a code's targets by id, so rank 1 is the target the ETL used to pick
-- alone and keeps its row's id. 'Maps to value' is not a target (it is the value of an
-- OBSERVATION/MEASUREMENT row, tables this ETL does not fill from coded sources).
WITH src AS (
  SELECT concept_id, vocabulary_id,
         regexp_replace(upper(concept_code), '[^A-Z0-9]', '', 'g') AS code
  FROM concept
  WHERE vocabulary_id IN ('CIM10', 'CCAM', 'BDPM', 'UCD', 'ATC', 'CIP')
), std AS (
  SELECT concept_id FROM concept WHERE standard_concept = 'S' AND invalid_reason IS NULL
), direct AS (
  SELECT DISTINCT r.concept_id_1 AS source_concept_id, r.concept_id_2 AS target_concept_id
  FROM concept_relationship r JOIN std ON std.concept_id = r.concept_id_2
  WHERE r.relationship_id = 'Maps to' AND r.invalid_reason IS NULL
), atc_std AS (
  SELECT r.concept_id_1 AS atc_concept_id, MIN(r.concept_id_2) AS target_concept_id
  FROM concept_relationship r
  JOIN concept a ON a.concept_id = r.concept_id_1 AND a.vocabulary_id = 'ATC'
  JOIN std ON std.concept_id = r.concept_id_2
  WHERE r.relationship_id IN ('ATC - RxNorm', 'Maps to') AND r.invalid_reason IS NULL
  GROUP BY r.concept_id_1
), via_atc AS (
  SELECT r.concept_id_1 AS source_concept_id, MIN(s.target_concept_id) AS target_concept_id
  FROM concept_relationship r JOIN atc_std s ON s.atc_concept_id = r.concept_id_2
  WHERE r.relationship_id IN ('Is a', 'Maps to') AND r.invalid_reason IS NULL
  GROUP BY r.concept_id_1
), mapped AS (
  SELECT CASE WHEN src.vocabulary_id = 'CIP' THEN 'BDPM' ELSE src.vocabulary_id END
           AS source_vocabulary_id,
         src.code AS source_code, src.concept_id AS source_concept_id,
         COALESCE(d.target_concept_id, a.target_concept_id, v.target_concept_id, 0)
           AS target_concept_id
  FROM src
  LEFT JOIN direct d ON d.source_concept_id = src.concept_id
  LEFT JOIN atc_std a ON a.atc_concept_id = src.concept_id
  LEFT JOIN via_atc v ON v.source_concept_id = src.concept_id
  UNION ALL
  SELECT source_vocabulary_id, regexp_replace(upper(source_code), '[^A-Z0-9]', '', 'g'),
         0, target_concept_id
  FROM source_to_concept_map WHERE invalid_reason IS NULL
), targets AS (
  SELECT source_vocabulary_id, source_code, target_concept_id,
         MIN(source_concept_id) AS source_concept_id
  FROM mapped GROUP BY source_vocabulary_id, source_code, target_concept_id
), ranked AS (
  SELECT *, MAX(target_concept_id) OVER (PARTITION BY source_vocabulary_id, source_code) AS top,
         row_number() OVER (PARTITION BY source_vocabulary_id, source_code
                            ORDER BY CASE WHEN target_concept_id = 0 THEN 1 ELSE 0 END,
                                     target_concept_id) AS target_rank
  FROM targets
)
-- a code that reaches a concept through one of its source concepts is not also unmapped
SELECT source_vocabulary_id, source_code, source_concept_id, target_concept_id, target_rank
FROM ranked WHERE target_concept_id <> 0 OR top = 0
