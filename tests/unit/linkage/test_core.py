"""Pseudonymisation, vault, formats, checks and normalisation of the concentrateur."""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pytest

from healthdatahub.config import load_settings
from healthdatahub.errors import HubError
from healthdatahub.linkage import checks, formats, normalise, pseudonymise, vault
from healthdatahub.linkage.keys import key_id, read_key
from healthdatahub.linkage.sql import connect, q
from healthdatahub.snds.nir import is_valid_nir, random_nirs

NIR = "152073702541110"
RECON = "Id_acc;Nom;Prénom;Date naissance;Sexe\n"
DIRECT = "Id_acc;NIR ouvrant droit;Sexe bénéficiaire;Date naissance bénéficiaire;NIR bénéficiaire\n"


@pytest.fixture
def settings(tmp_path):
    return load_settings(data_dir=tmp_path / "data")


def test_pseudonyms_in_sql_match_the_reference_function_and_differ_by_project():
    secret = os.urandom(32)
    con = connect(load_settings())
    pseudonymise.install(con, secret, "p1")
    nat, proj = q(con, "SELECT hdh_national(?), hdh_project(hdh_national(?))", [NIR, NIR])[0]
    assert nat == pseudonymise.national_pseudonym(secret, NIR)
    assert proj == pseudonymise.project_pseudonym(secret, "p1", nat)
    assert proj != pseudonymise.project_pseudonym(secret, "p2", nat)
    assert len(nat) == len(proj) == 64 and NIR not in nat + proj


def test_bulk_pseudonyms_are_byte_identical_to_the_documented_hmac():
    secret = os.urandom(32)
    nirs = [str(n) for n in random_nirs(np.random.default_rng(3), 2000)]
    con = connect(load_settings())
    pseudonymise.install(con, secret, "p1")
    con.register("n", pa.table({"nir": nirs}))
    got = q(con, "SELECT nir, hdh_national(nir), hdh_project(hdh_national(nir)) FROM n")
    assert len(got) == len(nirs)
    for nir, nat, proj in got:
        assert nat == pseudonymise.national_pseudonym(secret, nir)
        assert proj == pseudonymise.project_pseudonym(secret, "p1", nat)


def test_vault_seals_opens_detects_tampering_and_forgets(settings):
    plain = (RECON + "A1;Dupont;Jean;01/02/1980;1\n").encode()
    sealed = vault.seal(settings, "u1", plain)
    blob = sealed.path.read_bytes()
    assert b"Dupont" not in blob and oct(sealed.path.stat().st_mode)[-3:] == "600"
    assert vault.open_sealed(settings, "u1", sealed.path, sealed.wrapped_key, sealed.key_id) == plain
    with pytest.raises(HubError, match="integrity"):
        vault.open_sealed(settings, "u2", sealed.path, sealed.wrapped_key, sealed.key_id)
    with pytest.raises(HubError, match="erased"):
        vault.open_sealed(settings, "u1", sealed.path, None, None)
    key = read_key(settings.key_file)
    assert len(key) == 32 and oct(settings.key_file.stat().st_mode)[-3:] == "600"
    assert sealed.key_id == key_id(key)


@pytest.mark.parametrize(("data", "message"), [
    (b"Id_acc,Nom,Prenom,Date naissance,Sexe\nA,B,C,D,E\n", "separated by commas"),
    ("Id_acc;Nom;Prénom;Sexe\nA;B;C;1\n".encode(), "header does not match"),
    ((RECON + "A1;Müller;Jean;01/02/1980;1\n").encode("latin-1"), "not UTF-8 .*line 1"),
])
def test_bad_files_are_refused_with_a_clear_error_and_no_value(data, message):
    con = connect(load_settings())
    with pytest.raises(HubError, match=message) as info:
        formats.load_lines(con, data, "reconstruction", "The upload")
    assert "Müller" not in str(info.value) and "Jean" not in str(info.value)


def _check(text: str, mode: str) -> checks.CheckResult:
    con = connect(load_settings())
    formats.load_lines(con, text.encode(), mode, "t")
    return checks.run_checks(con, mode)


def test_direct_checks_give_one_reason_per_bad_row():
    off_by_one = NIR[:-1] + str((int(NIR[-1]) + 1) % 10)
    rows = [f"B1;;1;01/07/1952;{NIR}", f"B2;;2;01/07/1952;{NIR}", f"B3;;1;01/07/1953;{NIR}",
            f"B4;;1;01/07/1952;{NIR[:14]}", f"B5;;1;01/07/1952;{off_by_one}",
            f"B6;{NIR};1;2090-01-01;", f"B7;{NIR};;2010-01-01;", f"B8;{NIR};1;31/02/2010;",
            "B9;x", f"{NIR};;1;01/07/1952;{NIR}"]
    result = _check(DIRECT + "\n".join(rows) + "\n", "direct")
    assert is_valid_nir(NIR) and not is_valid_nir(off_by_one)
    assert dict(result.rejected_lines) == {
        3: "sex_inconsistent_nir", 4: "date_inconsistent_nir", 5: "nir_malformed",
        6: "nir_key_invalid", 7: "date_future", 8: "triplet_incomplete", 9: "date_invalid",
        10: "wrong_field_count", 11: "id_acc_looks_like_nir"}
    assert result.accepted == 1


