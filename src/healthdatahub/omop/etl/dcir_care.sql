-- DCIR outpatient care: information-only lines (DPN_QLF = 71 or PRS_DPN_QLP = 71) removed;
-- correction and cancellation lines summed by patient, date and code (a line with a negative
-- amount or quantity counts its quantity negatively); groups whose quantity is not positive
-- dropped. Pharmacy natures (drugs come from ER_PHA_F) and GHS stays (PMSI) are left out.
SELECT BEN_NIR_PSA, BEN_RNG_GEM, CAST(EXE_SOI_DTD AS DATE) AS care_date,
       CAST(PRS_NAT_REF AS VARCHAR) AS nature, PFS_EXE_NUM, MAX(PSE_SPE_COD) AS speciality,
       SUM(CASE WHEN PRS_PAI_MNT < 0 OR PRS_ACT_QTE < 0 THEN -ABS(PRS_ACT_QTE)
                ELSE PRS_ACT_QTE END) AS quantity
FROM ER_PRS_F
WHERE COALESCE(DPN_QLF, 0) <> 71 AND COALESCE(PRS_DPN_QLP, 0) <> 71
  AND PRS_NAT_REF NOT IN ({{ excluded_natures }})
GROUP BY BEN_NIR_PSA, BEN_RNG_GEM, CAST(EXE_SOI_DTD AS DATE), CAST(PRS_NAT_REF AS VARCHAR),
         PFS_EXE_NUM
HAVING SUM(CASE WHEN PRS_PAI_MNT < 0 OR PRS_ACT_QTE < 0 THEN -ABS(PRS_ACT_QTE)
                ELSE PRS_ACT_QTE END) > 0
