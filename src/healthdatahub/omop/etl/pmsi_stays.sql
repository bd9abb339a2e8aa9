-- PMSI MCO stays linked to a beneficiary: T_MCOaaC.NIR_ANO_17 = BEN_NIR_PSA and the birth rank
-- RNG_NAI = BEN_RNG_GEM (twins kept apart); link failures (NIR_RET true) and stays whose
-- pseudonym joins no beneficiary are dropped (counted in the build report). Entry and exit
-- modes (MS_SOR_V): 6 mutation, 7 transfer, 0 transfer for an act -> 8717 Inpatient Hospital;
-- 8 home -> 0 (the CDM's convention for home); 9 death -> 0 (the death is in DEATH).
SELECT b.ETA_NUM, b.RSA_NUM, {{ hid("b.ETA_NUM || '|' || b.RSA_NUM || '|' || CAST(c.ENT_DAT AS VARCHAR)", "H") }} AS stay_id,
       {{ hid("r.BEN_NIR_PSA || '|' || CAST(r.BEN_RNG_GEM AS VARCHAR)", "P") }} AS person_id,
       CAST(c.ENT_DAT AS DATE) AS start_date,
       CAST(COALESCE(c.SOR_DAT, c.ENT_DAT) AS DATE) AS end_date,
       b.DGN_PAL, b.DGN_REL, b.SEJ_NBJ, b.ENT_MOD, b.SOR_MOD,
       CASE WHEN b.ENT_MOD IN ('0', '6', '7') THEN 8717 ELSE 0 END AS admitted_from_concept_id,
       CASE WHEN b.SOR_MOD IN ('0', '6', '7') THEN 8717 ELSE 0 END AS discharged_to_concept_id
FROM mco_b b
JOIN mco_c c ON c.ETA_NUM = b.ETA_NUM AND c.RSA_NUM = b.RSA_NUM
JOIN ben r ON r.BEN_NIR_PSA = c.NIR_ANO_17 AND r.BEN_RNG_GEM = CAST(c.RNG_NAI AS BIGINT)
WHERE NOT COALESCE(c.NIR_RET, FALSE) AND c.ENT_DAT IS NOT NULL