def test_checks_read_crlf_blank_lines_spaced_fields_and_every_date_format():
    rows = ["C1; ;1;01/07/1952;1 52 07\t37025411 10", f"C2;;1;1952-07-01;{NIR}",
            f'"C3";;"1";19520701;"{NIR}"', f"C4;;1;29/02/1953;{NIR}", "\u00a0", " ",
            "C5;;1;1952-07-00;" + NIR, f"C6;;1;2000-02-29;{NIR}", f"C7;;2;01/07/1952;{NIR}"]
    result = _check(DIRECT + "\r\n".join(rows) + "\r\n\r\n", "direct")
    assert result.received == 7 and result.accepted == 3  # the two blank lines are not rows
    assert dict(result.rejected_lines) == {5: "date_invalid", 8: "date_invalid",
                                           9: "date_inconsistent_nir", 10: "sex_inconsistent_nir"}


def test_reconstruction_checks_and_ten_percent_duplicate_ids():
    rows = [f"A{i % 90};Nom{i};Prénom;01/02/1980;1" for i in range(100)]
    rows += ["Z1;;Jean;01/02/1980;1", "Z2;Dupont;-;01/02/1980;1", "Z3;Dupont;Jean;30/02/1980;1",
             "Z4;Dupont;Jean;01/02/1980;3", "Z5;Dupont;Jean;00/02/1980;2"]
    result = _check(RECON + "\n".join(rows) + "\n", "reconstruction")
    assert result.reasons == {"id_acc_duplicate": 20, "name_empty": 1, "first_name_empty": 1,
                              "date_invalid": 1, "sex_invalid": 1}
    assert result.accepted == 81  # the missing day (00) is accepted in reconstruction mode


def test_french_normalisation_and_phonetic_code():
    con = connect(load_settings())
    normalise.install(con)
    def row(s):
        return q(con, "SELECT hdh_key(?), hdh_core(?), hdh_phon(?)", [s, s, s])[0]
    assert row("Le Prince")[0] == row("LEPRINCE")[0] == "LEPRINCE"
    assert row("de la Fontaine")[1] == "FONTAINE"
    assert row("St-Exupéry")[1] == row("Saint Exupery")[1]
    assert row("Dupont")[2] == row("Dupond")[2]
    assert row("Lefebvre")[2] == row("Lefèvre")[2]
    assert row("Philippe")[2] == row("Filipe")[2]
    assert q(con, "SELECT hdh_tokens('Marc-André  Élie')")[0][0] == ["MARC", "ANDRE", "ELIE"]
    assert row("Mallet")[2] == row("Malet")[2] and row("Abbatte")[2] == row("Abate")[2]


def test_phonetic_code_collapses_every_run_of_a_repeated_character():
    con = connect(load_settings())
    normalise.install(con)
    runs = "".join(c * (2 + i % 3) for i, c in enumerate(normalise.PHONETIC_ALPHABET))
    assert q(con, "SELECT hdh_collapse(?)", [runs])[0][0] == normalise.PHONETIC_ALPHABET
    assert q(con, "SELECT hdh_collapse('ABAB1213')")[0][0] == "ABAB1213"


def test_one_edit_guard_gives_the_same_answer_as_the_distance_alone():
    import random

    from healthdatahub.linkage.probabilistic import FUNCTIONS, one_edit

    rnd = random.Random(4)
    words = ["A", "AB", "BA", "ABC", "DUPONT", "LEFEVRE", "MARTIN", "XU"]
    words += ["".join(rnd.choice("ABCDEN") for _ in range(rnd.randint(1, 9))) for _ in range(300)]
    pairs = []
    for w in words:
        for i in range(len(w) + 1):
            pairs += [(w, w[:i] + "Z" + w[i:]), (w, w[:i] + w[i + 1:]), (w, w[:i] + "Z" + w[i + 1:]),
                      (w, w[:i] + w[i + 1:i + 2] + w[i:i + 1] + w[i + 2:])]
        pairs.append((w, rnd.choice(words)))
    con = connect(load_settings())
    con.register("p", pa.table({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}))
    guarded = one_edit(FUNCTIONS["duckdb"], "a", "b")
    rows = q(con, f"SELECT count(*), count(*) FILTER (WHERE damerau_levenshtein(a, b) <= 1), "
                  f"count(*) FILTER (WHERE ({guarded}) IS DISTINCT FROM "
                  f"(damerau_levenshtein(a, b) <= 1)) FROM p")[0]
    assert rows[0] > 5000 and rows[1] > 2000 and rows[2] == 0
