"""DCIR claims of one block: ER_PRS_F (one line per service), ER_PHA_F (drugs), ER_ETE_F (clinics).

Quirks injected at low rates (see the package docstring): information-only lines
(DPN_QLF = PRS_DPN_QLP = 71, amounts 0, same décompte as the line they document),
cancellation lines (a later décompte with negative amounts and negative PHA_ACT_QSN).
"""

from __future__ import annotations

import numpy as np

from healthdatahub.snds.synth import reference as ref
from healthdatahub.snds.synth.conditions import CONDITIONS, regimen_packs
from healthdatahub.snds.synth.population import Block

INFO_RATE = 0.03  # consultations that also get a DPN_QLF = 71 information line
CANCEL_RATE = 0.005  # services cancelled by a later negative line
LARGE_PACK_RATE = 0.4  # chronic patients on 90-day packs
EVENT_ID_SPAN = 200_000  # décomptes per block
SPECIALISTS = np.array([3, 7, 13, 15, 42, 33, 5, 14])
ACUTE_ATC = ("N02BE", "J01C", "M01A", "R06A", "A02BC", "J01F", "N05", "A07", "H02")


def _ym(months: np.ndarray) -> np.ndarray:
    """YYYYMM strings of month numbers since 1970-01."""
    if months.size == 0:
        return np.array([], dtype="U6")
    return np.char.add((months // 12 + 1970).astype(str),
                       np.char.zfill((months % 12 + 1).astype(str), 2))


def _age_code(care: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """BEN_AMA_COD: age in years at the care date, or 1000 + months under two years."""
    days = (care - birth).astype(np.int64)
    return np.where(days < 730, 1000 + (days / 30.44).astype(np.int64),
                    (days / 365.25).astype(np.int64))


def _days_alive(b: Block) -> np.ndarray:
    """Days of the year each person is alive (365 if alive at the end)."""
    dd = (b.death - np.datetime64(f"{b.year}-01-01")).astype(np.int64)
    return np.where(np.isnat(b.death), 365, dd + 1).astype(np.int64)


def _consultations(rng: np.random.Generator, b: Block, nconds: np.ndarray, alive: np.ndarray):
    """(person, day, nature, specialty) of GP and specialist consultations."""
    a = b.age
    lam = np.select([a < 5, a < 18, a < 60, a < 75], [6.0, 2.5, 3.0, 5.0], 7.0) + 1.5 * nconds
    lam = lam * alive / 365
    gp = rng.poisson(lam)
    sp = rng.poisson((0.6 + 0.7 * nconds) * alive / 365)
    pg, ps = np.repeat(np.arange(b.n), gp), np.repeat(np.arange(b.n), sp)
    person = np.concatenate([pg, ps])
    day = (rng.random(person.size) * alive[person]).astype(np.int64)
    nature = np.concatenate([np.full(pg.size, 1110), np.full(ps.size, 1112)])
    spe = np.concatenate([np.ones(pg.size, np.int64),
                          SPECIALISTS[(rng.random(ps.size) * SPECIALISTS.size).astype(int)]])
    return person, day, nature, spe


def _chronic(rng: np.random.Generator, b: Block, cond: dict[str, np.ndarray], alive: np.ndarray):
    """Regular deliveries of the chronic regimens: (event person, day, ald, packs matrix)."""
    persons, days, alds, packs = [], [], [], []
    d = ref.drugs()
    for j, c in enumerate(CONDITIONS):
        ids = np.flatnonzero(cond["has"][:, j])
        if ids.size == 0:
            continue
        large = rng.random(ids.size) < LARGE_PACK_RATE
        reg = regimen_packs(rng, c, ids.size, large)
        interval = np.where(reg[:, 0] >= 0, d["days"][np.maximum(reg[:, 0], 0)], 30)
        offset = (rng.random(ids.size) * interval).astype(np.int64)
        k = np.maximum((alive[ids] - offset + interval - 1) // interval, 0)
        rep = np.repeat(np.arange(ids.size), k)
        within = np.arange(rep.size) - np.repeat(np.cumsum(k) - k, k)
        day = offset[rep] + within * interval[rep] + rng.integers(-3, 6, rep.size)
        day = np.clip(day, 0, alive[ids[rep]] - 1)
        persons.append(ids[rep])
        days.append(day)
        alds.append(cond["ald"][ids[rep], j])
        m = np.full((rep.size, 3), -1, dtype=np.int64)
        m[:, : reg.shape[1]] = reg[rep]
        packs.append(m)
    if not persons:
        return (np.zeros(0, np.int64),) * 2 + (np.zeros(0, bool), np.zeros((0, 3), np.int64))
    return (np.concatenate(persons), np.concatenate(days), np.concatenate(alds),
            np.concatenate(packs))


def _acute(rng: np.random.Generator, person: np.ndarray, day: np.ndarray, alive: np.ndarray):
    """Pharmacy deliveries after some consultations: (person, day, packs matrix)."""
    hit = rng.random(person.size) < 0.55
    p = person[hit]
    dd = np.minimum(day[hit] + rng.integers(0, 3, p.size), alive[p] - 1)
    pool = ref.packs_for(ACUTE_ATC)
    nd = 1 + (rng.random(p.size) < 0.5) + (rng.random(p.size) < 0.2)
    m = pool[(rng.random((p.size, 3)) * pool.size).astype(int)]
    m = np.where(np.arange(3) < nd[:, None], m, -1)
    return p, dd, m


def build(rng: np.random.Generator, b: Block, cond: dict[str, np.ndarray], psa: np.ndarray,
          private_stays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """The ER_PRS_F, ER_PHA_F and ER_ETE_F columns of one block."""
    alive = _days_alive(b)
    nconds = cond["has"].sum(axis=1)
    cp, cd, cn, cs = _consultations(rng, b, nconds, alive)
    ald_any = cond["ald"].any(axis=1)
    hp, hd, hald, hm = _chronic(rng, b, cond, alive)
    ap, ad, am = _acute(rng, cp, cd, alive)
    sp, sd = private_stays["person"], private_stays["day"]
    # One event = one service line; kinds: 0 consultation, 1 pharmacy, 2 private clinic stay.
    person = np.concatenate([cp, hp, ap, sp])
    day = np.concatenate([cd, hd, ad, sd])
    kind = np.concatenate([np.zeros(cp.size), np.ones(hp.size + ap.size), np.full(sp.size, 2)])
    kind = kind.astype(np.int64)
    packs = np.concatenate([np.full((cp.size, 3), -1), hm, am, np.full((sp.size, 3), -1)])
    ald = np.concatenate([ald_any[cp] & (cs > 1), hald, np.zeros(ap.size, bool),
                          ald_any[sp]])
    d = ref.drugs()
    qty_box = np.where(packs >= 0, 1 + (rng.random(packs.shape) < 0.15), 0)
    price = np.where(packs >= 0, d["price"][np.maximum(packs, 0)], 0.0)
    pharma_amount = (qty_box * price).sum(axis=1)
    fee = np.zeros(person.size)
    fee[: cp.size] = np.where(cn == 1110, 26.5, 30.0)
    fee[kind == 1] = pharma_amount[kind == 1]
    fee[kind == 2] = private_stays["fee"]
    los_all = np.concatenate([np.zeros(person.size - sp.size, np.int64), private_stays["los"]])
    nature = np.concatenate([cn, np.where(hald, 3311, 3313), np.full(ap.size, 3313),
                             np.full(sp.size, 2111)])
    spe = np.concatenate([cs, np.full(hp.size + ap.size, 50), np.zeros(sp.size, np.int64)])
    rate = np.where(ald, 1.0, np.where(kind == 1, 0.65, np.where(kind == 2, 0.8, 0.7)))
    forfait = np.where((kind == 0) & (b.age[person] >= 18), 1.0, 0.0)
    paid = np.round(np.maximum(fee * rate - forfait, 0), 2)
    qte = np.where(kind == 1, qty_box.sum(axis=1), 1).astype(float)
    # Quirk lines: information-only copies and cancellations.
    n0 = person.size
    info = np.flatnonzero((kind == 0) & (rng.random(n0) < INFO_RATE))
    cancel = np.flatnonzero(rng.random(n0) < CANCEL_RATE)
    src = np.concatenate([np.arange(n0), info, cancel])
    line_kind = np.concatenate([np.zeros(n0), np.ones(info.size), np.full(cancel.size, 2)])
    line_kind = line_kind.astype(np.int64)
    sign = np.where(line_kind == 2, -1.0, 1.0)
    amount_factor = np.where(line_kind == 1, 0.0, sign)
    # Décompte ids: a cancellation is a new décompte, an information line shares its source's.
    dec = np.concatenate([np.arange(n0), info, n0 + np.arange(cancel.size)])
    if dec.max(initial=0) >= EVENT_ID_SPAN:
        raise RuntimeError("too many services in one block")
    gid = b.index * EVENT_ID_SPAN + dec
    prs_ord = np.where(line_kind == 1, 2, 1)
    start = np.datetime64(f"{b.year}-01-01")
    care = start + day[src]
    delay = rng.integers(1, 25, src.size)
    trt = care + delay + np.where(line_kind == 2, rng.integers(20, 90, src.size), 0)
    trt_m = trt.astype("datetime64[M]")
    dis = (trt_m + 1).astype("datetime64[D]")
    p = person[src]
    org = ref.departements()[2][b.dpt[p]]
    serial = np.char.zfill(((p * 7919 + spe[src] * 31 + b.index) % 99999).astype(str), 5)
    pfs = np.char.add(np.char.add(ref.departements()[0][b.dpt[p]],
                                  np.where(kind[src] == 1, "2", "1")), serial)
    m = (care.astype("datetime64[M]").astype(np.int64))
    keys = {
        "DCT_ORD_NUM": gid % 1_000_000_000, "FLX_DIS_DTD": dis,
        "FLX_EMT_NUM": np.ones(src.size, np.int64),
        "FLX_EMT_ORD": gid // 1_000_000_000, "FLX_EMT_TYP": np.ones(src.size, np.int64),
        "FLX_TRT_DTD": trt, "ORG_CLE_NUM": org, "PRS_ORD_NUM": prs_ord,
        "REM_TYP_AFF": np.ones(src.size, np.int64),
    }
    # Info lines share their source's décompte but must carry its flux dates too.
    if info.size:
        pos = n0 + np.arange(info.size)
        for k in ("FLX_DIS_DTD", "FLX_TRT_DTD"):
            keys[k][pos] = keys[k][info]
    exo = np.where(ald[src], 41, 0)
    prs = dict(keys)
    prs.update({
        "BEN_NIR_PSA": psa[p], "BEN_RNG_GEM": b.rank[p], "BEN_SEX_COD": b.sex[p],
        "BEN_NAI_ANN": b.birth[p].astype("datetime64[Y]").astype(np.int64) + 1970,
        "BEN_AMA_COD": _age_code(care, b.birth[p]),
        "BEN_RES_DPT": ref.departements()[0][b.dpt[p]], "BEN_RES_COM": b.com[p],
        "EXE_SOI_DTD": care, "EXE_SOI_DTF": care + los_all[src],
        "EXE_SOI_AMD": _ym(m),
        "PRE_PRE_DTD": np.ma.masked_array(care - rng.integers(0, 30, src.size),
                                          mask=kind[src] != 1),
        "PRS_NAT_REF": nature[src], "PRS_ACT_QTE": qte[src],
        "PRS_PAI_MNT": np.round(fee[src] * amount_factor, 2),
        "BSE_REM_BSE": np.round(fee[src] * amount_factor, 2),
        "BSE_REM_MNT": np.round(paid[src] * amount_factor, 2),
        "DPN_QLF": np.where(line_kind == 1, 71, 0), "PRS_DPN_QLP": np.where(line_kind == 1, 71, 0),
        "PFS_EXE_NUM": pfs,
        "PSE_SPE_COD": spe[src], "EXO_MTF": exo, "_person": p,
    })
    # ER_PHA_F: one row per drug pack of each pharmacy line (cancellations negated).
    pk = packs[src]
    has = pk >= 0
    row, col = np.nonzero(has)
    pha = {k: v[row] for k, v in keys.items()}
    pidx = pk[row, col]
    pha.update({
        "PHA_ORD_NUM": col + 1, "PHA_PRS_C13": d["cip13"][pidx], "PHA_PRS_IDE": d["cip7"][pidx],
        "PHA_ACT_QSN": (qty_box[src][row, col] * sign[row]).astype(np.int64),
        "PHA_ACT_PRU": d["price"][pidx],
    })
    keep = line_kind[row] != 1
    pha = {k: v[keep] for k, v in pha.items()}
    # ER_ETE_F: one row per private-clinic line.
    er = np.flatnonzero(kind[src] == 2)
    ete = {k: v[er] for k, v in keys.items()}
    if er.size:
        fin = private_stays["eta"][src[er] - (n0 - sp.size)]
        ete.update({"ETB_EXE_FIN": np.char.ljust(fin, 8).astype("U8"),
                    "ETE_CAT_COD": np.full(er.size, 365), "ETE_TYP_COD": np.full(er.size, 2),
                    "ETE_GHS_NUM": private_stays["ghs"][src[er] - (n0 - sp.size)],
                    "PRS_PPU_SEC": np.full(er.size, 2)})
    return {"ER_PRS_F": prs, "ER_PHA_F": pha, "ER_ETE_F": ete}
