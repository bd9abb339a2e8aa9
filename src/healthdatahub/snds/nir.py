"""The NIR (French social-security number): parse, validate, compute keys, generate synthetic ones.

A NIR has 15 characters: a 13-character number and a 2-digit key.

========  =====================================================================================
position  rule applied here
========  =====================================================================================
1         sex: 1 man, 2 woman; 3, 4, 7, 8 provisional numbers (odd = man, even = woman)
2-3       last two digits of the birth year, 00-99 (the century is not encoded)
4-5       birth month 01-12; 20-99 when the civil-status record gives no month (INSEE assigns
          such "pseudo-months", 99 meaning unknown); 00 and 13-19 are rejected
6-7       birth département 01-96 (20 for Corsica before 1976; 91-96 also code Algeria,
          Morocco and Tunisia before independence), 2A or 2B (Corsica since 1976);
6-8       or 971-978 / 984-989 for overseas births, a 3-digit département followed by a 2-digit
          commune; or 99 for births abroad, followed by the 3-digit INSEE country code
8-10      commune of birth, INSEE code within the département (3 digits, 2 overseas)
11-13     order number of the birth record in the commune and month, 3 digits
14-15     key = 97 - (number mod 97), computed with 2A -> 19 and 2B -> 18
========  =====================================================================================

Sources: INSEE's RNIPP description relayed by service-public.fr ("Que signifie le numéro de
sécurité sociale ?", F33078) and the CNAM; the key rule is the one used by every French
social-security system. Spaces inside the text are ignored (NIRs are often printed in groups)
and 2a/2b are read as 2A/2B; commune and order accept any digits (000 included).

Only synthetic NIRs are ever generated. ``random_nirs`` and ``nir_keys`` are vectorised for the
synthetic generator: a million NIRs take about a second, with no Python loop over rows.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from healthdatahub.errors import HubError

NIR_LENGTH = 15
SEX_DIGITS = frozenset("123478")
OVERSEAS = frozenset({"971", "972", "973", "974", "975", "976", "977", "978",
                      "984", "985", "986", "987", "988", "989"})
CORSICA = {"2A": "19", "2B": "18"}
_POWERS = 10 ** np.arange(12, -1, -1, dtype=np.int64)
# Births abroad: a few INSEE country codes (Maroc, Algérie, Tunisie, Portugal, Italie, Espagne,
# Allemagne, Belgique, Royaume-Uni, Turquie, Sénégal, Viêt Nam) for synthetic draws.
_COUNTRIES = np.array([350, 352, 351, 139, 127, 134, 109, 131, 132, 208, 341, 243])
_METRO = np.array([d for d in range(1, 96) if d != 20])
_DOM = np.array([971, 972, 973, 974, 976])


class NirError(HubError):
    """A NIR that is malformed or whose key does not match."""


@dataclass(frozen=True)
class Nir:
    """A parsed NIR; ``birth_year`` is the two-digit year as encoded."""

    sex: int
    birth_year: int
    birth_month: int
    departement: str
    commune: str
    order: str
    key: int

    @property
    def number(self) -> str:
        """The 13-character number (2A/2B kept)."""
        return (f"{self.sex}{self.birth_year:02d}{self.birth_month:02d}"
                f"{self.departement}{self.commune}{self.order}")

    @property
    def full(self) -> str:
        """The 15-character NIR."""
        return f"{self.number}{self.key:02d}"

    @property
    def sex_code(self) -> int:
        """The SNDS sex code: 1 man, 2 woman (provisional digits mapped by parity)."""
        return 1 if self.sex % 2 else 2

    @property
    def provisional(self) -> bool:
        """Whether this is a provisional number (sex digit 3, 4, 7 or 8)."""
        return self.sex > 2

    @property
    def month_known(self) -> bool:
        """Whether the month is a real month (01-12) rather than a pseudo-month."""
        return 1 <= self.birth_month <= 12

    @property
    def born_abroad(self) -> bool:
        """Whether the person was born abroad (département 99)."""
        return self.departement == "99"


def _clean(text: Any) -> str:
    """The NIR text without spaces, or a NirError if it is not a string."""
    if not isinstance(text, str):
        raise NirError(f"NIR must be a string, got {type(text).__name__}.")
    return re.sub(r"\s+", "", text).upper()


def nir_key(number13: str) -> int:
    """The key of a 13-character NIR number: 97 - (number mod 97), 2A -> 19 and 2B -> 18."""
    if not isinstance(number13, str) or len(number13) != 13:
        size = len(number13) if isinstance(number13, str) else type(number13).__name__
        raise NirError(f"NIR number must have 13 characters, got {size}.")
    digits = number13[:5] + CORSICA.get(number13[5:7], number13[5:7]) + number13[7:]
    if not digits.isdigit() or not digits.isascii():
        raise NirError(f"NIR number must be 13 digits (2A or 2B allowed), got {number13!r}.")
    return 97 - int(digits) % 97


def _check_characters(text: str) -> None:
    """Raise a NirError at the first character that is not allowed."""
    for index, char in enumerate(text):
        allowed = char.isdigit() and char.isascii()
        if index == 6 and char in "AB" and text[5] == "2":
            allowed = True
        if not allowed:
            raise NirError(
                "NIR must contain only digits (2A or 2B at positions 6-7 for Corsica), "
                f"got {char!r} at position {index + 1}."
            )


def _place(text: str) -> tuple[str, str]:
    """Split positions 6-10 into (département, commune), or raise a NirError."""
    dept = text[5:7]
    if dept in ("97", "98"):
        if text[5:8] not in OVERSEAS:
            raise NirError(
                "NIR overseas département must be 971-978 or 984-989, "
                f"got {text[5:8]!r}."
            )
        return text[5:8], text[8:10]
    if dept in CORSICA or dept == "99" or (dept.isdigit() and 1 <= int(dept) <= 96):
        return dept, text[7:10]
    raise NirError(
        f"NIR département must be 01-96, 2A, 2B, 971-978, 984-989 or 99, got {dept!r}."
    )


def parse_nir(text: str) -> Nir:
    """Parse and validate a 15-character NIR, or raise a NirError saying what is wrong."""
    nir = _clean(text)
    if len(nir) != NIR_LENGTH:
        raise NirError(f"NIR must have 15 characters, got {len(nir)}.")
    _check_characters(nir)
    if nir[0] not in SEX_DIGITS:
        raise NirError(
            "NIR sex digit must be 1 or 2 (or 3, 4, 7, 8 for provisional numbers), "
            f"got {nir[0]!r}."
        )
    month = int(nir[3:5])
    if not (1 <= month <= 12 or month >= 20):
        raise NirError(
            f"NIR birth month must be 01-12, or 20-99 when the month is unknown, got {nir[3:5]!r}."
        )
    departement, commune = _place(nir)
    expected = nir_key(nir[:13])
    if int(nir[13:]) != expected:
        raise NirError(f"NIR key is {nir[13:]} but the number gives {expected:02d}.")
    return Nir(int(nir[0]), int(nir[1:3]), month, departement, commune, nir[10:13], expected)


def is_valid_nir(text: str) -> bool:
    """Whether ``text`` is a valid NIR."""
    try:
        parse_nir(text)
    except NirError:
        return False
    return True


def sex_from_nir(text: str) -> int:
    """The SNDS sex code (1 man, 2 woman) of a valid NIR."""
    return parse_nir(text).sex_code


def birth_from_nir(text: str, reference_year: int | None = None) -> tuple[int, int | None]:
    """(birth year, month or None if unknown) of a valid NIR.

    Without ``reference_year`` the year is the two-digit year as encoded; with it, the latest
    four-digit year not after ``reference_year`` that ends in those two digits.
    """
    nir = parse_nir(text)
    year = nir.birth_year
    if reference_year is not None:
        year = reference_year - (reference_year - year) % 100
    return year, nir.birth_month if nir.month_known else None


def _randint(rng: random.Random | np.random.Generator, low: int, high: int) -> int:
    """A random integer in [low, high] from either kind of generator."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(low, high + 1))
    return rng.randint(low, high)


