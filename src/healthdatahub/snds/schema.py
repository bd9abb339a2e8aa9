"""SNDS table schemas: the project's Frictionless Table Schema descriptors, loaded and checked.

The descriptors under ``snds/schemas/`` are a curated but faithful subset of the published SNDS
schema (snapshot 2020-12, MPL-2.0): every key and join column, patient, date, code, quantity and
amount column, with the published names, types and French descriptions. The package carries
its own copies; nothing here reads the shared reference folder at run time.

Structure kept from the SNDS:

- DCIR: ER_PRS_F (one line per service) is keyed by nine columns, ``JOIN_KEYS``; the detail
  tables ER_PHA_F (pharmacy) and ER_ETE_F (establishments) carry no patient column and reach
  ER_PRS_F through those nine keys. ER_PRS_F reaches IR_BEN_R through (BEN_NIR_PSA, BEN_RNG_GEM).
- IR_BEN_R's primary key is (BEN_NIR_PSA, BEN_RNG_GEM), as published. The foundation issue
  spells the second column BEN_RNG_GEN; no such column exists in the published schema
  (BEN_RNG_GEM is the "rang gémellaire", which tells twins apart), so BEN_RNG_GEM is used.
- PMSI MCO: a stay T_MCOaaB is keyed by (ETA_NUM, RSA_NUM); T_MCOaaA (CCAM acts), T_MCOaaC
  (patient link) and T_MCOaaD (associated diagnoses) reference it; T_MCOaaC.NIR_ANO_17 reaches
  IR_BEN_R.BEN_NIR_PSA. Real deliveries are yearly (T_MCO23B for 2023): any name matching
  ``T_MCO\\d\\d<suffix>`` resolves to the descriptor ``T_MCOaa<suffix>``.
- Deaths: KI_CCI_R (one row per certificate, initial cause) and KI_ECD_R (every cause) reach
  IR_BEN_R through BEN_IDT_ANO.

Every departure from the published descriptors is listed in ``FIXES`` below, the one place
where they are recorded; the unit tests check the copies against the published schema.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from healthdatahub.errors import HubError

JOIN_KEYS: tuple[str, ...] = (
    "DCT_ORD_NUM", "FLX_DIS_DTD", "FLX_EMT_NUM", "FLX_EMT_ORD", "FLX_EMT_TYP",
    "FLX_TRT_DTD", "ORG_CLE_NUM", "PRS_ORD_NUM", "REM_TYP_AFF",
)
PATIENT_KEYS: tuple[str, ...] = ("BEN_NIR_PSA", "BEN_RNG_GEM")
STAY_KEYS: tuple[str, ...] = ("ETA_NUM", "RSA_NUM")

# Every fix applied to the published descriptors. Keys: "*" rules apply to every table,
# "*.FIELD" to that field wherever it appears, "TABLE.FIELD" / "TABLE" to one place.
FIXES: dict[str, str] = {
    "*": (
        "Curated subset of columns; upper-case field names are kept exactly as published "
        "(frictionless-py's lower-case name pattern is not applied, the loader is our own); "
        "published `length` and `nomenclature` are kept as extension properties and string "
        "fields get `maxLength` from `length`; key, join and patient columns are `required`."
    ),
    "*:constraints": (
        "`description` published inside `constraints` (IR_BEN_R.BEN_NIR_PSA) is moved out to "
        "the field's `note`; a `decimals` inside `constraints` would move to the field (none in "
        "this subset)."
    ),
    "*:date": (
        "Dates published with format `default` (ISO) get `format: %d/%m/%Y`, the SNDS delivery "
        "convention; T_MCOaaC's dates keep the published `%d%m%Y` and its datetimes the SAS "
        "`%d%b%Y:%H:%M:%S`."
    ),
    "*:foreignKeys": (
        "Foreign keys to tables outside the project's set (DA_PRA_R, BE_IDE_R, T_MCOaaE, "
        "IR_IBA_R) are dropped; KI_ECD_R -> KI_CCI_R on DCD_IDT_ENC is added."
    ),
    "*.BEN_DCD_AME": "yearmonth delivered as YYYYMM (Table Schema wants YYYY-MM): string with "
                     "pattern ^[0-9]{4}(0[1-9]|1[0-2])$.",
    "*.EXE_SOI_AMD": "yearmonth delivered as YYYYMM: string with the YYYYMM pattern.",
    "*.EXE_SOI_AMF": "yearmonth delivered as YYYYMM: string with the YYYYMM pattern.",
    "*.BEN_NAI_MOI": "Published as `date` with format %m and length 2 (a month is not a date): "
                     "integer 1-12.",
    "*.SOR_MOI": "Published as `date` with format %m and length 2: integer 1-12.",
    "*.ETA_NUM": (
        "Integer in T_MCOaaB/T_MCOaaC but string in T_MCOaaA/T_MCOaaD: string everywhere, since "
        "a FINESS may start with 0 or contain 2A/2B; pattern ^([0-9]{2}|2[AB])[0-9]{7}$ replaces "
        "the published minimum/maximum."
    ),
    "*.RSA_NUM": (
        "Integer in T_MCOaaB/T_MCOaaC but string in T_MCOaaA/T_MCOaaD: string everywhere so the "
        "stay join has one type, pattern ^[0-9]{1,10}$ replaces the published minimum/maximum."
    ),
    "*.BEN_SEX_COD": "enum [0, 1, 2, 9] added from nomenclature IR_SEX_V (1 masculin, 2 féminin, "
                     "0 inconnu ou personne morale, 9 valeur inconnue).",
    "*.ETB_EXE_FIN": "pattern ^([0-9]{2}|2[AB])[0-9]{6}$ added: the DCIR FINESS has 8 characters, "
                     "without its key digit (as BE_IDE_R.IDE_ETA_NU8), length kept as published.",
    "*.ETB_PRE_FIN": "Same 8-character FINESS pattern as ETB_EXE_FIN.",
    "*.DGN_PAL": "pattern ^[A-Z][0-9]{2}[0-9A-Z+]{0,3}$ added (CIM-10 as coded in the PMSI, "
                 "MS_CIM_V has codes such as A999+9 and A99999).",
    "*.DGN_REL": "PMSI CIM-10 pattern added, as DGN_PAL.",
    "*.ASS_DGN": "PMSI CIM-10 pattern added, as DGN_PAL.",
    "*.MED_MTF_COD": "CIM-10 pattern ^[A-Z][0-9]{2}[0-9A-Z]{0,2}$ added.",
    "*.DCD_CIM_COD": "CIM-10 pattern ^[A-Z][0-9]{2}[0-9A-Z]{0,2}$ added.",
    "*.ECD_CIM_COD": "CIM-10 pattern ^[A-Z][0-9]{2}[0-9A-Z]{0,2}$ added.",
    "*.CDC_ACT": "CCAM pattern ^[A-Z]{4}[0-9]{3}$ added.",
    "*.PHA_PRS_C13": "CIP13 kept integer as published, range 10^12..10^13-1 (13 digits) added.",
    "*.PHA_PRS_IDE": "CIP7 kept integer as published, range 10^6..10^7-1 (7 digits) added.",
    "*.IMB_ALD_NUM": "range 0-99 added (IR_ALD_V: 0-32, 88, 98, 99).",
    "*.PRS_NAT_REF": "range 0-9999 added (4-digit nature of service, IR_NAT_V).",
    "*.BEN_NAI_ANN": "range 1800-2100 added.",
    "*.BEN_RNG_GEM": "minimum 1 added (rank 1 for the person opening the rights).",
    "ER_PHA_F": (
        "The nine join keys are redefined from ER_PRS_F: the published ER_PHA_F gives "
        "PRS_ORD_NUM 1-100 (length 3) and REM_TYP_AFF 1-10 (length 2), contradicting ER_PRS_F."
    ),
    "ER_ETE_F": (
        "The nine join keys are redefined from ER_PRS_F: the published ER_ETE_F gives "
        "DCT_ORD_NUM length 8 and FLX_EMT_NUM length 4, contradicting ER_PRS_F."
    ),
    "IR_BEN_R.BEN_NIR_PSA": (
        "`unique: true` dropped: its own note says BEN_NIR_PSA is not unique without "
        "BEN_RNG_GEM (twins); uniqueness is the primary key (BEN_NIR_PSA, BEN_RNG_GEM)."
    ),
    "IR_BEN_R.BEN_IDT_ANO": "maxLength 18 (published length 17, but 18 in KI_CCI_R and KI_ECD_R, "
                            "whose foreign keys reference it).",
    "KI_CCI_R": "primaryKey DCD_IDT_ENC added (one row per death certificate).",
    "T_MCOaaB.RSS_NUM": "Sample-derived enum ['224'] dropped (the RSA format version changes "
                        "with the year).",
    "T_MCOaaB.AGE_ANN": "minimum 1 -> 0 (infants under one year), maximum 120 -> 125.",
    "T_MCOaaC.DAT_RET": "Sample-derived enum ['0'] dropped (a return code 1 flags a problem, it "
                        "is not an invalid value).",
    "T_MCOaaC.NIR_ANO_17": (
        "Foreign key to IR_BEN_R.BEN_NIR_PSA kept as published although BEN_NIR_PSA is not "
        "unique there (twins share it): consumers must expect several IR_BEN_R rows."
    ),
}

TYPES = frozenset({"string", "integer", "number", "date", "datetime", "year", "boolean"})
CONSTRAINTS = frozenset(
    {"required", "unique", "minLength", "maxLength", "minimum", "maximum", "pattern", "enum"}
)
DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "date": "DATE",
    "datetime": "TIMESTAMP", "year": "INTEGER", "boolean": "BOOLEAN",
}
DEFAULT_FORMATS: dict[str, str] = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S"}
_YEARLY = re.compile(r"T_MCO(\d\d|AA)([A-Z_]+)")


@dataclass(frozen=True)
class FieldSpec:
    """One column of an SNDS table."""

    name: str
    type: str
    description: str = ""
    format: str | None = None
    constraints: Mapping[str, Any] | None = None
    length: str | None = None
    nomenclature: str | None = None

    @property
    def required(self) -> bool:
        """Whether the column may not be empty."""
        return bool((self.constraints or {}).get("required", False))

    @property
    def duckdb_type(self) -> str:
        """The DuckDB SQL type of the column."""
        return duckdb_type(self)


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: local fields referencing fields of another table."""

    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    """A typed view of one descriptor."""

    name: str
    title: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]

    def field(self, name: str) -> FieldSpec:
        """The field called ``name``, or a HubError."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise HubError(f"Table {self.name} has no column {name!r}.")

    @property
    def field_names(self) -> list[str]:
        """The column names, in order."""
        return [spec.name for spec in self.fields]


def _as_list(value: str | list[str] | None) -> list[str]:
    """Normalise a Table Schema key (a name or a list of names) to a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@cache
