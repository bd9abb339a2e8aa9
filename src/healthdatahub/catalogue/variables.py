"""What the catalogue says about a variable: its coding system and whether it identifies people.

Statistics shown for a variable never include a value that could identify someone: the
null rate and distinct count are always kept; a range (min/max) only for non-identifying
numeric and date fields — never for identifiers, pseudonyms, names or FINESS numbers.
"""

from __future__ import annotations

import re

#: Table Schema types the catalogue knows (Frictionless v1 field types).
TYPES = frozenset({"string", "integer", "number", "boolean", "date", "datetime", "time",
                   "year", "yearmonth", "duration", "geopoint", "geojson", "object", "array",
                   "any"})
RANGE_TYPES = frozenset({"integer", "number", "date", "datetime", "year", "yearmonth"})
_IDENTIFYING_NAME = re.compile(
    r"(NIR|_PSA$|_ID$|^ID_|_ANO(_|$)|IDT|_ENC$|FIN$|FINESS|(^|_)NOM(_|$)|PRN|PRENOM|ADR|_IDE$|"
    r"_NUM$|_NUM_|NUM_|_CLE$|TEL|MAIL|_NU8$|_NU9$)", re.IGNORECASE)
_IDENTIFYING_TEXT = re.compile(
    r"(identifiant|identifier|pseudonym|anonymis|num[ée]ro|\bnom\b|pr[ée]nom|finess|adresse|"
    r"\bnir\b)", re.IGNORECASE)
_NOMENCLATURES = tuple((re.compile(p, re.IGNORECASE), s) for p, s in (
    (r"CIM", "CIM-10"), (r"CCAM|CAM_", "CCAM"), (r"ATC", "ATC"), (r"UCD", "UCD"),
    (r"CIP|IR_PHA_R", "CIP"), (r"NABM|BIO", "NABM"), (r"DPT|COM_|IR_GEO|COG", "COG")))
_NAMES = (
    (re.compile(r"^(DGN_PAL|DGN_REL|ASS_DGN|DGN_|.*_CIM_|MED_MTF_COD|DCD_CIM|ECD_CIM)"), "CIM-10"),
    (re.compile(r"^(CDC_ACT|CAM_|CCAM)"), "CCAM"),
    (re.compile(r"^(PHA_PRS_C13|PHA_PRS_IDE|PHA_CIP)"), "CIP"),
    (re.compile(r"^PHA_ATC"), "ATC"),
    (re.compile(r"(_FIN$|FINESS|^ETA_NUM)"), "FINESS"),
)


def coding_system(name: str, nomenclature: str | None = None) -> str:
    """The coding system of a column from its published nomenclature, else its name."""
    for pattern, system in _NAMES:
        if pattern.search(name.upper()):
            return system
    if nomenclature and nomenclature not in ("-", ""):
        for pattern, system in _NOMENCLATURES:
            if pattern.search(nomenclature):
                return system
        return "Nomenclature SNDS"
    return ""


def is_identifying(name: str, description: str = "", system: str = "") -> bool:
    """True for identifiers, pseudonyms, names, addresses and FINESS numbers."""
    return (system == "FINESS" or bool(_IDENTIFYING_NAME.search(name))
            or bool(_IDENTIFYING_TEXT.search(description)))


def shows_range(type_: str, identifying: bool) -> bool:
    """Whether a min/max may be shown for a column of this type."""
    return type_ in RANGE_TYPES and not identifying
