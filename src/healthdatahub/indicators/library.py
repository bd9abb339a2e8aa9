"""The open algorithm library: the hub's phenotypes, versioned, with sources and validity notes.

Cartography columns are those of the CNAM pathology cartography's per-beneficiary table
``CT_IND_AAAA_GN`` when the condition matches one of its flags. A new version of a
phenotype is a new entry with a higher ``version``; published results record the version.
"""

from __future__ import annotations

from healthdatahub.errors import HubError
from healthdatahub.indicators.dsl import Ald, AnyOf, Drugs, Phenotype, Stay

_CARTO = "CNAM, Cartographie des pathologies et des dépenses, méthodologie (algorithmes médicaux)"

DIABETES_T2 = Phenotype(
    name="diabete_t2", version="1.0.0", title="Type 2 diabetes (treated or known)",
    description=("At least 3 deliveries of antidiabetics (ATC A10) on distinct dates in the year, "
                 "or 2 if one is a large pack; or an ALD for diabetes (CIM-10 E11); or a hospital "
                 "stay with E11 as principal or related diagnosis."),
    criterion=AnyOf((Drugs(("A10",), 3, 2), Ald(("E11",)), Stay(("E11",), ("DP", "DR")))),
    sources=(_CARTO, ("Fuentes S. et al., Identifying diabetes cases in health administrative "
                      "databases: a validation study based on a large French cohort, Int J "
                      "Public Health 2019")),
    validity=("Drug-based detection misses diet-only diabetes; A10 includes insulin, so some "
              "type 1 diabetes is counted (the cartography's flag covers all diabetes types)."),
    min_age=18, cartography=("top_FDiabet_ind",),
    omop={"drug": ("ATC:A10",), "condition": ("ICD10:E11",)},
)

HYPERTENSION = Phenotype(
    name="hta_traitee", version="1.0.0", title="Treated hypertension",
    description=("At least 3 deliveries of antihypertensives (ATC C02, C03, C07, C08, C09) on "
                 "distinct dates in the year, or 2 if one is a large pack."),
    criterion=Drugs(("C02", "C03", "C07", "C08", "C09"), 3, 2),
    sources=(_CARTO,),
    validity=("Counts treatment, not diagnosis: beta-blockers and diuretics are also given for "
              "heart failure or arrhythmia (the cartography's '_nnexclu' flag is 'with or "
              "without pathologies')."),
    min_age=18, cartography=("sup_FAntiHTA_med_nnexclu",),
    omop={"drug": ("ATC:C02", "ATC:C03", "ATC:C07", "ATC:C08", "ATC:C09")},
)

HEPATITIS = Phenotype(
    name="hepatite_virale_chronique", version="1.0.0", title="Chronic viral hepatitis B or C",
    description=("An ALD with chronic viral hepatitis (CIM-10 B18); or a hospital stay with B18 "
                 "as principal, related or associated diagnosis; or 2 deliveries of direct-acting "
                 "antivirals against HCV (ATC J05AP) or HBV nucleos(t)ides (J05AF) on distinct "
                 "dates."),
    criterion=AnyOf((Ald(("B18",)), Stay(("B18",), ("DP", "DR", "DAS")),
                     Drugs(("J05AP", "J05AF"), 2, None))),
    sources=("Santé publique France, surveillance des hépatites B et C à partir du SNDS",),
    validity=("J05AF also treats HIV (tenofovir, lamivudine): the drug rule over-counts HIV "
              "patients without hepatitis; cured hepatitis C drops out after treatment."),
    omop={"condition": ("ICD10:B18",), "drug": ("ATC:J05AP", "ATC:J05AF")},
)

CROHN = Phenotype(
    name="crohn", version="1.0.0", title="Crohn's disease",
    description="An ALD for Crohn's disease (CIM-10 K50) or a hospital stay with K50 (DP, DR, DAS).",
    criterion=AnyOf((Ald(("K50",)), Stay(("K50",), ("DP", "DR", "DAS")))),
    sources=(_CARTO,),
    validity="Patients without ALD and without a stay in the year are missed.",
    omop={"condition": ("ICD10:K50",)},
)