def _files() -> dict[str, str]:
    """Descriptor file names by table name, read from the package data."""
    folder = resources.files("healthdatahub.snds") / "schemas"
    return {
        entry.name[:-5]: entry.name
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    }


def list_tables() -> list[str]:
    """The names of the tables the project describes, sorted."""
    return sorted(_files())


def resolve_table(table: str) -> str:
    """The descriptor name for ``table`` (T_MCO23B -> T_MCOaaB), or a HubError."""
    name = table.strip().upper()
    match = _YEARLY.fullmatch(name)
    if match:
        name = f"T_MCOaa{match.group(2)}"
    if name not in _files():
        raise HubError(
            f"Unknown SNDS table {table!r}; the known tables are {', '.join(list_tables())} "
            "(yearly PMSI names such as T_MCO23B resolve to T_MCOaaB)."
        )
    return name


@cache
def _raw(name: str) -> dict[str, Any]:
    """The parsed JSON of a descriptor, unchecked."""
    path = resources.files("healthdatahub.snds") / "schemas" / _files()[name]
    return json.loads(path.read_text(encoding="utf-8"))


def _check_field(table: str, field: Mapping[str, Any]) -> None:
    """Raise a HubError if one field descriptor is malformed."""
    name = field.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise HubError(f"Descriptor {table} has a field with an invalid name {name!r}.")
    if field.get("type") not in TYPES:
        raise HubError(f"Field {table}.{name} has unsupported type {field.get('type')!r}.")
    if "format" in field and field["type"] not in DEFAULT_FORMATS:
        raise HubError(f"Field {table}.{name} has a format but is not a date or datetime.")
    constraints = field.get("constraints", {})
    unknown = set(constraints) - CONSTRAINTS
    if unknown:
        raise HubError(f"Field {table}.{name} has unknown constraints {sorted(unknown)}.")
    if "pattern" in constraints:
        if field["type"] != "string":
            raise HubError(f"Field {table}.{name} has a pattern but is not a string.")
        re.compile(constraints["pattern"])


