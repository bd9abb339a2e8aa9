"""The synthetic population of one block: ages, sexes, places, NIRs, names, families, deaths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthdatahub.snds.nir import nir_strings
from healthdatahub.snds.synth import reference as ref

TWIN_RATE = 0.015  # share of children who are the second of a pair of twins (INSEE ~1.6 %)
ADULT_AGE = 18


@dataclass
class Block:
    """One block of beneficiaries as column arrays (one row per person)."""

    index: int
    year: int
    age: np.ndarray
    sex: np.ndarray
    birth: np.ndarray  # datetime64[D]
    dpt: np.ndarray  # index into ref.departements()
    com: np.ndarray  # 3-digit commune code of residence
    birth_place: np.ndarray  # 5-character NIR birthplace (dept + commune, or 99 + country)
    birth_label: np.ndarray  # commune (département) or country label
    nir: np.ndarray  # 15-character NIR
    opener: np.ndarray  # index (in block) of the person whose NIR opens the rights
    rank: np.ndarray  # BEN_RNG_GEM
    death: np.ndarray  # datetime64[D], NaT if alive at the end of the year
    last_name: np.ndarray
    first_names: np.ndarray
    usage_name: np.ndarray  # married name or None

    @property
    def n(self) -> int:
        """The number of people."""
        return int(self.age.size)


class SeenNirs:
    """Set of NIR numbers already issued, as a few sorted arrays (log-structured merging)."""

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Which of ``values`` were already issued."""
        hit = np.zeros(values.size, dtype=bool)
        for run in self._runs:
            pos = np.minimum(np.searchsorted(run, values), run.size - 1)
            hit |= run[pos] == values
        return hit

    def add(self, values: np.ndarray) -> None:
        """Record ``values`` as issued."""
        self._runs.append(np.sort(values))
        while len(self._runs) > 1 and self._runs[-1].size >= self._runs[-2].size:
            top = self._runs.pop()
            self._runs[-1] = np.sort(np.concatenate([self._runs[-1], top]))


def _ages_sexes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ages on 1 January and sexes drawn from the 2023 pyramid."""
    start, men, women = ref.pyramid()
    band = np.searchsorted(np.cumsum(men + women), rng.random(n) * (men + women).sum(),
                           side="right")
    band = np.minimum(band, start.size - 1)
    age = start[band].astype(np.int64) + rng.integers(0, 5, n)
    sex = np.where(rng.random(n) < men[band] / (men[band] + women[band]), 1, 2)
    return age, sex.astype(np.int64)


def _place_prefix(codes: np.ndarray) -> np.ndarray:
    """The 2-character NIR département of SNDS 3-character codes ('075'->'75', '971'->'97')."""
    return np.array([c[1:] if c[0] == "0" else c[:2] for c in codes])


def _communes(rng: np.random.Generator, dpt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A commune (code, label) uniformly within each row's département."""
    starts, counts, com, lib = ref.communes()
    pick = starts[dpt] + (rng.random(dpt.size) * counts[dpt]).astype(np.int64)
    return com[pick], lib[pick]


