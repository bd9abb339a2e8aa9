"""Reference data for the generator, turned into numpy arrays once (from the nomenclatures)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from healthdatahub.snds.nomenclatures import load


@dataclass(frozen=True)
class Weighted:
    """Values with a cumulative distribution, for vectorised draws by searchsorted."""

    values: np.ndarray
    cum: np.ndarray

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` values drawn with the stored weights."""
        return self.values[self.index(rng, n)]

    def index(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` indices drawn with the stored weights."""
        return np.searchsorted(self.cum, rng.random(n) * self.cum[-1], side="right")


@dataclass(frozen=True)
class Grouped:
    """Per-group weighted values in one array: group g occupies cum in (g, g+1]."""

    values: np.ndarray
    cum: np.ndarray

    def draw(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """One value per row, drawn within each row's group."""
        idx = np.searchsorted(self.cum, group + rng.random(group.size), side="right")
        return self.values[np.minimum(idx, self.values.size - 1)]


def _weighted(values: np.ndarray, weights: np.ndarray) -> Weighted:
    return Weighted(values, np.cumsum(weights.astype(np.float64)))


@cache
def pyramid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(age band starts, men, women) of the France 2023 pyramid."""
    t = load("pyramide_2023")
    return (t["AGE_MIN"].to_numpy(), t["HOMMES"].to_numpy().astype(float),
            t["FEMMES"].to_numpy().astype(float))


@cache
def departements() -> tuple[np.ndarray, Weighted, np.ndarray]:
    """(codes, population-weighted draw of an index, CPAM organisation codes)."""
    t = load("departements")
    codes = np.array(t["DPT_COD"].to_pylist())
    pop = t["POPULATION_2021"].to_numpy()
    return codes, _weighted(np.arange(codes.size), pop), np.array(t["ORG_CPAM"].to_pylist())


@cache
def communes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(start offset per département index, count per département, commune codes, labels)."""
    codes = departements()[0]
    t = load("communes")
    dpt = np.array(t["DPT_COD"].to_pylist())
    order = {c: i for i, c in enumerate(codes)}
    di = np.array([order.get(d, -1) for d in dpt])
    keep = di >= 0
    di, com = di[keep], np.array(t["COM_COD"].to_pylist())[keep]
    lib = np.array(t["LIBELLE"].to_pylist(), dtype=object)[keep]
    sort = np.argsort(di, kind="stable")
    di, com, lib = di[sort], com[sort], lib[sort]
    counts = np.bincount(di, minlength=codes.size)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return starts, counts, com, lib


@cache
def countries() -> tuple[np.ndarray, np.ndarray, Weighted]:
    """(INSEE 99xxx codes, labels, weighted index draw)."""
    t = load("pays")
    codes = np.array(t["PAYS_COD"].to_pylist())
    return codes, np.array(t["LIBELLE"].to_pylist(), dtype=object), _weighted(
        np.arange(codes.size), t["POIDS"].to_numpy())


@cache
def surnames() -> Weighted:
    """Surnames with their Zipf–Mandelbrot weights."""
    t = load("noms")
    return _weighted(np.array(t["NOM"].to_pylist(), dtype=object), t["POIDS"].to_numpy())


DECADES = np.arange(1900, 2011, 10)


@cache
def first_names() -> Grouped:
    """First names grouped by (sex - 1) * len(DECADES) + decade index."""
    t = load("prenoms")
    sex = t["SEXE"].to_numpy().astype(np.int64)
    dec = (t["DECENNIE"].to_numpy().astype(np.int64) - DECADES[0]) // 10
    group = (sex - 1) * DECADES.size + dec
    w = t["POIDS"].to_numpy().astype(np.float64)
    order = np.lexsort((np.arange(group.size), group))
    group, w = group[order], w[order]
    names = np.array(t["PRENOM"].to_pylist(), dtype=object)[order]
    tot = np.bincount(group, weights=w)
    within = np.cumsum(w) - np.concatenate([[0.0], np.cumsum(tot)])[group]
    return Grouped(names, group + within / tot[group])


def name_group(sex: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """The first-name group of each person (sex 1/2, birth year clipped to 1900-2019)."""
    dec = np.clip((birth_year - DECADES[0]) // 10, 0, DECADES.size - 1)
    return (sex.astype(np.int64) - 1) * DECADES.size + dec


@cache
def drugs() -> dict[str, np.ndarray]:
    """The drug packs as arrays: CIP13 (int), CIP7 (int), ATC, large-pack flag, days, price."""
    t = load("medicaments")
    return {
        "cip13": np.array(t["CIP13"].to_pylist(), dtype=np.int64),
        "cip7": np.array(t["CIP7"].to_pylist(), dtype=np.int64),
        "atc": np.array(t["ATC"].to_pylist()),
        "large": t["GRAND_COND"].to_numpy().astype(bool),
        "days": t["JOURS"].to_numpy().astype(np.int64),
        "price": t["PRIX"].to_numpy(),
    }


def packs_for(prefixes: tuple[str, ...], large: bool | None = None) -> np.ndarray:
    """Indices of the drug packs whose ATC starts with one of ``prefixes``."""
    d = drugs()
    hit = np.zeros(d["atc"].size, dtype=bool)
    for p in prefixes:
        hit |= np.char.startswith(d["atc"], p)
    if large is not None:
        hit &= d["large"] == large
    return np.flatnonzero(hit)


@cache
def cim10_labels() -> dict[str, str]:
    """CIM-10 code -> French label (for causes of death)."""
    t = load("cim10")
    return dict(zip(t["CIM_COD"].to_pylist(), t["LIBELLE"].to_pylist()))


@cache
def finess() -> np.ndarray:
    """Five synthetic 9-character FINESS numbers per département index (row = département)."""
    codes = departements()[0]
    prefix = np.array([c[1:] if c[0] == "0" else c[:2] for c in codes])
    tail = np.array([c[2] if c[0] == "9" else "0" for c in codes])
    out = np.empty((codes.size, 5), dtype="U9")
    for j in range(5):
        out[:, j] = np.char.add(np.char.add(prefix, tail), f"{j * 137 + 11:06d}")
    return out