def _check(name: str, descriptor: Mapping[str, Any]) -> None:
    """Raise a HubError if a descriptor is malformed or its keys are inconsistent."""
    if descriptor.get("name") != name:
        raise HubError(f"Descriptor file {name}.json names its table {descriptor.get('name')!r}.")
    fields = descriptor.get("fields")
    if not isinstance(fields, list) or not fields:
        raise HubError(f"Descriptor {name} has no fields.")
    for field in fields:
        _check_field(name, field)
    names = [field["name"] for field in fields]
    if len(set(names)) != len(names):
        raise HubError(f"Descriptor {name} has duplicate field names.")
    missing = set(_as_list(descriptor.get("primaryKey"))) - set(names)
    if missing:
        raise HubError(f"Primary key of {name} names unknown fields {sorted(missing)}.")
    for fk in descriptor.get("foreignKeys", []):
        local, ref = _as_list(fk["fields"]), fk["reference"]
        remote, resource = _as_list(ref["fields"]), ref["resource"]
        if set(local) - set(names):
            raise HubError(f"A foreign key of {name} names unknown fields {local}.")
        if resource not in _files():
            raise HubError(f"A foreign key of {name} references unknown table {resource!r}.")
        target = {field["name"] for field in _raw(resource)["fields"]}
        if len(local) != len(remote) or set(remote) - target:
            raise HubError(f"A foreign key of {name} references {resource} fields {remote} badly.")


