"""NIR parsing, keys and synthetic generation (only synthetic numbers here)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthdatahub.errors import HubError
from healthdatahub.snds.nir import (
    Nir,
    NirError,
    birth_from_nir,
    generate_nir,
    is_valid_nir,
    nir_key,
    nir_keys,
    nir_strings,
    parse_nir,
    random_nirs,
    random_places,
    sex_from_nir,
)

TEXTBOOK = "255081416802538"  # the example printed in French references, key 38
METRO = [f"{d:02d}" for d in range(1, 97)]
OVERSEAS = ["971", "972", "973", "974", "975", "976", "977", "978",
            "984", "985", "986", "987", "988", "989"]
DIGITS = "NIR must contain only digits (2A or 2B at positions 6-7 for Corsica), got "
SEX = "NIR sex digit must be 1 or 2 (or 3, 4, 7, 8 for provisional numbers), got "
MONTH = "NIR birth month must be 01-12, or 20-99 when the month is unknown, got "
DEPT = "NIR département must be 01-96, 2A, 2B, 971-978, 984-989 or 99, got "
DEPARTEMENTS = METRO + ["2A", "2B", "99"] + OVERSEAS


@st.composite
def nir_parts(draw: st.DrawFn) -> dict:
    """Valid parts of a NIR."""
    dept = draw(st.sampled_from(DEPARTEMENTS))
    width = 2 if len(dept) == 3 else 3
    return {
        "sex": draw(st.sampled_from([1, 2, 3, 4, 7, 8])),
        "birth_year": draw(st.integers(0, 99)),
        "birth_month": draw(st.one_of(st.integers(1, 12), st.integers(20, 99))),
        "departement": dept,
        "commune": f"{draw(st.integers(0, 10**width - 1)):0{width}d}",
        "order": f"{draw(st.integers(0, 999)):03d}",
    }


@given(nir_parts(), st.integers(0, 2**32))
def test_generate_then_parse_round_trips(parts: dict, seed: int) -> None:
    text = generate_nir(random.Random(seed), **parts)
    nir = parse_nir(text)
    assert len(text) == 15 and nir.full == text and nir.number == text[:13]
    assert (nir.sex, nir.birth_year, nir.birth_month) == (
        parts["sex"], parts["birth_year"], parts["birth_month"])
    assert (nir.departement, nir.commune, nir.order) == (
        parts["departement"], parts["commune"], parts["order"])
    assert nir.key == nir_key(text[:13]) == int(text[13:])
    assert is_valid_nir(text)


@given(st.integers(0, 2**32), st.booleans())
def test_generate_draws_valid_nirs(seed: int, numpy_rng: bool) -> None:
    rng = np.random.default_rng(seed) if numpy_rng else random.Random(seed)
    assert is_valid_nir(generate_nir(rng))


@given(nir_parts(), st.integers(0, 14), st.integers(1, 9))
def test_any_single_digit_change_is_detected(parts: dict, position: int, shift: int) -> None:
    text = generate_nir(random.Random(0), **parts)
    if not text[position].isdigit():
        return
    changed = str((int(text[position]) + shift) % 10)
    altered = text[:position] + changed + text[position + 1:]
    assert not is_valid_nir(altered)


@given(nir_parts(), st.integers(0, 11))
def test_adjacent_transpositions_are_detected(parts: dict, position: int) -> None:
    text = generate_nir(random.Random(0), **parts)
    a, b = text[position], text[position + 1]
    if a == b or not (a.isdigit() and b.isdigit()):
        return
    swapped = text[:position] + b + a + text[position + 2:]
    assert not is_valid_nir(swapped)


def test_textbook_examples() -> None:
    assert nir_key("2550814168025") == 38
    assert parse_nir(TEXTBOOK) == Nir(2, 55, 8, "14", "168", "025", 38)
    assert parse_nir("2 55 08 14 168 025 38").full == TEXTBOOK
    assert nir_key("1850578006084") == 91 == 97 - 1850578006084 % 97
    assert is_valid_nir("185057800608491")


def test_corsica_substitution() -> None:
    assert nir_key("178112A123456") == 97 - 1781119123456 % 97 == 84
    assert nir_key("178112B123456") == 97 - 1781118123456 % 97 == 14
    nir = parse_nir("178112A12345684")
    assert (nir.departement, nir.commune, nir.order) == ("2A", "123", "456")
    assert parse_nir("178112b12345614").departement == "2B"
    assert not is_valid_nir("178112A12345614")
    assert is_valid_nir("178112012345614") is False  # "20" with the 2B key
    assert is_valid_nir(f"1781120123456{nir_key('1781120123456'):02d}")  # Corsica before 1976


def test_overseas_and_abroad() -> None:
    overseas = parse_nir(generate_nir(random.Random(1), departement="971", commune="05"))
    assert (overseas.departement, overseas.commune) == ("971", "05")
    abroad = parse_nir(generate_nir(random.Random(1), departement="99", commune="350"))
    assert abroad.born_abroad and abroad.commune == "350"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1850578006084", "NIR must have 15 characters, got 13."),
        ("1850578006084911", "NIR must have 15 characters, got 16."),
        (185057800608491, "NIR must be a string, got int."),
        ("18505780060X491", DIGITS + "'X' at position 12."),
        ("1850A7800608491", DIGITS + "'A' at position 5."),
        ("585057800608491", SEX + "'5'."),
        ("085057800608491", SEX + "'0'."),
        ("185137800608491", MONTH + "'13'."),
        ("185007800608491", MONTH + "'00'."),
        ("185050000608491", DEPT + "'00'."),
        ("185059790608491", "NIR overseas département must be 971-978 or 984-989, got '979'."),
        ("185057800608442", "NIR key is 42 but the number gives 91."),
        ("185057800608400", "NIR key is 00 but the number gives 91."),
    ],
)
def test_error_messages(text: object, message: str) -> None:
    with pytest.raises(NirError) as info:
        parse_nir(text)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert isinstance(info.value, HubError)


def test_nir_key_errors() -> None:
    with pytest.raises(NirError, match=r"^NIR number must have 13 characters, got 12\.$"):
        nir_key("185057800608")
    with pytest.raises(NirError, match="13 digits"):
        nir_key("18505780060X4")


def test_month_rules_and_helpers() -> None:
    unknown = generate_nir(random.Random(2), sex=1, birth_year=1938, birth_month=99)
    assert birth_from_nir(unknown) == (38, None)
    assert birth_from_nir(unknown, reference_year=2024) == (1938, None)
    assert birth_from_nir(TEXTBOOK, reference_year=2024) == (1955, 8)
    assert birth_from_nir(generate_nir(random.Random(3), birth_year=24), 2024)[0] == 2024
    assert birth_from_nir(generate_nir(random.Random(3), birth_year=25), 2024)[0] == 1925
    assert sex_from_nir(TEXTBOOK) == 2
    assert sex_from_nir(generate_nir(random.Random(4), sex=7)) == 1
    provisional = parse_nir(generate_nir(random.Random(4), sex=8))
    assert provisional.provisional and provisional.sex_code == 2
    assert parse_nir(unknown).month_known is False


@given(st.lists(nir_parts(), min_size=1, max_size=30))
def test_vectorised_keys_match_scalar_keys(parts: list[dict]) -> None:
    texts = [generate_nir(random.Random(0), **p) for p in parts]
    numbers = np.array([t[:13] for t in texts])
    expected = np.array([int(t[13:]) for t in texts])
    assert np.array_equal(nir_keys(numbers), expected)
    numeric = np.array([int(t[:13].replace("2A", "19").replace("2B", "18")) for t in texts])
    assert np.array_equal(nir_keys(numeric), expected)
    assert nir_keys(numbers).dtype == np.int64


@settings(max_examples=25)
@given(st.integers(0, 2**32), st.integers(1, 400))
def test_random_nirs_are_valid(seed: int, n: int) -> None:
    nirs = random_nirs(np.random.default_rng(seed), n)
    assert nirs.shape == (n,) and nirs.dtype == np.dtype("U15")
    assert all(is_valid_nir(str(text)) for text in nirs)


def test_random_nirs_fixed_parts_and_places() -> None:
    rng = np.random.default_rng(7)
    nirs = random_nirs(rng, 50, sex=2, birth_year=np.full(50, 1980), birth_month=3, place="2B033")
    parsed = [parse_nir(str(text)) for text in nirs]
    assert {(p.sex, p.birth_year, p.birth_month, p.departement, p.commune) for p in parsed} == {
        (2, 80, 3, "2B", "033")}
    places = random_places(rng, 20_000)
    assert {"2A", "2B", "99"} <= {p[:2] for p in places}
    assert any(p[:3] in OVERSEAS for p in places)


def test_nir_strings_and_bad_input() -> None:
    out = nir_strings([1, 2], [55, 1956], [8, 99], ["14168", "97105"], [25, 7])
    assert [parse_nir(str(t)).full for t in out] == [str(t) for t in out]
    assert str(out[0]) == f"1550814168025{97 - 1550814168025 % 97:02d}" and is_valid_nir(str(out[0]))
    with pytest.raises(NirError, match="must have 13 characters, got 12 at row 1"):
        nir_keys(["2550814168025", "255081416802"])
    with pytest.raises(NirError, match="bad value at row 0"):
        nir_keys(["25508141680X5"])


def test_million_nirs_without_python_loop() -> None:
    nirs = random_nirs(np.random.default_rng(0), 1_000_000)
    keys = nirs.astype("U13")
    assert np.array_equal(nir_keys(keys), np.char.ljust(nirs, 15).astype("U15").view("U1")
                          .reshape(-1, 15)[:, 13:].astype(np.int64) @ np.array([10, 1]))
