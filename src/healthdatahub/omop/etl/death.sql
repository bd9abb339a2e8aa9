-- One death per person: IR_BEN_R's date (claims, 32810) or, when the causes-of-death table
-- holds the certificate (KI_CCI_R via BEN_IDT_ANO), its date and initial cause (32815). DEATH
-- has one row per person: a cause with several 'Maps to' targets keeps the first (lowest id).
WITH cert AS (
  SELECT BEN_IDT_ANO, MIN(BEN_DCD_DTE) AS death_date, MIN(DCD_CIM_COD) AS cause
  FROM cci WHERE BEN_IDT_ANO IS NOT NULL GROUP BY BEN_IDT_ANO
)
SELECT {{ hid("b.BEN_NIR_PSA || '|' || CAST(b.BEN_RNG_GEM AS VARCHAR)", "P") }} AS person_id,
       CAST(COALESCE(c.death_date, b.BEN_DCD_DTE) AS DATE) AS death_date,
       CAST(COALESCE(c.death_date, b.BEN_DCD_DTE) AS TIMESTAMP) AS death_datetime,
       CASE WHEN c.BEN_IDT_ANO IS NOT NULL THEN 32815 ELSE 32810 END AS death_type_concept_id,
       COALESCE(m.target_concept_id, 0) AS cause_concept_id, c.cause AS cause_source_value,
       COALESCE(m.source_concept_id, 0) AS cause_source_concept_id
FROM ben b
LEFT JOIN cert c ON c.BEN_IDT_ANO = b.BEN_IDT_ANO
LEFT JOIN source_map m ON m.source_vocabulary_id = 'CIM10' AND m.target_rank = 1
  AND m.source_code = regexp_replace(upper(c.cause), '[^A-Z0-9]', '', 'g')
WHERE COALESCE(c.death_date, b.BEN_DCD_DTE) IS NOT NULL
