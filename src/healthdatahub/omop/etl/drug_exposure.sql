-- DCIR deliveries (summed per patient, day and CIP13), mapped through BDPM 'Maps to' (one row
-- per target) or ATC;
-- days supply = packs x the pack's days (30 when unknown).
SELECT {{ hid(per_target("d.BEN_NIR_PSA || '|' || CAST(d.BEN_RNG_GEM AS VARCHAR) || '|' || CAST(d.care_date AS VARCHAR) || '|' || d.cip13"), "D") }} AS drug_exposure_id,
       {{ hid("d.BEN_NIR_PSA || '|' || CAST(d.BEN_RNG_GEM AS VARCHAR)", "P") }} AS person_id,
       COALESCE(m.target_concept_id, 0) AS drug_concept_id,
       d.care_date AS drug_exposure_start_date,
       CAST(d.care_date AS TIMESTAMP) AS drug_exposure_start_datetime,
       d.care_date + CAST(d.quantity * COALESCE(k.JOURS, 30) - 1 AS INTEGER) AS drug_exposure_end_date,
       CAST(d.care_date + CAST(d.quantity * COALESCE(k.JOURS, 30) - 1 AS INTEGER) AS TIMESTAMP)
         AS drug_exposure_end_datetime,
       NULL AS verbatim_end_date, 32810 AS drug_type_concept_id, NULL AS stop_reason,
       NULL AS refills, CAST(d.quantity AS DOUBLE) AS quantity,
       CAST(d.quantity * COALESCE(k.JOURS, 30) AS INTEGER) AS days_supply, NULL AS sig,
       0 AS route_concept_id, NULL AS lot_number, NULL AS provider_id,
       NULL AS visit_occurrence_id, NULL AS visit_detail_id, d.cip13 AS drug_source_value,
       COALESCE(m.source_concept_id, 0) AS drug_source_concept_id, NULL AS route_source_value,
       NULL AS dose_unit_source_value
FROM dcir_drugs d
JOIN ben b ON b.BEN_NIR_PSA = d.BEN_NIR_PSA AND b.BEN_RNG_GEM = d.BEN_RNG_GEM
LEFT JOIN source_map m ON m.source_vocabulary_id = 'BDPM' AND m.source_code = d.cip13
LEFT JOIN pack_days k ON k.CIP13 = d.cip13
