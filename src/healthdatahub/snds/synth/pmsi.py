"""PMSI MCO stays of one block: T_MCOaaB (stays), C (patient link), D (associated diagnoses), A (CCAM)."""

from __future__ import annotations

import numpy as np

from healthdatahub.snds.synth.conditions import INDEX
from healthdatahub.snds.synth.population import Block

# name, DP codes, acts, GHM, GHS, LOS mean (0 = ambulatory), min age, max age, sex (0 both),
# base weight of the profile among "general" stays.
PROFILES: tuple[tuple, ...] = (
    ("cataracte", ("H259", "H251"), ("BFGA427",), "02C05J", 1800, 0, 55, 110, 0, 9.0),
    ("prothese_hanche", ("M161", "M169"), ("NEKA020",), "08C48", 4205, 5, 55, 110, 0, 2.5),
    ("prothese_genou", ("M171", "M179"), ("NFKA007",), "08C24", 4112, 5, 55, 110, 0, 2.2),
    ("fracture_col", ("S7200", "S7210"), ("NBCA010", "ZZLP025"), "08C47", 4200, 10, 70, 110, 0,
     2.0),
    ("appendicite", ("K358", "K359"), ("HHFA016",), "06C09", 2601, 2, 5, 60, 0, 1.5),
    ("cholecystectomie", ("K802", "K801"), ("HMFC004",), "07C14", 3021, 2, 25, 90, 0, 2.5),
    ("coloscopie", ("D126", "K635", "K573"), ("HHQE002", "HHFE002"), "06K04J", 2750, 0, 45,
     90, 0, 7.0),
    ("gastroscopie", ("K297", "K219"), ("HEQE002",), "06K02Z", 2735, 0, 18, 95, 0, 4.0),
    ("pneumonie", ("J189", "J159"), ("ZBQK002",), "04M05", 1912, 6, 0, 110, 0, 3.0),
    ("bpco", ("J441",), ("ZBQK001",), "04M08", 1942, 7, 45, 110, 0, 1.2),
    ("avc", ("I639", "I634"), ("ACQN001",), "01M30", 1203, 9, 45, 110, 0, 1.8),
    ("syncope", ("R55",), ("DEQP003",), "05M15", 2212, 1, 18, 110, 0, 2.0),
    ("bronchiolite", ("J219",), (), "04M18", 1950, 3, 0, 1, 0, 1.0),
    ("prostate", ("N40",), ("JGFE023",), "12C11", 4713, 3, 55, 110, 1, 1.5),
    ("hysterectomie", ("D259",), ("JKFA015",), "13C03", 5004, 4, 35, 70, 2, 1.0),
    ("accouchement", ("O800", "O700"), ("JQGD012",), "14Z14A", 5401, 3, 0, 0, 2, 0.0),
    ("cesarienne", ("O820",), ("JQGA002",), "14C08A", 5311, 5, 0, 0, 2, 0.0),
    ("insuffisance_cardiaque", ("I500", "I501"), ("DZQM006", "DEQP003"), "05M09", 2345, 8, 0, 0,
     0, 0.0),
    ("angioplastie", ("I214", "I200"), ("DDQH009", "DDAF008"), "05K06", 2138, 3, 0, 0, 0, 0.0),
    ("diabete", ("E1150", "E116", "E1110"), (), "10M02", 3617, 4, 0, 0, 0, 0.0),
    ("chimiotherapie", ("Z511",), (), "28Z07Z", 9605, 0, 0, 0, 0, 0.0),
    ("dialyse", ("Z491",), ("JVJF004",), "28Z04Z", 9617, 0, 0, 0, 0, 0.0),
)
P = {p[0]: i for i, p in enumerate(PROFILES)}
_GENERAL = np.array([p[9] for p in PROFILES])
_DAS_POOL = np.array(["I10", "E119", "E785", "E669", "F171", "Z921", "N390", "E86", "D649",
                      "I480", "J449", "E039", "Z8671", "K219", "F329", "R391"])


def _births(rng: np.random.Generator, b: Block) -> np.ndarray:
    """Women who give birth this year (fertility by age, ~1.7 children per woman)."""
    a = b.age
    fert = np.where((b.sex == 2) & (a >= 16) & (a <= 45), 0.115 * np.exp(-((a - 31) / 5.5) ** 2),
                    0.0)
    return rng.random(b.n) < fert