def _random_departement(rng: random.Random | np.random.Generator) -> str:
    """A birth département: mostly metropolitan, some Corsica, overseas and abroad."""
    draw = _randint(rng, 0, 99)
    if draw < 3:
        return "2A" if draw < 1 else "2B"
    if draw < 5:
        return str(_DOM[_randint(rng, 0, len(_DOM) - 1)])
    if draw < 12:
        return "99"
    return f"{_METRO[_randint(rng, 0, len(_METRO) - 1)]:02d}"


def generate_nir(
    rng: random.Random | np.random.Generator,
    sex: int | None = None,
    birth_year: int | None = None,
    birth_month: int | None = None,
    departement: str | None = None,
    commune: str | int | None = None,
    order: str | int | None = None,
) -> str:
    """A valid synthetic NIR; unspecified parts are drawn from ``rng``.

    ``birth_year`` may be two- or four-digit; ``commune`` is the INSEE code within the
    département (2 digits overseas) or, for département 99, the country code.
    """
    sex = _randint(rng, 1, 2) if sex is None else sex
    year = _randint(rng, 0, 99) if birth_year is None else birth_year % 100
    month = _randint(rng, 1, 12) if birth_month is None else birth_month
    dept = _random_departement(rng) if departement is None else str(departement).upper()
    width = 2 if len(dept) == 3 else 3
    if commune is None:
        if dept == "99":
            commune = int(_COUNTRIES[_randint(rng, 0, len(_COUNTRIES) - 1)])
        else:
            commune = _randint(rng, 1, 10**width - 1)
    commune_text = f"{commune:0{width}d}" if isinstance(commune, int) else commune
    order_value = _randint(rng, 1, 999) if order is None else order
    order_text = f"{order_value:03d}" if isinstance(order_value, int) else order_value
    number = f"{sex}{year:02d}{month:02d}{dept}{commune_text}{order_text}"
    if len(number) != 13:
        raise NirError(f"NIR number must have 13 characters, got {len(number)} from {number!r}.")
    nir = f"{number}{nir_key(number):02d}"
    parse_nir(nir)
    return nir