@cache
def _checked(name: str) -> dict[str, Any]:
    """The descriptor for a resolved table name, checked once."""
    descriptor = _raw(name)
    _check(name, descriptor)
    return descriptor


def load_schema(table: str) -> dict[str, Any]:
    """The validated Table Schema descriptor of ``table`` (a copy, safe to modify)."""
    return copy.deepcopy(_checked(resolve_table(table)))


@cache
def table_schema(table: str) -> TableSchema:
    """The typed view of the descriptor of ``table``."""
    descriptor = _checked(resolve_table(table))
    fields = tuple(
        FieldSpec(
            name=f["name"], type=f["type"], description=f.get("description", ""),
            format=f.get("format"), constraints=copy.deepcopy(f.get("constraints", {})),
            length=f.get("length"), nomenclature=f.get("nomenclature"),
        )
        for f in descriptor["fields"]
    )
    fks = tuple(
        ForeignKey(
            tuple(_as_list(fk["fields"])), fk["reference"]["resource"],
            tuple(_as_list(fk["reference"]["fields"])),
        )
        for fk in descriptor.get("foreignKeys", [])
    )
    return TableSchema(
        descriptor["name"], descriptor.get("title", ""), fields,
        tuple(_as_list(descriptor.get("primaryKey"))), fks,
    )


def field_names(table: str) -> list[str]:
    """The column names of ``table``, in descriptor order."""
    return table_schema(table).field_names


def primary_key(table: str) -> list[str]:
    """The primary-key columns of ``table`` (empty for the DCIR detail tables)."""
    return list(table_schema(table).primary_key)


def foreign_keys(table: str) -> list[ForeignKey]:
    """The foreign keys of ``table``."""
    return list(table_schema(table).foreign_keys)


def duckdb_type(field: FieldSpec | Mapping[str, Any]) -> str:
    """The DuckDB SQL type for a field (a FieldSpec or a field descriptor)."""
    kind = field.type if isinstance(field, FieldSpec) else field.get("type", "string")
    try:
        return DUCKDB_TYPES[kind]
    except KeyError:
        raise HubError(f"Table Schema type {kind!r} has no DuckDB equivalent.") from None


def strptime_format(field: FieldSpec | Mapping[str, Any]) -> str | None:
    """The strptime format of a date or datetime field (DuckDB and Python), else None."""
    if isinstance(field, FieldSpec):
        kind, fmt = field.type, field.format
    else:
        kind, fmt = field.get("type"), field.get("format")
    if kind not in DEFAULT_FORMATS:
        return None
    return fmt if fmt and fmt not in ("default", "any") else DEFAULT_FORMATS[kind]
