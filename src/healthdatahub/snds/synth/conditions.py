"""Chronic conditions: who has them (by age and sex), their ALD and their drug regimens.

Prevalence is logistic in age, ``pmax / (1 + exp(-(age - mid) / scale))``, times a sex factor,
tuned so the adult rates are close to the published French figures (Santé publique France /
CNAM cartographie des pathologies): treated type 2 diabetes ~5.5 % of adults, treated
hypertension ~20 %, statins ~13 %, long-term conditions (ALD) ~17 % of the population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthdatahub.snds.synth import reference as ref


@dataclass(frozen=True)
class Condition:
    """A chronic condition of the synthetic world."""

    name: str
    pmax: float
    mid: float
    scale: float
    men: float
    women: float
    cim10: tuple[str, ...]  # first code is the most frequent
    ald: int  # 0: no ALD
    ald_share: float  # share of the patients with an ALD
    atc: tuple[str, ...]  # drug classes of the regimen
    max_drugs: int
    stays: float  # yearly hospital stays per patient due to the condition
    min_age: int = 18


CONDITIONS: tuple[Condition, ...] = (
    Condition("diabete_t2", 0.175, 63, 8.5, 1.25, 0.78, ("E119", "E112", "E113", "E114", "E115"),
              8, 0.78, ("A10B", "A10A"), 3, 0.06),
    Condition("hta", 0.62, 64, 9.0, 1.1, 0.92, ("I10",), 0, 0.0,
              ("C09", "C08", "C07", "C03"), 2, 0.01),
    Condition("dyslipidemie", 0.36, 62, 8.0, 1.2, 0.85, ("E785",), 0, 0.0, ("C10",), 1, 0.0),
    Condition("coronaropathie", 0.16, 76, 8.0, 1.7, 0.55, ("I251", "I209"), 13, 0.8,
              ("B01AC", "C07", "C10"), 3, 0.15),
    Condition("insuffisance_cardiaque", 0.14, 84, 6.0, 1.2, 0.9, ("I500", "I509"), 5, 0.85,
              ("C03CA", "C07", "B01AF"), 3, 0.45),
    Condition("cancer", 0.13, 71, 10.0, 1.15, 0.9, ("C509", "C61", "C189", "C349", "C679"),
              30, 0.95, ("N02", "A02BC"), 1, 1.0),
    Condition("bpco_asthme", 0.09, 55, 18.0, 1.1, 0.95, ("J449", "J459"), 14, 0.2,
              ("R03",), 1, 0.08, 5),
    Condition("depression", 0.07, 30, 10.0, 0.6, 1.4, ("F329", "F331", "F209"), 23, 0.25,
              ("N06A", "N05B"), 1, 0.03),
    Condition("alzheimer", 0.22, 88, 4.0, 0.8, 1.15, ("G309", "F009"), 15, 0.8, ("N06DA",),
              1, 0.2),
    Condition("hypothyroidie", 0.06, 55, 12.0, 0.35, 1.6, ("E039",), 0, 0.0, ("H03",), 1, 0.0),
    Condition("irc_dialyse", 0.0025, 66, 10.0, 1.4, 0.7, ("N185",), 19, 1.0, ("B03", "C09"),
              1, 0.0),
)

INDEX = {c.name: i for i, c in enumerate(CONDITIONS)}


def prevalence(cond: Condition, age: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """The probability of having ``cond`` at each (age, sex)."""
    p = cond.pmax / (1.0 + np.exp(-(age - cond.mid) / cond.scale))
    p = p * np.where(sex == 1, cond.men, cond.women)
    return np.where(age >= cond.min_age, np.minimum(p, 0.95), 0.0)


def assign(rng: np.random.Generator, age: np.ndarray, sex: np.ndarray) -> dict[str, np.ndarray]:
    """Condition flags, ALD flags, diagnosis codes and ALD start dates, one column per person.

    Returns ``has`` and ``ald`` (n × K booleans), ``code`` (n × K CIM-10 codes) and ``since``
    (n × K days before 1 January the ALD started).
    """
    n, k = age.size, len(CONDITIONS)
    has = np.zeros((n, k), dtype=bool)
    ald = np.zeros((n, k), dtype=bool)
    code = np.empty((n, k), dtype="U5")
    for j, c in enumerate(CONDITIONS):
        has[:, j] = rng.random(n) < prevalence(c, age, sex)
        ald[:, j] = has[:, j] & (rng.random(n) < c.ald_share) & (c.ald > 0)
        pick = np.minimum((rng.random(n) ** 2.2 * len(c.cim10)).astype(int), len(c.cim10) - 1)
        codes = np.array(c.cim10)[pick]
        if c.name == "cancer":  # breast for women, prostate for men
            codes = np.where((codes == "C509") & (sex == 1), "C61", codes)
            codes = np.where((codes == "C61") & (sex == 2), "C509", codes)
        code[:, j] = codes
    since = (rng.random((n, k)) * np.minimum(age[:, None] - 17, 20).clip(1) * 365).astype(int)
    return {"has": has, "ald": ald, "code": code, "since": since}


def regimen_packs(rng: np.random.Generator, cond: Condition, n: int, large: np.ndarray
                  ) -> np.ndarray:
    """For ``n`` patients, an (n, max_drugs) matrix of drug-pack indices (-1: none)."""
    out = np.full((n, cond.max_drugs), -1, dtype=np.int64)
    ndrugs = 1 + sum((rng.random(n) < 0.45 / (j + 1)) for j in range(cond.max_drugs - 1))
    for j in range(cond.max_drugs):
        atc = cond.atc[min(j, len(cond.atc) - 1)] if j else cond.atc[0]
        big = ref.packs_for((atc,), True)
        small = ref.packs_for((atc,), False)
        if j == 0 and cond.name == "diabete_t2":  # metformin first line for most
            big, small = ref.packs_for(("A10BA",), True), ref.packs_for(("A10BA",), False)
        if j > 0 and cond.name == "diabete_t2":
            big, small = ref.packs_for(cond.atc, True), ref.packs_for(cond.atc, False)
        if big.size == 0:
            big = small
        pick_big = big[(rng.random(n) * big.size).astype(int)]
        pick_small = small[(rng.random(n) * small.size).astype(int)] if small.size else pick_big
        out[:, j] = np.where(ndrugs > j, np.where(large, pick_big, pick_small), -1)
    return out
