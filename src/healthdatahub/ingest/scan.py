"""Each input file as an engine view of text columns with its row number; structural rejects.

CSV is read by DuckDB's ``read_csv`` with ``all_varchar`` (values are typed by the checks, not
guessed) and ``store_rejects``: lines with too few or too many columns, or bytes invalid in the
declared encoding, are not rows but structural errors with their line number. Rows are numbered
with ``row_number() OVER ()`` over the scan of one file: DuckDB's CSV reader returns rows in
file order (insertion order is preserved), so row ``r`` of a file with a one-line header is
physical line ``r + 1``, shifted by the rejected lines before it and by the newlines inside
quoted values before it (:func:`physical_lines`; counted only when the file contains quotes).
Parquet rows are numbered by ``file_row_number``; SAS7BDAT files are converted to Parquet first
(pyreadstat, in chunks).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthdatahub.engine import Engine
from healthdatahub.engine.base import sql_string
from healthdatahub.errors import HubError
from healthdatahub.ingest.checks import quote_ident, scalar
from healthdatahub.ingest.sources import SourceFile

ROW_BASE = 10**12  # position = file index * ROW_BASE + row number: one BIGINT per row
MAX_REJECT_SAMPLES = 1000
SAS_CHUNK = 200_000


@dataclass
class ScannedFile:
    """One file registered as view ``view``: its columns, rejects and newline offsets."""

    index: int
    source: SourceFile
    view: str
    columns: list[str]
    rejects: list[dict[str, Any]] = field(default_factory=list)
    reject_count: int = 0
    newline_rows: list[tuple[int, int]] = field(default_factory=list)
    unit: str = "line"

    def line_of(self, row: int) -> int:
        """The physical line (CSV) or row number (Parquet, SAS) of data row ``row``."""
        if self.unit != "line":
            return row
        return physical_lines(row, [r["line"] for r in self.rejects], self.newline_rows)

    def reject_lines(self) -> list[dict[str, Any]]:
        """The structural rejects with their physical line numbers."""
        return [{**r, "line": reject_physical_line(r["line"], i, self.newline_rows)}
                for i, r in enumerate(self.rejects, start=1)]


def corrections(reject_lines: list[int], newline_rows: list[tuple[int, int]]
                ) -> list[tuple[int, int]]:
    """(after row, lines to add): data row ``r`` is on line ``r + 1 + sum(add for after < r)``.

    DuckDB numbers the i-th rejected line L_i as if every record took one line, so the accepted
    rows after it are those above ``L_i - i - 1``; a quoted value with n newlines in row ``r``
    pushes every later row n lines down.
    """
    fixes = [(line - i - 1, 1) for i, line in enumerate(sorted(reject_lines), start=1)]
    return sorted(fixes + list(newline_rows))


def physical_lines(row: int, reject_lines: list[int], newline_rows: list[tuple[int, int]]) -> int:
    """Line of accepted data row ``row`` (1-based) under a one-line header."""
    return row + 1 + sum(n for after, n in corrections(reject_lines, newline_rows) if after < row)


def reject_physical_line(reported: int, rank: int, newline_rows: list[tuple[int, int]]) -> int:
    """Physical line of the ``rank``-th rejected line DuckDB reports as line ``reported``."""
    before = reported - rank - 1  # accepted rows before it
    return reported + sum(n for r, n in newline_rows if r <= before)


def _encoding_name(src: SourceFile) -> str:
    """The encoding name DuckDB's reader takes."""
    return {"utf-8": "utf-8", "latin-1": "latin-1"}.get(src.encoding, "utf-8")


def transcode(src: SourceFile, work: Path) -> Path:
    """A UTF-8 copy of a cp1252 file (streamed; line structure unchanged)."""
    target = work / f"{src.path.name}.utf8.csv"
    decoder = codecs.getincrementaldecoder("cp1252")(errors="strict")
    try:
        with src.path.open("rb") as fin, target.open("wb") as fout:
            for block in iter(lambda: fin.read(1 << 22), b""):
                fout.write(decoder.decode(block).encode("utf-8"))
            fout.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        raise HubError(f"File {src.rel} is not valid cp1252; declare its encoding.") from None
    return target


