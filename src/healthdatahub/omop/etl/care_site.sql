-- One care site per establishment (ETA_NUM, a FINESS). When the extraction is FINESS-
-- suppressed the FINESS is never written: ids are salted hashes, source value and name NULL.
SELECT DISTINCT {{ hid("'" ~ salt ~ "|' || ETA_NUM", "CS") }} AS care_site_id,
       NULL AS care_site_name, 9201 AS place_of_service_concept_id, NULL AS location_id,
       {% if finess_suppressed %}NULL{% else %}ETA_NUM{% endif %} AS care_site_source_value,
       'PMSI MCO' AS place_of_service_source_value
FROM mco_b_all
WHERE ETA_NUM IS NOT NULL
