-- One provider per executing professional (PFS_EXE_NUM); speciality through the local
-- source_to_concept_map 'SNDS_PSE_SPE_COD'. Identifiers are salted hashes; the professional's
-- number is kept as source value only when the extraction is not FINESS-suppressed. One row per
-- provider: a speciality with several targets keeps the first (lowest id).
WITH pro AS (
  SELECT PFS_EXE_NUM, MAX(PSE_SPE_COD) AS speciality
  FROM prs_all WHERE PFS_EXE_NUM IS NOT NULL GROUP BY PFS_EXE_NUM
)
SELECT {{ hid("'" ~ salt ~ "|' || PFS_EXE_NUM", "PR") }} AS provider_id,
       NULL AS provider_name, NULL AS npi, NULL AS dea,
       COALESCE(m.target_concept_id, 0) AS specialty_concept_id, NULL AS care_site_id,
       NULL AS year_of_birth, 0 AS gender_concept_id,
       {% if finess_suppressed %}NULL{% else %}pro.PFS_EXE_NUM{% endif %} AS provider_source_value,
       CAST(pro.speciality AS VARCHAR) AS specialty_source_value,
       0 AS specialty_source_concept_id, NULL AS gender_source_value,
       0 AS gender_source_concept_id
FROM pro
LEFT JOIN source_map m ON m.source_vocabulary_id = 'SNDS_PSE_SPE_COD' AND m.target_rank = 1
  AND m.source_code = CAST(pro.speciality AS VARCHAR)