def _birth_places(rng: np.random.Generator, age: np.ndarray, dpt: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """NIR birthplaces and labels: most born in France (often where they live), some abroad."""
    n = age.size
    codes, weights, _ = ref.departements()
    born_dpt = np.where(rng.random(n) < 0.65, dpt, weights.index(rng, n))
    com, lib = _communes(rng, born_dpt)
    prefix = ref_prefixes()[born_dpt]
    place = np.char.add(prefix, com)
    label = np.char.add(np.char.add(lib.astype(str), " ("), np.char.add(codes[born_dpt], ")"))
    abroad = rng.random(n) < np.where(age >= ADULT_AGE, 0.12, 0.03)
    ccodes, clabels, cweights = ref.countries()
    ci = cweights.index(rng, n)
    place = np.where(abroad, ccodes[ci], place)
    label = np.where(abroad, clabels[ci].astype(str), label)
    return place.astype("U5"), label.astype(object)


_PREFIX_CACHE: list[np.ndarray] = []


def ref_prefixes() -> np.ndarray:
    """NIR 2-character département prefix per département index."""
    if not _PREFIX_CACHE:
        _PREFIX_CACHE.append(_place_prefix(ref.departements()[0]))
    return _PREFIX_CACHE[0]


def _nir_numbers(nir: np.ndarray) -> np.ndarray:
    """NIRs as distinct int64 numbers (Corsica kept apart from départements 18/19)."""
    m = nir.astype("S15").view(np.uint8).reshape(-1, 15)[:, :13].astype(np.int64)
    corsica = m[:, 6] >= ord("A")
    m[:, 6] = np.where(corsica, m[:, 6] - ord("A"), m[:, 6] - ord("0"))
    m[:, :6] -= ord("0")
    m[:, 7:] -= ord("0")
    powers = 10 ** np.arange(12, -1, -1, dtype=np.int64)
    return m @ powers + corsica * 10**13


def _unique_nirs(rng: np.random.Generator, sex: np.ndarray, birth: np.ndarray,
                 place: np.ndarray, seen: SeenNirs) -> np.ndarray:
    """NIRs unique within the block and against all earlier blocks (bumping the order number)."""
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    order = rng.integers(1, 1000, sex.size)
    todo = np.arange(sex.size)
    nir = np.empty(sex.size, dtype="U15")
    while todo.size:
        nir[todo] = nir_strings(sex[todo], year[todo], month[todo], place[todo], order[todo])
        num = _nir_numbers(nir)
        _, first = np.unique(num, return_index=True)
        dup = np.ones(sex.size, dtype=bool)
        dup[first] = False
        dup |= seen.contains(num)
        todo = np.flatnonzero(dup)
        order[todo] = order[todo] % 999 + 1
    seen.add(_nir_numbers(nir))
    return nir


def _openers(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """For each child, an adult of the block 18-45 years older; adults open their own rights."""
    idx = np.arange(age.size)
    adults = np.flatnonzero(age >= ADULT_AGE)
    opener = idx.copy()
    kids = np.flatnonzero(age < ADULT_AGE)
    if adults.size == 0 or kids.size == 0:
        return opener
    order = adults[np.argsort(age[adults], kind="stable")]
    sorted_age = age[order]
    lo = np.searchsorted(sorted_age, age[kids] + 18, side="left")
    hi = np.searchsorted(sorted_age, age[kids] + 45, side="right")
    ok = hi > lo
    pick = lo + (rng.random(kids.size) * np.maximum(hi - lo, 1)).astype(np.int64)
    opener[kids[ok]] = order[np.minimum(pick[ok], order.size - 1)]
    return opener


def _deaths(rng: np.random.Generator, age: np.ndarray, sex: np.ndarray, year: int) -> np.ndarray:
    """Death dates within the year (Gompertz mortality, ~0.9 % a year overall), NaT otherwise."""
    q = np.exp(-9.9 + 0.085 * age) * np.where(sex == 1, 1.25, 0.8)
    q = np.where(age == 0, 0.0035, np.minimum(q, 0.6))
    dies = rng.random(age.size) < q
    start = np.datetime64(f"{year}-01-01")
    days = rng.integers(0, 365, age.size)
    return np.where(dies, start + days, np.datetime64("NaT"))


def _names(rng: np.random.Generator, sex: np.ndarray, birth_year: np.ndarray, age: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(birth surname, first names, married name or None), with realistic frequencies."""
    n = sex.size
    last = ref.surnames().draw(rng, n)
    group = ref.name_group(sex, birth_year)
    firsts = ref.first_names()
    first = firsts.draw(rng, group).astype(str)
    count = np.searchsorted([0.45, 0.85], rng.random(n), side="right")  # 1, 2 or 3 names
    for k in (1, 2):
        more = firsts.draw(rng, group).astype(str)
        first = np.where(count >= k, np.char.add(np.char.add(first, " "), more), first)
    married = (sex == 2) & (rng.random(n) < np.clip((age - 22) / 20, 0, 0.6))
    usage = np.where(married, ref.surnames().draw(rng, n), None)
    return last, first.astype(object), usage


def make_block(index: int, n: int, seed: int, year: int, seen: SeenNirs) -> Block:
    """Generate the people of block ``index`` (deterministic in seed and index)."""
    rng = np.random.default_rng([seed, index, 1])
    age, sex = _ages_sexes(rng, n)
    start = np.datetime64(f"{year}-01-01")
    birth = start - (age * 365.25 + rng.random(n) * 365.25).astype(np.int64) - 1
    birth = birth.astype("datetime64[D]")
    age = ((start - birth).astype(np.int64) / 365.25).astype(np.int64)
    _, weights, _ = ref.departements()
    dpt = weights.index(rng, n)
    com, _ = _communes(rng, dpt)
    place, label = _birth_places(rng, age, dpt)
    opener = _openers(rng, age)
    rank = np.ones(n, dtype=np.int64)
    kids = np.flatnonzero(age < ADULT_AGE)
    if kids.size > 1:
        twin = np.zeros(kids.size, dtype=bool)
        twin[1:] = rng.random(kids.size - 1) < TWIN_RATE
        twin[1:] &= ~twin[:-1]
        second, first = kids[twin], kids[np.flatnonzero(twin) - 1]
        for arr in (age, birth, dpt, com, place, label, opener):
            arr[second] = arr[first]
        same = rng.random(second.size) < 0.6
        sex[second] = np.where(same, sex[first], 3 - sex[first])
        rank[second] = 2
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    last, first_names, usage = _names(rng, sex, birth_year, age)
    if kids.size > 1:
        last[second] = last[first]
    # Children carry the surname of the parent who opens their rights.
    child = opener != np.arange(n)
    last[child] = last[opener[child]]
    nir = _unique_nirs(rng, sex, birth, place, seen)
    death = _deaths(rng, age, sex, year)
    return Block(index, year, age, sex, birth, dpt, com, place, label, nir, opener, rank, death,
                 last, first_names, usage)
