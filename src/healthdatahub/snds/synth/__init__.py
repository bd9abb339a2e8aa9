"""Synthetic SNDS extraction: a schema-valid, realistic, deterministic population and its claims.

``generate(out_dir, beneficiaries, seed, fmt)`` writes IR_BEN_R, IR_IMB_R, ER_PRS_F, ER_PHA_F,
ER_ETE_F, KI_CCI_R, KI_ECD_R and the PMSI MCO tables of the year (T_MCO23B/C/D/A for 2023),
with exactly the columns of the project's descriptors, plus ``reference/ETAT_CIVIL`` (NIR,
names, birth date and place) and ``reference/CORRESPONDANCE_NIR_PSA`` (the ground truth NIR ->
BEN_NIR_PSA) for the linkage work, and ``manifest.json`` (every file, rows, bytes, SHA-256).

Determinism: people are generated in blocks of 1,000, each with its own generators
``numpy.random.default_rng([seed, block, k])``; chunks only group blocks for writing, so the
same seed gives identical rows in identical order whatever the chunk size.

Realism (sources in ``snds.nomenclatures``): INSEE 2023 age-sex pyramid and 2021 département
populations; birthplaces mostly in France (65 % in the département of residence), 12 % of
adults born abroad; surnames long-tailed (218,982 names, Zipf–Mandelbrot weights) and first
names by sex and birth decade (``prenoms``, INSEE-derived); 1-3 first names; about half of the
women over 40 use a married name; children's rights are opened by a parent of the block
(BEN_NIR_PSA uses the parent's NIR), and they carry that parent's surname; Gompertz mortality
(~0.9 % a year). Chronic conditions by age and sex (``conditions.py``): treated type 2
diabetes ~5.5 % of adults with ALD 8 for ~78 % and metformin-first regimens delivered every
30 or 90 days (large packs), hypertension, statins, coronary disease, heart failure, cancer
(chemotherapy sessions), COPD/asthma, depression, Alzheimer, dialysis (150 sessions a year).
PMSI stays follow age/sex-specific profiles (cataract, joint replacement, births, colonoscopy,
stroke, …) with principal/related diagnoses from CIM-10, associated diagnoses from the
patient's conditions and CCAM acts; 30 % of stays are private-clinic stays also billed in the
DCIR (ER_PRS_F nature 2111 + ER_ETE_F).

SNDS quirks injected, at low rates:

- information-only lines: 3 % of consultations get a second line in the same décompte
  (PRS_ORD_NUM 2) with DPN_QLF = PRS_DPN_QLP = 71 and zero amounts — to be removed before
  counting care;
- cancellations: 0.5 % of services are cancelled by a later décompte (FLX_TRT_DTD 20-90 days
  later) with negative amounts and, for drugs, negative PHA_ACT_QSN — sum per patient, date
  and code (PRS_ACT_QTE stays positive: the descriptor constrains it to >= 0);
- twins: 1.5 % of children are a second twin; same-sex twins share BEN_NIR_PSA (same opener,
  birth date and sex) and are told apart by BEN_RNG_GEM = 2;
- PMSI patient link failures: 1 % of T_MCOaaC rows have NIR_RET = 1 and an NIR_ANO_17 that
  joins no beneficiary (``XXXXXXXXXXXXXXX`` + 2 digits), as the field knows them (~2 %);
- ETA_NUM and RSA_NUM are strings in every PMSI table (the descriptors' fix), and dates in
  CSV follow the chosen convention.
"""

from healthdatahub.snds.synth.generate import SynthResult, check_arguments, generate

__all__ = ["SynthResult", "check_arguments", "generate"]
