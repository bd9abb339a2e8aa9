-- Outpatient visits: one per patient, day and executing professional of the summed DCIR care;
-- hospital visits: one per linked PMSI MCO stay (9201 with a night, 9202 ambulatory).
SELECT {{ hid("c.BEN_NIR_PSA || '|' || CAST(c.BEN_RNG_GEM AS VARCHAR) || '|' || CAST(c.care_date AS VARCHAR) || '|' || COALESCE(c.PFS_EXE_NUM, '')", "V") }} AS visit_occurrence_id,
       {{ hid("c.BEN_NIR_PSA || '|' || CAST(c.BEN_RNG_GEM AS VARCHAR)", "P") }} AS person_id,
       9202 AS visit_concept_id, c.care_date AS visit_start_date,
       CAST(c.care_date AS TIMESTAMP) AS visit_start_datetime, c.care_date AS visit_end_date,
       CAST(c.care_date AS TIMESTAMP) AS visit_end_datetime, 32810 AS visit_type_concept_id,
       CASE WHEN c.PFS_EXE_NUM IS NOT NULL THEN
         {{ hid("'" ~ salt ~ "|' || c.PFS_EXE_NUM", "PR") }} END AS provider_id,
       NULL AS care_site_id, 'DCIR' AS visit_source_value, 0 AS visit_source_concept_id,
       0 AS admitted_from_concept_id, NULL AS admitted_from_source_value,
       0 AS discharged_to_concept_id, NULL AS discharged_to_source_value,
       NULL AS preceding_visit_occurrence_id
FROM (SELECT BEN_NIR_PSA, BEN_RNG_GEM, care_date, PFS_EXE_NUM FROM dcir_care
      GROUP BY BEN_NIR_PSA, BEN_RNG_GEM, care_date, PFS_EXE_NUM) c
JOIN ben b ON b.BEN_NIR_PSA = c.BEN_NIR_PSA AND b.BEN_RNG_GEM = c.BEN_RNG_GEM
UNION ALL
SELECT s.stay_id, s.person_id, CASE WHEN s.SEJ_NBJ > 0 THEN 9201 ELSE 9202 END,
       s.start_date, CAST(s.start_date AS TIMESTAMP), s.end_date, CAST(s.end_date AS TIMESTAMP),
       32810, NULL, {{ hid("'" ~ salt ~ "|' || s.ETA_NUM", "CS") }}, 'PMSI MCO', 0,
       s.admitted_from_concept_id, s.ENT_MOD, s.discharged_to_concept_id, s.SOR_MOD, NULL
FROM pmsi_stays s
