SELECT {{ hid("BEN_NIR_PSA || '|' || CAST(BEN_RNG_GEM AS VARCHAR)", "P") }} AS person_id,
       CASE BEN_SEX_COD WHEN 1 THEN 8507 WHEN 2 THEN 8532 ELSE 0 END AS gender_concept_id,
       BEN_NAI_ANN AS year_of_birth,
       CASE WHEN BEN_NAI_MOI BETWEEN 1 AND 12 THEN BEN_NAI_MOI END AS month_of_birth,
       NULL AS day_of_birth, NULL AS birth_datetime,
       0 AS race_concept_id, 0 AS ethnicity_concept_id,
       CASE WHEN BEN_RES_DPT IS NOT NULL THEN
         {{ hid("COALESCE(BEN_RES_DPT, '') || '|' || COALESCE(BEN_RES_COM, '')", "L") }}
       END AS location_id,
       NULL AS provider_id, NULL AS care_site_id,
       BEN_NIR_PSA || ':' || CAST(BEN_RNG_GEM AS VARCHAR) AS person_source_value,
       CAST(BEN_SEX_COD AS VARCHAR) AS gender_source_value, 0 AS gender_source_concept_id,
       NULL AS race_source_value, 0 AS race_source_concept_id,
       NULL AS ethnicity_source_value, 0 AS ethnicity_source_concept_id
FROM ben
WHERE BEN_NAI_ANN IS NOT NULL
