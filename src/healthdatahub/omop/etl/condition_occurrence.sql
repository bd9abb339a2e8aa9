-- PMSI diagnoses: principal (DP, 32902), related (DR) and associated (DAS, T_MCOaaD) as
-- secondary (32908), dated by the stay; codes mapped through CIM10 'Maps to' (one row per
-- target when a code has several).
WITH dx AS (
  SELECT stay_id, person_id, start_date, end_date, 'DP' AS kind, 32902 AS status, DGN_PAL AS code
  FROM pmsi_stays WHERE DGN_PAL IS NOT NULL
  UNION ALL
  SELECT stay_id, person_id, start_date, end_date, 'DR', 32908, DGN_REL
  FROM pmsi_stays WHERE DGN_REL IS NOT NULL AND DGN_REL <> ''
  UNION ALL
  SELECT s.stay_id, s.person_id, s.start_date, s.end_date,
         'DA' || CAST(d.DGN_ASS_NUM AS VARCHAR), 32908, d.ASS_DGN
  FROM mco_d d JOIN pmsi_stays s ON s.ETA_NUM = d.ETA_NUM AND s.RSA_NUM = d.RSA_NUM
  WHERE d.ASS_DGN IS NOT NULL
), coded AS (
  SELECT *, regexp_replace(upper(code), '[^A-Z0-9]', '', 'g') AS norm FROM dx
)
SELECT {{ hid(per_target("CAST(x.stay_id AS VARCHAR) || '|' || x.kind || '|' || x.norm"), "C") }} AS condition_occurrence_id,
       x.person_id, COALESCE(m.target_concept_id, 0) AS condition_concept_id,
       x.start_date AS condition_start_date,
       CAST(x.start_date AS TIMESTAMP) AS condition_start_datetime,
       x.end_date AS condition_end_date, CAST(x.end_date AS TIMESTAMP) AS condition_end_datetime,
       32810 AS condition_type_concept_id, x.status AS condition_status_concept_id,
       NULL AS stop_reason, NULL AS provider_id, x.stay_id AS visit_occurrence_id,
       {{ hid("CAST(x.stay_id AS VARCHAR)", "VD") }} AS visit_detail_id,
       x.code AS condition_source_value, COALESCE(m.source_concept_id, 0) AS condition_source_concept_id,
       x.kind AS condition_status_source_value
FROM coded x
LEFT JOIN source_map m ON m.source_vocabulary_id = 'CIM10' AND m.source_code = x.norm
