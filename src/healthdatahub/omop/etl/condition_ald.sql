-- Long-term conditions (ALD, IR_IMB_R): one condition per exoneration with a CIM-10 code,
-- type 32879 (registry), status 32893 (confirmed diagnosis: granted after the insurer's
-- medical review), dated by the exoneration's start and end. An exoneration is granted for
-- years ahead: its planned end is not an observed end, so the end is capped at the end of
-- observation (the last extraction day, or the death date), never before the start. One row
-- per 'Maps to' target of the code.
SELECT {{ hid(per_target("i.BEN_NIR_PSA || '|' || CAST(i.BEN_RNG_GEM AS VARCHAR) || '|ALD|' || CAST(i.IMB_ALD_NUM AS VARCHAR) || '|' || COALESCE(i.MED_MTF_COD, '') || '|' || CAST(i.IMB_ALD_DTD AS VARCHAR)"), "C") }} AS condition_occurrence_id,
       {{ hid("i.BEN_NIR_PSA || '|' || CAST(i.BEN_RNG_GEM AS VARCHAR)", "P") }} AS person_id,
       COALESCE(m.target_concept_id, 0) AS condition_concept_id,
       CAST(i.IMB_ALD_DTD AS DATE) AS condition_start_date,
       CAST(i.IMB_ALD_DTD AS TIMESTAMP) AS condition_start_datetime,
       i.end_date AS condition_end_date, CAST(i.end_date AS TIMESTAMP) AS condition_end_datetime,
       32879 AS condition_type_concept_id, 32893 AS condition_status_concept_id,
       NULL AS stop_reason, NULL AS provider_id, NULL AS visit_occurrence_id,
       NULL AS visit_detail_id, i.MED_MTF_COD AS condition_source_value,
       COALESCE(m.source_concept_id, 0) AS condition_source_concept_id,
       'ALD ' || CAST(i.IMB_ALD_NUM AS VARCHAR) AS condition_status_source_value
FROM (SELECT *, CASE WHEN IMB_ALD_DTF IS NOT NULL THEN
        GREATEST(CAST(IMB_ALD_DTD AS DATE), LEAST(CAST(IMB_ALD_DTF AS DATE),
                 COALESCE(d.death_date, DATE '{{ last_day }}'), DATE '{{ last_day }}')) END AS end_date
      FROM imb LEFT JOIN death d ON d.person_id = {{ hid("imb.BEN_NIR_PSA || '|' || CAST(imb.BEN_RNG_GEM AS VARCHAR)", "P") }}) i
JOIN ben b ON b.BEN_NIR_PSA = i.BEN_NIR_PSA AND b.BEN_RNG_GEM = i.BEN_RNG_GEM
LEFT JOIN source_map m ON m.source_vocabulary_id = 'CIM10'
  AND m.source_code = regexp_replace(upper(i.MED_MTF_COD), '[^A-Z0-9]', '', 'g')
WHERE i.IMB_ALD_DTD IS NOT NULL AND i.MED_MTF_COD IS NOT NULL
