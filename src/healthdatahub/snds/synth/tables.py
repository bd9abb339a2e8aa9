"""Turn generated column arrays into Arrow tables shaped exactly like the descriptors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthdatahub.snds.schema import strptime_format, table_schema

ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(),
    "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("s"), "BOOLEAN": pa.bool_(),
}

# Civil-status reference and ground truth (not SNDS tables: our own fixed layouts).
REFERENCE_SCHEMAS: dict[str, list[tuple[str, pa.DataType, str]]] = {
    "ETAT_CIVIL": [
        ("NIR", pa.string(), "NIR of the person (15 characters, key included)"),
        ("NOM", pa.string(), "birth surname"),
        ("NOM_USAGE", pa.string(), "married (usage) surname, if any"),
        ("PRENOMS", pa.string(), "first names, space-separated"),
        ("DATE_NAISSANCE", pa.date32(), "birth date"),
        ("SEXE", pa.int64(), "1 man, 2 woman"),
        ("LIEU_NAISSANCE", pa.string(), "birth commune (département) or country"),
        ("CODE_LIEU_NAISSANCE", pa.string(), "NIR birthplace: département + commune, or 99 + country"),
    ],
    "CORRESPONDANCE_NIR_PSA": [
        ("NIR", pa.string(), "NIR of the person"),
        ("NIR_OUVRANT_DROIT", pa.string(), "NIR of the insured person who opens the rights"),
        ("BEN_NIR_PSA", pa.string(), "pseudonym of (opener NIR, birth date, sex)"),
        ("BEN_RNG_GEM", pa.int64(), "twin rank"),
        ("BEN_IDT_ANO", pa.string(), "pseudonym of the person's own NIR"),
    ],
}


def arrow_type(field: Any) -> pa.DataType:
    """The Arrow type of a descriptor field (from its DuckDB type)."""
    return ARROW_TYPES[field.duckdb_type]


def _array(values: Any, typ: pa.DataType) -> pa.Array:
    """An Arrow array of ``typ`` from numpy values (masked arrays and None give nulls)."""
    if isinstance(values, pa.Array):
        return values.cast(typ)
    mask = None
    if isinstance(values, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(values)
        values = values.filled(values.flat[0] if values.size else 0)
    values = np.asarray(values)
    if values.dtype.kind == "M":
        if np.isnat(values).any():
            mask = np.isnat(values) if mask is None else mask | np.isnat(values)
        unit = "D" if pa.types.is_date(typ) else "s"
        values = values.astype(f"datetime64[{unit}]")
    if values.dtype.kind == "U":
        values = values.astype(object)
    if values.dtype == object and pa.types.is_string(typ):
        arr = pa.array(values, type=pa.string(), from_pandas=False)
        return arr if mask is None else pc.if_else(pa.array(mask), pa.nulls(len(arr), typ), arr)
    return pa.array(values, type=typ, mask=mask)


def conform(table: str, cols: dict[str, Any], n: int) -> pa.Table:
    """An Arrow table with exactly the descriptor's columns, in order; absent ones are null."""
    schema = table_schema(table)
    arrays, names = [], []
    for field in schema.fields:
        typ = arrow_type(field)
        if field.name in cols:
            arr = _array(cols[field.name], typ)
        elif field.required:
            raise RuntimeError(f"generator gives no value for required {table}.{field.name}")
        else:
            arr = pa.nulls(n, typ)
        if len(arr) != n:
            raise RuntimeError(f"{table}.{field.name}: {len(arr)} values for {n} rows")
        arrays.append(arr)
        names.append(field.name)
    return pa.table(arrays, names=names)


def conform_reference(table: str, cols: dict[str, Any], n: int) -> pa.Table:
    """An Arrow table of a reference table (ETAT_CIVIL, CORRESPONDANCE_NIR_PSA)."""
    spec = REFERENCE_SCHEMAS[table]
    return pa.table([_array(cols[name], typ) for name, typ, _ in spec],
                    names=[name for name, _, _ in spec])


def csv_ready(table: pa.Table, descriptor: str | None, date_format: str) -> pa.Table:
    """The table with dates, datetimes and booleans as text, per the chosen date convention.

    ``iso``: 2023-01-31 and 2023-01-31T08:00:00; ``ddmmyyyy``: 31012023 and the SAS
    31JAN2023:08:00:00 of SNDS deliveries; ``schema``: each field's declared format.
    """
    fields = {f.name: f for f in table_schema(descriptor).fields} if descriptor else {}
    cols = []
    for name, col in zip(table.column_names, table.columns):
        typ = col.type
        if pa.types.is_date(typ) or pa.types.is_timestamp(typ):
            is_date = pa.types.is_date(typ)
            if date_format == "schema" and name in fields:
                fmt = strptime_format(fields[name]) or "%Y-%m-%d"
            elif date_format == "ddmmyyyy":
                fmt = "%d%m%Y" if is_date else "%d%b%Y:%H:%M:%S"
            else:
                fmt = "%Y-%m-%d" if is_date else "%Y-%m-%dT%H:%M:%S"
            ts = col.cast(pa.timestamp("s"))
            text = pc.strftime(ts, format=fmt)
            if "%b" in fmt:
                text = pc.utf8_upper(text)
            cols.append(text)
        elif pa.types.is_boolean(typ):
            cols.append(col.cast(pa.int8()).cast(pa.string()))
        else:
            cols.append(col)
    return pa.table(cols, names=table.column_names)
