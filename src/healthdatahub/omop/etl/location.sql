SELECT DISTINCT
       {{ hid("COALESCE(BEN_RES_DPT, '') || '|' || COALESCE(BEN_RES_COM, '')", "L") }} AS location_id,
       NULL AS address_1, NULL AS address_2, NULL AS city, NULL AS state, NULL AS zip,
       BEN_RES_DPT AS county,
       BEN_RES_DPT || COALESCE(BEN_RES_COM, '') AS location_source_value,
       NULL AS country_concept_id, 'FR' AS country_source_value,
       NULL AS latitude, NULL AS longitude
FROM ben
WHERE BEN_RES_DPT IS NOT NULL
