-- Source code -> standard concept: 'Maps to' (valid, standard target), else through an ATC
-- class ('Is a' to ATC, then 'ATC - RxNorm' or 'Maps to'), else source_to_concept_map (local
-- codes), else 0. Codes are normalised (upper case, no dots or spaces) as SNDS writes them.
WITH src AS (
  SELECT concept_id, vocabulary_id,
         regexp_replace(upper(concept_code), '[^A-Z0-9]', '', 'g') AS code
  FROM concept
  WHERE vocabulary_id IN ('CIM10', 'CCAM', 'BDPM', 'UCD', 'ATC', 'CIP')
), std AS (
  SELECT concept_id FROM concept WHERE standard_concept = 'S' AND invalid_reason IS NULL
), direct AS (
  SELECT r.concept_id_1 AS source_concept_id, MIN(r.concept_id_2) AS target_concept_id
  FROM concept_relationship r JOIN std ON std.concept_id = r.concept_id_2
  WHERE r.relationship_id = 'Maps to' AND r.invalid_reason IS NULL
  GROUP BY r.concept_id_1
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
)
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