def _repeat(idx: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each element of ``idx`` repeated ``counts`` times."""
    return np.repeat(idx, counts)


def stays(rng: np.random.Generator, b: Block, cond: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The stays of the block as arrays: person, profile, entry day, length, DP, DR."""
    has = cond["has"]
    person, profile, day0 = [], [], []
    # General stays: rate rising with age, profile chosen among the eligible ones.
    lam = 0.03 + 0.002 * b.age + 0.02 * has.sum(axis=1)
    k = rng.poisson(lam)
    who = _repeat(np.arange(b.n), k)
    w = np.broadcast_to(_GENERAL, (who.size, _GENERAL.size)).copy()
    lo, hi = np.array([p[6] for p in PROFILES]), np.array([p[7] for p in PROFILES])
    sx = np.array([p[8] for p in PROFILES])
    ok = (b.age[who, None] >= lo) & (b.age[who, None] <= hi)
    ok &= (sx == 0) | (sx == b.sex[who, None])
    w = np.where(ok, w, 0.0)
    cw = np.cumsum(w, axis=1)
    pick = (cw < rng.random(who.size)[:, None] * cw[:, -1:]).sum(axis=1)
    keep = cw[:, -1] > 0
    person.append(who[keep])
    profile.append(pick[keep])
    # Condition-driven stays.
    births = np.flatnonzero(_births(rng, b))
    person.append(births)
    profile.append(np.where(rng.random(births.size) < 0.2, P["cesarienne"], P["accouchement"]))
    for cname, pname, rate in (("insuffisance_cardiaque", "insuffisance_cardiaque", 0.45),
                               ("coronaropathie", "angioplastie", 0.12),
                               ("diabete_t2", "diabete", 0.05)):
        ids = np.flatnonzero(has[:, INDEX[cname]])
        n_st = rng.poisson(rate, ids.size)
        person.append(_repeat(ids, n_st))
        profile.append(np.full(int(n_st.sum()), P[pname]))
    day0 = [rng.integers(0, 365, sum(x.size for x in person))]
    # Sessions: chemotherapy for a third of cancer patients, dialysis three times a week.
    for cname, pname, count in (("cancer", "chimiotherapie", 8), ("irc_dialyse", "dialyse", 150)):
        ids = np.flatnonzero(has[:, INDEX[cname]])
        if cname == "cancer":
            ids = ids[rng.random(ids.size) < 0.33]
        n_st = np.full(ids.size, count)
        pid = _repeat(ids, n_st)
        start = _repeat(rng.integers(0, 365 // count, ids.size), n_st)
        within = np.arange(pid.size) - _repeat(np.cumsum(n_st) - n_st, n_st)
        person.append(pid)
        profile.append(np.full(pid.size, P[pname]))
        day0.append(start + (within * 365) // count)
    person_a = np.concatenate(person).astype(np.int64)
    prof = np.concatenate(profile).astype(np.int64)
    day = np.concatenate(day0).astype(np.int64)
    mean = np.array([p[5] for p in PROFILES])[prof]
    los = np.where(mean > 0, 1 + rng.poisson(np.maximum(mean - 1, 0)), 0)
    day = np.minimum(day, 364 - los)
    death_day = (b.death - np.datetime64(f"{b.year}-01-01")).astype(np.int64)
    death_day = np.where(np.isnat(b.death), 10**9, death_day)
    dd = death_day[person_a]
    alive = day <= dd
    person_a, prof, day, los = person_a[alive], prof[alive], day[alive], los[alive]
    los = np.where(day + los > dd[alive], np.maximum(dd[alive] - day, 0), los).astype(np.int64)
    dies = (day + los == dd[alive])
    order = np.lexsort((day, person_a))
    out = {"person": person_a[order], "profile": prof[order], "day": day[order],
           "los": los[order], "dies": dies[order]}
    dp_opts = [p[1] for p in PROFILES]
    r = rng.random(out["person"].size)
    out["dp"] = _pick_codes(dp_opts, out["profile"], r).astype("U6")
    cancer_code = cond["code"][:, INDEX["cancer"]][out["person"]]
    out["dr"] = np.where(out["profile"] == P["chimiotherapie"], cancer_code, "")
    return out


def _pick_codes(options: list[tuple[str, ...]], profile: np.ndarray, r: np.ndarray) -> np.ndarray:
    """A code from each row's profile options (vectorised through a padded matrix)."""
    width = max(len(o) for o in options)
    mat = np.array([list(o) + [o[0]] * (width - len(o)) for o in options])
    counts = np.array([len(o) for o in options])
    col = np.minimum((r * counts[profile]).astype(int), counts[profile] - 1)
    return mat[profile, col]
