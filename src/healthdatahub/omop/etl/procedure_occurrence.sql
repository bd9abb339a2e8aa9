-- CCAM acts of PMSI MCO stays (T_MCOaaA), dated entry date + ENT_DAT_DEL days; one row per
-- 'Maps to' target of the act.
SELECT {{ hid(per_target("CAST(s.stay_id AS VARCHAR) || '|' || a.CDC_ACT || '|' || COALESCE(a.RUM_SEQ, '') || '|' || CAST(COALESCE(a.ENT_DAT_DEL, 0) AS VARCHAR) || '|' || COALESCE(a.PHA_ACT, '') || COALESCE(a.ACV_ACT, '')"), "PO") }} AS procedure_occurrence_id,
       s.person_id, COALESCE(m.target_concept_id, 0) AS procedure_concept_id,
       s.start_date + CAST(COALESCE(a.ENT_DAT_DEL, 0) AS INTEGER) AS procedure_date,
       CAST(s.start_date + CAST(COALESCE(a.ENT_DAT_DEL, 0) AS INTEGER) AS TIMESTAMP) AS procedure_datetime,
       NULL AS procedure_end_date, NULL AS procedure_end_datetime,
       32810 AS procedure_type_concept_id, 0 AS modifier_concept_id,
       CAST(COALESCE(a.NBR_EXE_ACT, 1) AS BIGINT) AS quantity, NULL AS provider_id,
       s.stay_id AS visit_occurrence_id, {{ hid("CAST(s.stay_id AS VARCHAR)", "VD") }} AS visit_detail_id,
       a.CDC_ACT AS procedure_source_value, COALESCE(m.source_concept_id, 0) AS procedure_source_concept_id,
       a.ACV_ACT AS modifier_source_value
FROM mco_a a
JOIN pmsi_stays s ON s.ETA_NUM = a.ETA_NUM AND s.RSA_NUM = a.RSA_NUM
LEFT JOIN source_map m ON m.source_vocabulary_id = 'CCAM'
  AND m.source_code = regexp_replace(upper(a.CDC_ACT), '[^A-Z0-9]', '', 'g')
WHERE a.CDC_ACT IS NOT NULL
