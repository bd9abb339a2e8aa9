"""Pure pieces of the catalogue: normalisation, queries, identifying columns, MeSH, messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from healthdatahub.catalogue import fields, mesh, records
from healthdatahub.catalogue.search import _database_match, _match, _query_words, normalise
from healthdatahub.catalogue.search_index import query_word, words_of
from healthdatahub.catalogue.variables import coding_system, is_identifying, shows_range
from healthdatahub.errors import HubError
from healthdatahub.web.locale.catalog_fr import FR

TEMPLATES = Path(__file__).parents[3] / "src" / "healthdatahub" / "web" / "templates" / "catalogue"


def test_normalise_folds_accents_case_and_separators() -> None:
    assert normalise("BEN_NAI_ANN", "Hépatite C — l'été") == "ben nai ann hepatite c l ete"


def test_both_backends_get_the_same_phrase_prefix_query() -> None:
    words = _query_words('BEN_NAI_ANN "x" OR')
    assert words == [["ben", "nai", "ann"], ["x"], ["or"]]
    assert _match("sqlite", words)[1]["q"] == '"ben nai ann"* AND "x"* AND "or"*'
    assert _match("postgresql", words)[1]["q"] == "(ben <-> nai <-> ann:*) & (x:*) & (or:*)"
    assert _database_match("sqlite", words)[1]["dq"] == '"ben_nai_ann"* AND "x"* AND "or"*'
    assert _database_match("postgresql", words)[1]["dq"] == "'ben_nai_ann':* & 'x':* & 'or':*"
    assert _database_match("sqlite", [])[0] == "FROM catalogue_search_database d WHERE 1 = 1"


def test_database_words_are_the_text_words_with_their_suffixes() -> None:
    assert words_of("BEN_NAI_ANN", "Hépatite C — l'été") == {
        "ben_nai_ann", "nai_ann", "ann", "hepatite", "c", "l_ete", "ete"}
    assert query_word(["ben", "nai"]) == "ben_nai"
    long = words_of("https://a.b/" + "/".join("x" * 300 for _ in range(20)))
    assert max(len(w) for w in long) <= 200 and len(long) <= 8


def test_identifying_columns_never_show_a_range() -> None:
    for name in ("BEN_NIR_PSA", "BEN_IDT_ANO", "ETA_NUM", "ETB_EXE_FIN", "PAT_ID", "NOM_USUEL"):
        assert is_identifying(name), name
    assert not is_identifying("AGE_ANN", "Âge en années")
    assert coding_system("DGN_PAL") == "CIM-10" and coding_system("CDC_ACT") == "CCAM"
    assert coding_system("X", "IR_CIM_V") == "CIM-10" and coding_system("ETB_PRE_FIN") == "FINESS"
    assert shows_range("integer", False) and not shows_range("integer", True)
    assert not shows_range("string", False)
    kept = records.check_variable({"name": "BEN_NIR_PSA", "type": "string", "min_value": "1",
                                   "max_value": "2"}, "t")
    assert kept["min_value"] is None and kept["max_value"] is None


def test_record_checks() -> None:
    with pytest.raises(HubError, match="Invalid slug"):
        records.check_record({"slug": "new", "title": "x"})
    with pytest.raises(HubError, match="unknown type"):
        records.check_variable({"name": "A", "type": "blob"}, "t")
    with pytest.raises(HubError, match="no title"):
        records.check_record({"acronym": "A"})
    record = records.check_record({"acronym": "Ab C", "title": "T", "keywords": ["b", "a", "a"]})
    assert record["slug"] == "ab-c" and record["keywords"] == ["a", "b"]


def test_mesh_lookup_and_completion() -> None:
    assert mesh.lookup("breast neoplasms").id == "D001943"
    assert mesh.lookup("https://id.nlm.nih.gov/mesh/D001943").label_en == "Breast Neoplasms"
    assert mesh.complete("covid")[0].label_en == "COVID-19"
    assert mesh.complete("a") == []


def test_french_mesh_file(tmp_path: Path) -> None:
    french = tmp_path / "mesh-fr.tsv"
    french.write_text("D001943\tTumeurs du sein\n", encoding="utf-8")
    found = mesh.complete("tumeurs du", french_file=str(french))
    assert found[0].id == "D001943" and found[0].label_fr == "Tumeurs du sein"


def test_every_catalogue_message_is_translated() -> None:
    used = set(fields.FACET_NAMES.values())
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'_\("([^"]+)"\)', text)) | set(re.findall(r"_\('([^']+)'\)", text))
    assert used and used - set(FR) == set()
