"""The files of a delivery: found, named after their table, sniffed before any engine reads them.

Sniffing reads only the first bytes of each file: magic numbers (gzip, Parquet, SAS7BDAT),
byte-order marks, the encoding of the first megabyte, and the header line's delimiter. What a
header can tell (wrong delimiter, 0-byte file, gzip named ``.csv``) is reported here, with the
file and line, before a full scan starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthdatahub.errors import HubError

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
SAS_MAGIC_OFFSET, SAS_MAGIC = 12, bytes.fromhex("c2ea8160b31411cfbd92080009c7318c")
BOMS = {b"\xef\xbb\xbf": "utf-8"}
CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".dat")
SKIPPED_DIRS = ("reference",)
MANIFEST = "manifest.json"
SNIFF_BYTES = 1 << 20
DELIMITERS = (";", ",", "\t", "|")


@dataclass
class SourceFile:
    """One input file (or Parquet folder part) of a delivery and what sniffing found."""

    path: Path
    rel: str
    table: str
    format: str
    size: int
    mtime_ns: int
    encoding: str = "utf-8"
    bom: bool = False
    header: list[str] = field(default_factory=list)
    #: Whether the file contains a quote; set by the validation from its checksum child's read.
    has_quotes: bool = False

    def changed(self) -> bool:
        """Whether the file's size or modification time changed since it was sniffed."""
        try:
            st = self.path.stat()
        except OSError:
            return True
        return (st.st_size, st.st_mtime_ns) != (self.size, self.mtime_ns)


@dataclass
class Delivery:
    """Every file found under the given paths, with the manifest when there is one."""

    files: list[SourceFile]
    root: Path | None
    manifest: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, list[SourceFile]]:
        """The files grouped by table name, in discovery order."""
        out: dict[str, list[SourceFile]] = {}
        for f in self.files:
            out.setdefault(f.table, []).append(f)
        return out


def _kind(path: Path) -> str:
    """'parquet', 'sas' or 'csv' from the file's first bytes; HubError for what cannot be read."""
    with path.open("rb") as fh:
        head = fh.read(SAS_MAGIC_OFFSET + len(SAS_MAGIC))
    if not head:
        raise HubError(f"File {path} is empty (0 bytes): it has no header line and no rows.")
    if head.startswith(GZIP_MAGIC):
        if path.name.lower().endswith(".gz"):
            raise HubError(f"File {path} is gzip-compressed; decompress it before ingestion.")
        raise HubError(f"File {path} is gzip-compressed but named {path.suffix}: decompress it "
                       "(or name it .csv.gz and decompress it) before ingestion.")
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if head[SAS_MAGIC_OFFSET:] == SAS_MAGIC:
        return "sas"
    return "csv"


def detect_encoding(sample: bytes, declared: str | None) -> tuple[str, bool]:
    """(encoding, has BOM) of a CSV sample: the declared one, else UTF-8 or cp1252/latin-1."""
    bom = sample.startswith(b"\xef\xbb\xbf")
    if declared:
        name = declared.lower().replace("_", "-")
        aliases = {"utf8": "utf-8", "utf-8-sig": "utf-8", "latin1": "latin-1",
                   "iso-8859-1": "latin-1", "windows-1252": "cp1252"}
        name = aliases.get(name, name)
        if name not in ("utf-8", "latin-1", "cp1252"):
            raise HubError(f"Encoding {declared!r} is not supported; use utf-8, latin-1 or cp1252.")
        return name, bom
    if bom:
        return "utf-8", True
    try:
        sample.decode("utf-8")
        return "utf-8", False
    except UnicodeDecodeError as exc:
        if len(sample) >= SNIFF_BYTES and exc.start >= len(sample) - 3:  # cut by the sample
            return "utf-8", False
    if any(0x80 <= b <= 0x9F for b in sample):
        return "cp1252", False
    return "latin-1", False


def sniff_csv(src: SourceFile, delimiter: str, declared_encoding: str | None) -> None:
    """Fill encoding, header and quoting of a CSV file; HubError on a header that cannot work."""
    with src.path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    src.encoding, src.bom = detect_encoding(sample, declared_encoding)
    text = sample[3:] if src.bom else sample
    line = text.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = line.decode("cp1252" if src.encoding == "cp1252" else src.encoding)
    except UnicodeDecodeError:
        raise HubError(f"File {src.rel} line 1: the header is not valid {src.encoding}; "
                       "declare the file's encoding (--encoding latin-1 or cp1252).") from None
    if not header.strip():
        raise HubError(f"File {src.rel} line 1: the header line is empty.")
    names = [h.strip().strip('"') for h in header.split(delimiter)]
    if len(names) == 1:
        found = max(DELIMITERS, key=header.count)
        if found != delimiter and header.count(found):
            raise HubError(
                f"File {src.rel} line 1: the header has no {delimiter!r} delimiter but "
                f"{header.count(found)} {found!r}; the file seems delimited by {found!r} "
                f"(pass --delimiter {found!r} or re-export it with {delimiter!r}).")
    src.header = names


def _candidates(path: Path) -> Iterable[tuple[Path, str | None]]:
    """(file, table from a Parquet folder name) under ``path``, sorted, skipping reference/."""
    if path.is_file():
        yield path, None
        return
    for child in sorted(path.iterdir()):
        if child.name.startswith(".") or child.name == MANIFEST:
            continue
        if child.is_dir():
            if child.name in SKIPPED_DIRS:
                continue
            parts = sorted(p for p in child.iterdir() if p.is_file() and not p.name.startswith("."))
            for part in parts:
                yield part, child.name
        elif child.is_file():
            yield child, None


def _table_name(path: Path, folder_table: str | None) -> str:
    """The table a file belongs to: its Parquet folder, else its name without suffixes."""
    if folder_table:
        return folder_table
    name = path.name
    for suffix in (".gz", ".csv", ".txt", ".tsv", ".dat", ".parquet", ".pq", ".sas7bdat"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name.upper() if name.isupper() or "_" in name else name


def discover(paths: list[Path], *, delimiter: str = ";",
             encoding: str | None = None) -> Delivery:
    """Find and sniff every file of a delivery; HubError naming the first unusable one."""
    if not paths:
        raise HubError("No input path given.")
    files: list[SourceFile] = []
    notes: list[str] = []
    manifest = None
    root = None
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise HubError(f"Input path {path} does not exist.")
        base = path if path.is_dir() else path.parent
        if path.is_dir():
            root = root or path
            if (path / MANIFEST).is_file():
                try:
                    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise HubError(f"Manifest {path / MANIFEST} is not valid JSON: {exc}.") from None
            for skipped in SKIPPED_DIRS:
                if (path / skipped).is_dir():
                    notes.append(f"Folder {skipped}/ skipped: it is not part of the SNDS tables "
                                 "(civil-status reference, never ingested into the lake).")
        for file, folder_table in _candidates(path):
            st = file.stat()
            table = _table_name(file, folder_table)
            rel = file.relative_to(base).as_posix() if path.is_dir() else file.name
            src = SourceFile(file, rel, table, _kind(file), st.st_size, st.st_mtime_ns)
            if src.format == "csv":
                sniff_csv(src, delimiter, encoding)
            files.append(src)
    if not files:
        raise HubError(f"No data file found under {', '.join(str(p) for p in paths)}.")
    return Delivery(files, root, manifest, notes)


def file_identity(files: list[SourceFile]) -> list[tuple[str, int]]:
    """(relative path, size) of every file: the cheap fingerprint checked before hashing."""
    return sorted((f.rel, f.size) for f in files)
