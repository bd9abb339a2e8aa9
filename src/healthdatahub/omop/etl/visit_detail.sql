-- One visit detail per PMSI MCO stay (the RSA), under its hospital visit.
SELECT {{ hid("CAST(s.stay_id AS VARCHAR)", "VD") }} AS visit_detail_id, s.person_id,
       CASE WHEN s.SEJ_NBJ > 0 THEN 9201 ELSE 9202 END AS visit_detail_concept_id,
       s.start_date AS visit_detail_start_date,
       CAST(s.start_date AS TIMESTAMP) AS visit_detail_start_datetime,
       s.end_date AS visit_detail_end_date, CAST(s.end_date AS TIMESTAMP) AS visit_detail_end_datetime,
       32810 AS visit_detail_type_concept_id, NULL AS provider_id,
       {{ hid("'" ~ salt ~ "|' || s.ETA_NUM", "CS") }} AS care_site_id,
       'RSA' AS visit_detail_source_value, 0 AS visit_detail_source_concept_id,
       s.ENT_MOD AS admitted_from_source_value, s.admitted_from_concept_id,
       s.SOR_MOD AS discharged_to_source_value, s.discharged_to_concept_id,
       NULL AS preceding_visit_detail_id, NULL AS parent_visit_detail_id,
       s.stay_id AS visit_occurrence_id
FROM pmsi_stays s