def scan_csv(engine: Engine, index: int, src: SourceFile, work: Path, delimiter: str) -> ScannedFile:
    """Register a CSV file as a view of text columns numbered in file order."""
    path = transcode(src, work) if src.encoding == "cp1252" else src.path
    view, rejects = f"src_{index}", f"rej_{index}"
    call = (f"read_csv({sql_string(path.resolve())}, delim={sql_string(delimiter)}, header=true, "
            f"all_varchar=true, quote='\"', escape='\"', auto_detect=false, "
            f"columns={{{', '.join(_columns(src.header))}}}, "
            f"encoding={sql_string(_encoding_name(src))}, store_rejects=true, "
            f"rejects_table={sql_string(rejects)}, rejects_scan={sql_string('scan_' + rejects)}, "
            f"strict_mode=true, null_padding=false)")
    engine.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS "
                   f"SELECT row_number() OVER () AS __row, * FROM {call}")
    # The same scan without row numbers: row_number() OVER () serialises and buffers the scan,
    # so the counting pass and a clean landing read this parallel, streaming view instead.
    engine.execute(f"CREATE OR REPLACE TEMP VIEW fast_{view} AS "
                   f"SELECT CAST(NULL AS BIGINT) AS __row, * FROM {call}")
    return ScannedFile(index, src, view, list(src.header))


def _columns(header: list[str]) -> list[str]:
    """read_csv's ``columns`` struct: every header name as VARCHAR."""
    seen: set[str] = set()
    out = []
    for i, name in enumerate(header):
        name = name or f"column{i}"
        if name in seen:
            raise HubError(f"Header names column {name!r} twice.")
        seen.add(name)
        out.append(f"{sql_string(name)}: 'VARCHAR'")
    return out


def collect_rejects(engine: Engine, scanned: ScannedFile) -> None:
    """Read the structural rejects of a scanned CSV (after its first full scan)."""
    if scanned.unit != "line":
        return
    table = f"rej_{scanned.index}"
    try:
        count = scalar(engine, f"SELECT count(*) FROM {table}")
    except HubError:
        return  # no reject table: nothing was rejected
    scanned.reject_count = int(count or 0)
    rows = engine.to_arrow(
        f"SELECT line, column_name, CAST(error_type AS VARCHAR) AS error_type FROM {table} "
        f"ORDER BY line LIMIT {MAX_REJECT_SAMPLES}").to_pylist()
    scanned.rejects = [{"line": int(r["line"]), "column": r["column_name"],
                        "error": r["error_type"]} for r in rows]


def collect_newlines(engine: Engine, scanned: ScannedFile) -> None:
    """Rows whose quoted values hold newlines, with how many (only for files with quotes)."""
    if scanned.unit != "line" or not scanned.source.has_quotes or not scanned.columns:
        return
    joined = " || ".join(f"coalesce({quote_ident(c)}, '')" for c in scanned.columns)
    rows = engine.to_arrow(
        f"SELECT __row, n FROM (SELECT __row, length({joined}) - length(replace({joined}, "
        f"chr(10), '')) AS n FROM {scanned.view}) WHERE n > 0 ORDER BY __row").to_pylist()
    scanned.newline_rows = [(int(r["__row"]), int(r["n"])) for r in rows]


def scan_parquet(engine: Engine, index: int, src: SourceFile, path: Path | None = None,
                 date_formats: dict[str, str] | None = None) -> ScannedFile:
    """Register a Parquet file as a view of text columns (typed dates kept in their format)."""
    target = sql_string((path or src.path).resolve())
    cols = engine.to_arrow(f"DESCRIBE SELECT * FROM read_parquet({target})").to_pylist()
    items = []
    for col in cols:
        name, kind = col["column_name"], str(col["column_type"]).upper()
        ident = quote_ident(name)
        fmt = (date_formats or {}).get(name)
        if fmt and (kind == "DATE" or kind.startswith("TIMESTAMP")):
            items.append(f"strftime({ident}, {sql_string(fmt)}) AS {ident}")
        else:
            items.append(f"CAST({ident} AS VARCHAR) AS {ident}")
    view = f"src_{index}"
    engine.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT file_row_number + 1 AS __row, "
                   f"{', '.join(items)} FROM read_parquet({target}, file_row_number=true)")
    engine.execute(f"CREATE OR REPLACE TEMP VIEW fast_{view} AS SELECT * FROM {view}")
    return ScannedFile(index, src, view, [c["column_name"] for c in cols], unit="row")


def sas_to_parquet(src: SourceFile, work: Path) -> Path:
    """Convert a SAS7BDAT file to one Parquet file, chunk by chunk (pyreadstat)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyreadstat

    target = work / f"{src.path.name}.parquet"
    writer = None
    try:
        for frame, _meta in pyreadstat.read_file_in_chunks(
                pyreadstat.read_sas7bdat, str(src.path), chunksize=SAS_CHUNK):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema)
            writer.write_table(table.cast(writer.schema))
    except Exception as exc:  # noqa: BLE001 - pyreadstat raises its own types
        raise HubError(f"File {src.rel} cannot be read as SAS7BDAT ({type(exc).__name__}).") \
            from None
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise HubError(f"File {src.rel} is a SAS7BDAT file without rows or columns.")
    return target
