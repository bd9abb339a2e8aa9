"""The two holder-table formats and their reading, in memory, into DuckDB.

Both are UTF-8 CSV with ``;`` as separator and a header line:

- direct (NIR): ``Id_acc;NIR ouvrant droit;Sexe bénéficiaire;Date naissance bénéficiaire;NIR bénéficiaire``
- reconstruction: ``Id_acc;Nom;Prénom;Date naissance;Sexe``

Header names are compared without case, accents or repeated spaces. Fields may be wrapped in
double quotes (no separator or line break inside a field). Reading never echoes a value: a bad
header is described by its column count, a bad encoding by its line number.
"""

from __future__ import annotations

import unicodedata

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthdatahub.errors import HubError
from healthdatahub.linkage.sql import q, scalar

MODES = ("direct", "reconstruction")
HEADERS: dict[str, tuple[str, ...]] = {
    "direct": ("Id_acc", "NIR ouvrant droit", "Sexe bénéficiaire",
               "Date naissance bénéficiaire", "NIR bénéficiaire"),
    "reconstruction": ("Id_acc", "Nom", "Prénom", "Date naissance", "Sexe"),
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "direct": ("id_acc", "nir_od", "sexe", "date_naissance", "nir"),
    "reconstruction": ("id_acc", "nom", "prenom", "date_naissance", "sexe"),
}


def check_mode(mode: str) -> str:
    """``mode`` if it is a known linkage mode, else a HubError."""
    if mode not in MODES:
        raise HubError(f"Linkage mode must be one of {', '.join(MODES)}, got {mode!r}.")
    return mode


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.strip().strip('"')).encode("ascii", "ignore")
    return " ".join(text.decode("ascii").casefold().replace("_", " ").split())


def decode(data: bytes, what: str) -> str:
    """The text of an upload: UTF-8 (a BOM is allowed), else a HubError naming the line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise HubError(f"{what} is not UTF-8 (first invalid byte on line {line}); "
                       "save it as UTF-8 and upload it again.") from None


def check_header(header: str, mode: str, what: str) -> None:
    """Raise a HubError unless ``header`` is the header of ``mode`` with ``;`` separators."""
    expected = HEADERS[mode]
    if ";" not in header:
        for sep, name in ((",", "commas"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header:
                raise HubError(f"{what}: fields are separated by {name}; the separator must be ';'.")
        raise HubError(f"{what}: the first line is not a ';'-separated header; expected "
                       f"{';'.join(expected)}.")
    found = [_fold(part) for part in header.rstrip("\r").split(";")]
    if found != [_fold(name) for name in expected]:
        raise HubError(f"{what}: the header does not match the {mode} format ({len(found)} "
                       f"columns found); expected exactly {';'.join(expected)}.")


def _plain(s: str) -> str:
    """SQL: ``s`` starts and ends with a printable ASCII character other than a double quote.

    Such a value is left unchanged by ``trim`` (which removes spaces, Unicode spaces too) and
    by stripping quotes: testing it first spares those slow calls on almost every field.
    """
    return " AND ".join(f"ascii({c}) BETWEEN 33 AND 126 AND ascii({c}) <> 34"
                        for c in (s, f"right({s}, 1)"))


def _field(f: str) -> str:
    """SQL: a field without surrounding spaces and double quotes, NULL when empty."""
    return f"CASE WHEN {_plain(f)} THEN {f} ELSE nullif(trim(trim({f}), '\"'), '') END"


def load_lines(con: duckdb.DuckDBPyConnection, data: bytes, mode: str, what: str) -> int:
    """Load an upload into the in-memory table ``src(line, nfields, <columns>)``; return rows.

    Lines are split and numbered in Arrow; rows of ``src`` are in no particular order.
    """
    text = decode(data, what)
    first, _, _ = text.partition("\n")
    check_header(first, mode, what)
    lines = pc.list_flatten(pc.split_pattern(pa.array([text]), "\n"))
    numbers = pa.array(np.arange(1, len(lines) + 1, dtype=np.int64))  # line numbers, in order
    table = pa.table({"line": numbers, "raw": lines})
    con.register("_hdh_raw", table)
    cols = ", ".join(f"{_field(f'f[{i + 1}]')} AS {name}" for i, name in enumerate(COLUMNS[mode]))
    q(con, f"""
        CREATE OR REPLACE TEMP TABLE src AS
        WITH stripped AS (
          SELECT line, CASE WHEN ends_with(raw, chr(13)) THEN rtrim(raw, chr(13)) ELSE raw END AS raw
          FROM _hdh_raw WHERE line > 1),
        split AS (SELECT line, string_split(raw, ';') AS f FROM stripped
                  WHERE {_plain('raw')} OR trim(raw) <> '')
        SELECT line, len(f) AS nfields, {cols} FROM split
    """, step="read")
    con.unregister("_hdh_raw")
    del table, lines, text
    return int(scalar(con, "SELECT count(*) FROM src"))
