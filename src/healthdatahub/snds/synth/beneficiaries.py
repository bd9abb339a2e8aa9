"""Beneficiary-level tables of one block: IR_BEN_R, IR_IMB_R, KI_CCI_R, KI_ECD_R, references."""

from __future__ import annotations

import numpy as np

from healthdatahub.snds.synth import reference as ref
from healthdatahub.snds.synth.conditions import CONDITIONS
from healthdatahub.snds.synth.population import Block

# Initial causes of death (CIM-10) and weights (%), roughly the French 2020s distribution.
DEATH_CAUSES = np.array(["C349", "C189", "C509", "C61", "C259", "I219", "I64", "I509", "J449",
                         "G309", "F03", "E149", "N189", "J189", "X599", "X709", "R99", "U071"])
DEATH_WEIGHTS = np.array([7, 4, 3, 2, 3, 7, 6, 6, 4, 5, 5, 3, 2, 4, 4, 2, 8, 5], dtype=float)
FIRST_YEARS = 30  # years of history before the extraction year for insertion dates


def _ym(d: np.ndarray) -> np.ndarray:
    if d.size == 0:
        return np.array([], dtype="U6")
    m = d.astype("datetime64[M]").astype(np.int64)
    return np.char.add((m // 12 + 1970).astype(str), np.char.zfill((m % 12 + 1).astype(str), 2))


def build(rng: np.random.Generator, b: Block, cond: dict[str, np.ndarray], ids: dict[str, np.ndarray],
          max_trt: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """IR_BEN_R, IR_IMB_R, KI_CCI_R and KI_ECD_R columns and the civil-status references."""
    n = b.n
    codes, _, orgs = ref.departements()
    start = np.datetime64(f"{b.year}-01-01")
    dead = ~np.isnat(b.death)
    ins = np.maximum(b.birth, start - FIRST_YEARS * 365) + rng.integers(0, 60, n)
    ins = np.minimum(ins, start + 364)
    alive_or = np.where(dead, b.death, np.datetime64("NaT"))
    ben = {
        "BEN_NIR_PSA": ids["psa"], "BEN_RNG_GEM": b.rank, "BEN_NIR_ANO": ids["ano"],
        "BEN_IDT_ANO": ids["idt"], "BEN_IDT_TOP": np.ones(n, bool), "ASS_NIR_ANO": ids["ass"],
        "BEN_IDT_MAJ": ins, "BEN_CDI_NIR": np.full(n, "00"),
        "BEN_NAI_ANN": b.birth.astype("datetime64[Y]").astype(np.int64) + 1970,
        "BEN_NAI_MOI": b.birth.astype("datetime64[M]").astype(np.int64) % 12 + 1,
        "BEN_SEX_COD": b.sex, "BEN_DCD_DTE": alive_or,
        "BEN_DCD_AME": np.where(dead, _ym(np.where(dead, b.death, start)), None).astype(object),
        "ORG_AFF_BEN": orgs[b.dpt], "BEN_RES_DPT": codes[b.dpt], "BEN_RES_COM": b.com,
        "BEN_TOP_CNS": ~np.isnat(max_trt), "MAX_TRT_DTD": max_trt, "ORG_CLE_NEW": orgs[b.dpt],
        "BEN_DTE_INS": ins, "BEN_DTE_MAJ": np.maximum(ins, start + rng.integers(0, 365, n)),
    }
    # IR_IMB_R: one row per ALD.
    pi, cj = np.nonzero(cond["ald"])
    dtd = start - cond["since"][pi, cj]
    dtd = np.maximum(dtd, b.birth[pi] + 1)
    dtf = dtd + np.where(rng.random(pi.size) < 0.5, 10, 5) * 365
    imb = {
        "BEN_NIR_PSA": ids["psa"][pi], "BEN_RNG_GEM": b.rank[pi],
        "IMB_ALD_NUM": np.array([c.ald for c in CONDITIONS])[cj], "IMB_ALD_DTD": dtd,
        "IMB_ALD_DTF": dtf, "IMB_ETM_NAT": np.full(pi.size, 41),
        "MED_MTF_COD": cond["code"][pi, cj], "MED_NCL_IDT": np.full(pi.size, "CIM10"),
        "INS_DTE": dtd + rng.integers(0, 40, pi.size),
        "UPD_DTE": np.full(pi.size, start + 364),
    }
    # Deaths: one certificate each, with 1-4 causes in KI_ECD_R.
    di = np.flatnonzero(dead)
    cum = np.cumsum(DEATH_WEIGHTS)
    cause = DEATH_CAUSES[np.searchsorted(cum, rng.random(di.size) * cum[-1], side="right")]
    labels = ref.cim10_labels()
    flx = np.full(di.size, b.year)
    cci = {
        "DCD_IDT_ENC": ids["dcd"][di], "DCD_IDT_TOP": np.ones(di.size, np.int64),
        "BEN_IDT_ANO": ids["idt"][di], "BEN_IDT_TOP": np.ones(di.size, np.int64),
        "BEN_NIR_ANO": ids["ano"][di], "FLX_PER_ANN": flx, "BEN_DCD_DTE": b.death[di],
        "BEN_DCD_AME": _ym(b.death[di]), "DCD_DPT_COD": codes[b.dpt[di]],
        "DCD_COM_COD": b.com[di], "DCD_LIE_COD": rng.integers(1, 5, di.size),
        "BEN_RES_DPT": codes[b.dpt[di]], "BEN_RES_COM": b.com[di],
        "BEN_NAI_ANN": ben["BEN_NAI_ANN"][di], "BEN_NAI_MOI": ben["BEN_NAI_MOI"][di],
        "BEN_SEX_COD": b.sex[di], "ETA_MAR_COD": rng.integers(1, 5, di.size),
        "DCD_CIM_COD": cause, "DCD_CAU_COD": np.ones(di.size, np.int64),
    }
    nc = 1 + rng.poisson(1.2, di.size).clip(0, 3)
    ei = np.repeat(np.arange(di.size), nc)
    rank = np.arange(ei.size) - np.repeat(np.cumsum(nc) - nc, nc) + 1
    extra = DEATH_CAUSES[(rng.random(ei.size) * DEATH_CAUSES.size).astype(int)]
    ecode = np.where(rank == 1, cause[ei], extra)
    ecd = {
        "DCD_IDT_ENC": cci["DCD_IDT_ENC"][ei], "DCD_IDT_TOP": np.ones(ei.size, np.int64),
        "BEN_IDT_ANO": cci["BEN_IDT_ANO"][ei], "BEN_IDT_TOP": np.ones(ei.size, np.int64),
        "BEN_NIR_ANO": cci["BEN_NIR_ANO"][ei], "FLX_PER_ANN": flx[ei],
        "CER_LIG_NUM": np.minimum(rank, 4), "ECD_CAU_RNG": rank,
        "ECD_CAU_LIB": _labels(ecode, labels),
        "ECD_CIM_COD": ecode, "BEN_DCD_DTE": b.death[di][ei], "BEN_DCD_AME": cci["BEN_DCD_AME"][ei],
    }
    civil = {
        "NIR": b.nir, "NOM": b.last_name, "NOM_USAGE": b.usage_name, "PRENOMS": b.first_names,
        "DATE_NAISSANCE": b.birth, "SEXE": b.sex, "LIEU_NAISSANCE": b.birth_label,
        "CODE_LIEU_NAISSANCE": b.birth_place,
    }
    corr = {"NIR": b.nir, "NIR_OUVRANT_DROIT": b.nir[b.opener], "BEN_NIR_PSA": ids["psa"],
            "BEN_RNG_GEM": b.rank, "BEN_IDT_ANO": ids["idt"]}
    return {"IR_BEN_R": ben, "IR_IMB_R": imb, "KI_CCI_R": cci, "KI_ECD_R": ecd,
            "ETAT_CIVIL": civil, "CORRESPONDANCE_NIR_PSA": corr}


def _labels(codes: np.ndarray, labels: dict[str, str]) -> np.ndarray:
    """CIM-10 labels (cut to 100 characters) of a small set of codes, mapped by unique code."""
    uniq, inv = np.unique(codes, return_inverse=True)
    lab = np.array([labels.get(c, "")[:100] or None for c in uniq] + [None], dtype=object)
    return lab[inv] if uniq.size else np.array([], dtype=object)