def nir_keys(numbers: Any) -> np.ndarray:
    """Vectorised NIR keys: an int64 array of keys 1-97, one per input number.

    ``numbers`` is either an integer array of the 13-digit numbers as used for the key (Corsica
    already substituted: 2A -> 19, 2B -> 18), or an array / sequence of 13-character strings,
    which may hold 2A or 2B at positions 6-7. Raises NirError if a string is malformed. No
    Python loop runs over the rows.
    """
    array = np.asarray(numbers)
    if array.dtype.kind in "iu":
        values = array.astype(np.int64)
    else:
        values = _digits_to_int(_as_bytes(array, 13))
    return (97 - values % 97).astype(np.int64)


def _as_bytes(array: np.ndarray, width: int) -> np.ndarray:
    """The strings of ``array`` as an (n, width) uint8 matrix, or a NirError."""
    flat = np.ravel(array)
    lengths = np.char.str_len(flat) if flat.size else np.zeros(0, dtype=int)
    if flat.size and (lengths != width).any():
        bad = int(np.flatnonzero(lengths != width)[0])
        raise NirError(f"NIR number must have {width} characters, got {lengths[bad]} at row {bad}.")
    return flat.astype(f"S{width}").view(np.uint8).reshape(-1, width).copy()


def _digits_to_int(matrix: np.ndarray) -> np.ndarray:
    """13-column ASCII matrices (2A/2B allowed at columns 5-6) as int64 numbers."""
    corsica = (matrix[:, 5] == ord("2")) & np.isin(matrix[:, 6], (ord("A"), ord("B")))
    matrix[corsica, 6] = np.where(matrix[corsica, 6] == ord("A"), ord("9"), ord("8"))
    matrix[corsica, 5] = ord("1")
    digits = matrix.astype(np.int64) - ord("0")
    bad = ((digits < 0) | (digits > 9)).any(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise NirError(f"NIR number must be 13 digits (2A or 2B allowed), bad value at row {row}.")
    return digits @ _POWERS


def nir_strings(sex: Any, birth_year: Any, birth_month: Any, place: Any, order: Any) -> np.ndarray:
    """Vectorised composition of 15-character NIRs (unicode array), keys included.

    ``sex``, ``birth_year`` (two-digit or four-digit), ``birth_month`` and ``order`` are integer
    arrays (or scalars); ``place`` holds 5-character birthplaces: département + commune
    ("75056", "2A004", "97105", or "99" + country code such as "99350"). Values are not
    range-checked beyond what the key computation needs.
    """
    return _compose(sex, birth_year, birth_month, _as_bytes(np.asarray(place), 5), order)


def _digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as an (n, width) matrix of ASCII digits."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + ord("0")).astype(np.uint8)


def _compose(sex: Any, year: Any, month: Any, places: np.ndarray, order: Any) -> np.ndarray:
    """NIRs from integer parts and an (n, 5) ASCII birthplace matrix."""
    n = places.shape[0]

    def column(value: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=np.int64), (n,))

    numeric = (column(sex) * 10**12 + (column(year) % 100) * 10**10
               + column(month) * 10**8 + column(order))
    out = np.empty((n, 15), dtype=np.uint8)
    out[:, :13] = _digit_matrix(numeric, 13)
    out[:, 5:10] = places
    keys = 97 - _digits_to_int(out[:, :13].copy()) % 97
    out[:, 13:] = _digit_matrix(keys, 2)
    return out.view("S15").ravel().astype("U15")