ULCERATIVE_COLITIS = Phenotype(
    name="rectocolite", version="1.0.0", title="Ulcerative colitis",
    description="An ALD for ulcerative colitis (CIM-10 K51) or a hospital stay with K51.",
    criterion=AnyOf((Ald(("K51",)), Stay(("K51",), ("DP", "DR", "DAS")))),
    sources=(_CARTO,),
    validity="Patients without ALD and without a stay in the year are missed.",
    omop={"condition": ("ICD10:K51",)},
)

IBD = Phenotype(
    name="mici", version="1.0.0", title="Crohn's disease or ulcerative colitis (IBD)",
    description="Crohn's disease or ulcerative colitis, as defined by those two phenotypes.",
    criterion=AnyOf((CROHN.criterion, ULCERATIVE_COLITIS.criterion)),
    sources=(_CARTO,),
    validity="The cartography also uses hospital stays of the 5 previous years; this uses one.",
    cartography=("top_IRCrRCH_ind",),
    omop={"condition": ("ICD10:K50", "ICD10:K51")},
)

POLLEN_ALLERGY = Phenotype(
    name="allergie_pollen", version="1.0.0", title="Pollen allergy treatment",
    description=("At least 2 deliveries of antihistamines (ATC R06AE, R06AX) or nasal "
                 "corticosteroids (R01AD) on distinct dates during the pollen season (March to "
                 "June), or one delivery of allergen extracts (V01AA)."),
    criterion=AnyOf((Drugs(("R06AE", "R06AX", "R01AD"), 2, None, (3, 4, 5, 6)),
                     Drugs(("V01AA",), 1, None))),
    sources=("ANSM, utilisation des antihistaminiques en saison pollinique",),
    validity=("Antihistamines are also bought without prescription (not in the SNDS) and given "
              "for other allergies; seasonality is a proxy for pollen."),
    omop={"drug": ("ATC:R06AE", "ATC:R06AX", "ATC:R01AD", "ATC:V01AA")},
)

DEMENTIA = Phenotype(
    name="demence_alzheimer", version="1.0.0", title="Dementia (including Alzheimer's disease)",
    description=("An ALD for dementia (CIM-10 F00-F03, G30, G31); or a hospital stay with one of "
                 "those codes (DP, DR, DAS); or 3 deliveries of anti-dementia drugs (ATC N06DA, "
                 "N06DX) on distinct dates, 2 with a large pack."),
    criterion=AnyOf((Ald(("F00", "F01", "F02", "F03", "G30", "G31")),
                     Stay(("F00", "F01", "F02", "F03", "G30", "G31"), ("DP", "DR", "DAS")),
                     Drugs(("N06DA", "N06DX"), 3, 2))),
    sources=(_CARTO,),
    validity=("Anti-dementia drugs are no longer reimbursed since 2018, so recent cases are "
              "found only through ALD and stays; G31 includes some non-dementia atrophies."),
    min_age=40, cartography=("top_NDemenc_ind",),
    omop={"condition": ("ICD10:F00", "ICD10:F01", "ICD10:F02", "ICD10:F03", "ICD10:G30",
                        "ICD10:G31"), "drug": ("ATC:N06DA", "ATC:N06DX")},
)

PHENOTYPES: dict[str, Phenotype] = {p.name: p for p in (
    DIABETES_T2, HYPERTENSION, HEPATITIS, CROHN, ULCERATIVE_COLITIS, IBD, POLLEN_ALLERGY, DEMENTIA)}


def get_phenotype(name: str) -> Phenotype:
    """The phenotype called ``name``; HubError naming the known ones otherwise."""
    try:
        return PHENOTYPES[name]
    except KeyError:
        raise HubError(f"Unknown phenotype {name!r}; known: {', '.join(PHENOTYPES)}.") from None
