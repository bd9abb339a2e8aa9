"""Columns of the PMSI MCO tables (B, C, D, A) from the stays of one block."""

from __future__ import annotations

import numpy as np

from healthdatahub.snds.synth import reference as ref
from healthdatahub.snds.synth.pmsi import _DAS_POOL, PROFILES, P
from healthdatahub.snds.synth.population import Block

BAD_NIR_RATE = 0.01  # stays whose patient link failed (NIR_RET = 1, pseudonym joins nothing)
STAY_ID_SPAN = 100_000  # RSA numbers per block
COMORBID = {"diabete_t2": "E119", "hta": "I10", "dyslipidemie": "E785",
            "insuffisance_cardiaque": "I500", "bpco_asthme": "J449", "alzheimer": "G309",
            "irc_dialyse": "N185", "depression": "F329"}


def _ym(d: np.ndarray) -> np.ndarray:
    """YYYYMM strings of datetime64[D] values."""
    if d.size == 0:
        return np.array([], dtype="U6")
    m = d.astype("datetime64[M]").astype(np.int64)
    return np.char.add((m // 12 + 1970).astype(str), np.char.zfill((m % 12 + 1).astype(str), 2))


def build(rng: np.random.Generator, b: Block, st: dict[str, np.ndarray], psa: np.ndarray,
          cond: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """The B, C, D and A columns of the block's stays, keyed by generic table suffix."""
    from healthdatahub.snds.synth.conditions import INDEX

    n = st["person"].size
    if n >= STAY_ID_SPAN:
        raise RuntimeError("too many stays in one block")
    who, prof = st["person"], st["profile"]
    eta = ref.finess()[b.dpt[who], (rng.random(n) ** 1.5 * 5).astype(int)]
    rsa = (b.index * STAY_ID_SPAN + np.arange(1, n + 1)).astype(str)
    start = np.datetime64(f"{b.year}-01-01")
    ent = start + st["day"]
    sor = ent + st["los"]
    age_days = (ent - b.birth[who]).astype(np.int64)
    age_years = (age_days / 365.25).astype(np.int64)
    ghm = np.array([p[3] for p in PROFILES])[prof]
    sev = np.where(st["los"] > 6, "3", np.where(st["los"] > 2, "2", "1"))
    ghm = np.where(np.char.str_len(ghm) == 5, np.char.add(ghm, sev), ghm)
    session = (prof == P["chimiotherapie"]) | (prof == P["dialyse"])
    prefix = np.array([c[1:] if c[0] == "0" else c[:2] for c in ref.departements()[0]])
    com = b.com[who]
    # Associated diagnoses: the patient's chronic conditions, plus some from a general pool.
    das_who, das_code = [], []
    for cname, code in COMORBID.items():
        hit = np.flatnonzero(cond["has"][who, INDEX[cname]] & (rng.random(n) < 0.7) & ~session)
        das_who.append(hit)
        das_code.append(np.full(hit.size, code))
    extra = rng.poisson(np.where(session, 0.0, 0.8 + 0.02 * np.minimum(age_years, 90)))
    ex_who = np.repeat(np.arange(n), extra)
    das_who.append(ex_who)
    das_code.append(_DAS_POOL[(rng.random(ex_who.size) * _DAS_POOL.size).astype(int)])
    births = (prof == P["accouchement"]) | (prof == P["cesarienne"])
    bw = np.flatnonzero(births)
    das_who.append(bw)
    das_code.append(np.full(bw.size, "Z370"))
    dw = np.concatenate(das_who)
    dc = np.concatenate(das_code)
    o = np.argsort(dw, kind="stable")
    dw, dc = dw[o], dc[o]
    nd = np.bincount(dw, minlength=n)
    rank = np.arange(dw.size) - np.repeat(np.cumsum(nd) - nd, nd) + 1
    # CCAM acts of the profile (all of them, one each).
    acts = [p[2] for p in PROFILES]
    na = np.array([len(a) for a in acts])[prof]
    aw = np.repeat(np.arange(n), na)
    arank = np.arange(aw.size) - np.repeat(np.cumsum(na) - na, na)
    width = max(len(a) for a in acts if a)
    amat = np.array([list(a) + [""] * (width - len(a)) for a in acts] if width else [[""]])
    acode = amat[prof[aw], arank] if aw.size else np.array([], dtype="U7")
    bad = rng.random(n) < BAD_NIR_RATE
    nir17 = np.where(bad, np.char.add("XXXXXXXXXXXXXXX", np.char.zfill(
        (rng.integers(0, 99, n)).astype(str), 2)), psa[who])
    ts = lambda d: d.astype("datetime64[s]")
    sor_mod = np.where(st["dies"], "9", "8")
    B = {
        "ETA_NUM": eta, "RSA_NUM": rsa, "RSS_NUM": np.full(n, "121"),
        "AGE_ANN": age_years, "AGE_JOU": np.ma.masked_array(age_days, mask=age_days >= 365),
        "COD_SEX": b.sex[who].astype(str), "BDI_COD": np.char.add(prefix[b.dpt[who]], com),
        "BDI_DEP": prefix[b.dpt[who]], "DGN_PAL": st["dp"],
        "DGN_REL": np.where(st["dr"] == "", None, st["dr"]).astype(object),
        "ENT_MOD": np.full(n, "8"), "SOR_MOD": sor_mod,
        "SOR_ANN": sor.astype("datetime64[Y]").astype(np.int64) + 1970,
        "SOR_MOI": sor.astype("datetime64[M]").astype(np.int64) % 12 + 1,
        "SEJ_NBJ": st["los"], "SEJ_TYP": np.where(st["los"] == 0, "A", "."),
        "GRG_GHM": ghm, "GHS_NUM": np.array([p[4] for p in PROFILES])[prof],
        "NBR_DGN": nd, "NBR_ACT": na, "NBR_RUM": np.ones(n, dtype=np.int64),
        "NBR_SEA": np.where(session, 1, 0),
    }
    C = {
        "ETA_NUM": eta, "RSA_NUM": rsa, "NIR_ANO_17": nir17, "NIR_RET": bad,
        "NAI_RET": np.full(n, "0"), "SEX_RET": np.zeros(n, bool), "SEJ_RET": np.zeros(n, bool),
        "FHO_RET": np.zeros(n, bool), "PMS_RET": np.zeros(n, bool), "DAT_RET": np.full(n, "0"),
        "COH_NAI_RET": np.zeros(n, bool), "COH_SEX_RET": np.zeros(n, bool),
        "ENT_DAT": ent, "SOR_DAT": sor, "EXE_SOI_DTD": ts(ent), "EXE_SOI_DTF": ts(sor),
        "EXE_SOI_AMD": _ym(ent), "EXE_SOI_AMF": _ym(sor), "SOR_ANN": B["SOR_ANN"],
        "SOR_MOI": B["SOR_MOI"], "RNG_BEN": np.full(n, "001"), "RNG_NAI": b.rank[who],
    }
    D = {"ETA_NUM": eta[dw], "RSA_NUM": rsa[dw], "RSS_NUM": np.full(dw.size, "121"),
         "DGN_ASS_NUM": rank, "ASS_DGN": dc}
    A = {"ETA_NUM": eta[aw], "RSA_NUM": rsa[aw], "RSS_NUM": np.full(aw.size, "121"),
         "RUM_SEQ": np.full(aw.size, "1"), "CDC_ACT": acode, "ACV_ACT": np.full(aw.size, "1"),
         "PHA_ACT": np.full(aw.size, "0"), "ENT_DAT_DEL": np.minimum(arank, st["los"][aw]),
         "NBR_EXE_ACT": np.ones(aw.size, dtype=np.int64)}
    return {"B": B, "C": C, "D": D, "A": A}