def _random_place_matrix(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 5) ASCII birthplaces: 88 % metropolitan, 3 % Corsica, 2 % overseas, 7 % abroad."""
    draw = rng.integers(0, 100, n)
    code = rng.choice(_METRO, n) * 1000 + rng.integers(1, 900, n)
    code = np.where(draw < 3, 20000 + rng.integers(1, 400, n), code)
    overseas = rng.choice(_DOM, n) * 100 + rng.integers(1, 35, n)
    code = np.where((draw >= 3) & (draw < 5), overseas, code)
    code = np.where((draw >= 5) & (draw < 12), 99000 + rng.choice(_COUNTRIES, n), code)
    matrix = _digit_matrix(code, 5)
    matrix[draw < 3, 1] = np.where(draw[draw < 3] < 1, ord("A"), ord("B"))
    return matrix


def random_places(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` synthetic 5-character birthplaces: metropolitan, Corsica, overseas and abroad."""
    return _random_place_matrix(rng, n).view("S5").ravel().astype("U5")


def random_nirs(
    rng: np.random.Generator,
    n: int,
    sex: Any = None,
    birth_year: Any = None,
    birth_month: Any = None,
    place: Any = None,
) -> np.ndarray:
    """``n`` valid synthetic NIRs (unicode array); given parts are scalars or length-n arrays.

    ``place`` follows ``nir_strings``; drawn parts: sex 1-2, year 00-99, month 01-12, order
    001-999 and birthplaces as ``random_places``.
    """
    sex = rng.integers(1, 3, n) if sex is None else sex
    birth_year = rng.integers(0, 100, n) if birth_year is None else birth_year
    birth_month = rng.integers(1, 13, n) if birth_month is None else birth_month
    if place is None:
        places = _random_place_matrix(rng, n)
    else:
        places = _as_bytes(np.broadcast_to(np.asarray(place), (n,)), 5)
    return _compose(sex, birth_year, birth_month, places, rng.integers(1, 1000, n))
