"""Chunked writers (Parquet parts or one SNDS-style CSV per table), manifest and atomic output."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from healthdatahub.errors import HubError
from healthdatahub.snds.synth.tables import csv_ready

MANIFEST = "manifest.json"
GENERATOR = "healthdatahub.snds.synth"
_LATIN1_FIXES = str.maketrans({"œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "“": '"', "”": '"',
                               "–": "-", "—": "-", "…": "..."})


class TableWriter:
    """Appends chunks of one table to its Parquet folder or CSV file."""

    def __init__(self, root: Path, table: str, fmt: str, *, descriptor: str | None,
                 encoding: str, date_format: str, subdir: str = "") -> None:
        self.table, self.fmt, self.descriptor = table, fmt, descriptor
        self.encoding, self.date_format = encoding, date_format
        self.base = root / subdir if subdir else root
        self.base.mkdir(parents=True, exist_ok=True)
        self.rows = 0
        self.parts = 0
        self.files: list[Path] = []
        self._csv = None

    def write(self, chunk: pa.Table) -> None:
        """Write one chunk (Parquet: a new part file; CSV: appended, header on the first)."""
        if self.fmt == "parquet":
            folder = self.base / self.table
            folder.mkdir(exist_ok=True)
            path = folder / f"part-{self.parts:05d}.parquet"
            pq.write_table(chunk, path, compression="zstd", compression_level=1)
            self.files.append(path)
        else:
            if self._csv is None:
                path = self.base / f"{self.table}.csv"
                self._csv = path.open("wb")
                self.files.append(path)
            buf = io.BytesIO()
            if self.parts == 0:  # SNDS headers are bare names (pyarrow would quote them)
                buf.write((";".join(chunk.column_names) + "\n").encode("utf-8"))
            ready = csv_ready(chunk, self.descriptor, self.date_format)
            try:  # SNDS files are unquoted; quote only if a value holds ';', '"' or a newline
                pacsv.write_csv(ready, buf, pacsv.WriteOptions(
                    include_header=False, delimiter=";", quoting_style="none"))
            except pa.ArrowInvalid:
                buf.seek(0)
                buf.truncate()
                if self.parts == 0:
                    buf.write((";".join(chunk.column_names) + "\n").encode("utf-8"))
                pacsv.write_csv(ready, buf, pacsv.WriteOptions(
                    include_header=False, delimiter=";", quoting_style="needed"))
            data = buf.getvalue()
            if self.encoding == "latin-1":
                data = data.decode("utf-8").translate(_LATIN1_FIXES).encode("latin-1", "replace")
            self._csv.write(data)
        self.parts += 1
        self.rows += chunk.num_rows

    def close(self, schema: pa.Schema) -> None:
        """Finish the table (an empty table still gets a file with its columns)."""
        if self.parts == 0:
            self.write(schema.empty_table())
            self.parts, self.rows = 1, 0
        if self._csv is not None:
            self._csv.close()


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(root: Path, entries: list[dict], meta: dict) -> Path:
    """Write DIR/manifest.json: every file with table, rows, bytes and SHA-256."""
    files = []
    for e in entries:
        for path in e["files"]:
            files.append({"path": path.relative_to(root).as_posix(), "table": e["table"],
                          "kind": e["kind"], "rows": e["rows_by_file"].get(path, e["rows"]),
                          "bytes": path.stat().st_size, "sha256": sha256_file(path)})
    doc = {"generator": GENERATOR, **meta, "files": files}
    out = root / MANIFEST
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return out


def is_synth_output(path: Path) -> bool:
    """Whether ``path`` holds a previous output of this generator."""
    try:
        return json.loads((path / MANIFEST).read_text("utf-8")).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        return False


def check_target(out_dir: Path, overwrite: bool) -> None:
    """Refuse a target that is not ours, or ours without ``overwrite``, or not writable."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir() or (any(out_dir.iterdir()) and not is_synth_output(out_dir)):
            raise HubError(f"{out_dir} exists and is not a synthetic SNDS output; "
                           "choose another folder or remove it.")
        if any(out_dir.iterdir()) and not overwrite:
            raise HubError(f"{out_dir} already holds a synthetic output; use --force to replace it.")
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HubError(f"Cannot create the folder {parent}: {exc.strerror or exc}.") from None
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise HubError(f"Cannot write into {parent}: it is not a writable folder.")
