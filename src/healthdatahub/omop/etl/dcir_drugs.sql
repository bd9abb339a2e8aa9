-- DCIR drug deliveries: ER_PHA_F joined to its ER_PRS_F line on the nine keys, information-
-- only lines removed, quantities (PHA_ACT_QSN, negative on cancellations) summed by patient,
-- delivery date and CIP13; non-positive totals dropped.
SELECT p.BEN_NIR_PSA, p.BEN_RNG_GEM, CAST(p.EXE_SOI_DTD AS DATE) AS care_date,
       CAST(h.PHA_PRS_C13 AS VARCHAR) AS cip13, SUM(h.PHA_ACT_QSN) AS quantity
FROM ER_PHA_F h
JOIN ER_PRS_F p ON {{ join_keys }}
WHERE COALESCE(p.DPN_QLF, 0) <> 71 AND COALESCE(p.PRS_DPN_QLP, 0) <> 71
GROUP BY p.BEN_NIR_PSA, p.BEN_RNG_GEM, CAST(p.EXE_SOI_DTD AS DATE), CAST(h.PHA_PRS_C13 AS VARCHAR)
HAVING SUM(h.PHA_ACT_QSN) > 0
