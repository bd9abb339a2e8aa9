"""A delivery validated end to end: files scanned, every table checked, manifest compared."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthdatahub.config import Settings
from healthdatahub.engine import Engine
from healthdatahub.errors import HubError
from healthdatahub.ingest import scan
from healthdatahub.ingest.checks import compile_table
from healthdatahub.ingest.digests import FileDigests
from healthdatahub.ingest.schemas import SchemaSet
from healthdatahub.ingest.sources import Delivery, SourceFile
from healthdatahub.ingest.validate import (
    TableCheck,
    TableRun,
    create_typed_view,
    duplicate_keys,
    first_pass,
    orphan_keys,
    second_pass,
)

STRUCTURE = {
    "MISSING COLUMNS": ("truncatedLine", ("the line has fewer values than the header has columns "
                        "(a truncated or badly quoted line)")),
    "TOO MANY COLUMNS": ("extraValues", ("the line has more values than the header has columns "
                         "(a stray delimiter, or the wrong delimiter)")),
    "INVALID ENCODING": ("encoding", ("the line holds bytes that are not valid in the file's "
                         "encoding (declare --encoding latin-1 or cp1252)")),
    "UNQUOTED VALUE": ("quoting", "a quote character appears inside an unquoted value"),
    "LINE SIZE OVER MAXIMUM": ("lineTooLong", "the line is longer than the reader's maximum"),
    "INVALID STATE": ("quoting", "the line cannot be parsed (unbalanced quotes?)"),
}
MISSING_TEXT = "the column is in the schema but not in the file's header"
EXTRA_TEXT = "the column is in the file's header but not in the schema"


@dataclass
class Options:
    """Per-delivery reading options."""

    delimiter: str = ";"
    encoding: str | None = None
    date_format: str | None = None
    decimal_char: str = "."
    sample_rows: int = 5


@dataclass
class DeliveryRun:
    """The validated delivery: its tables and the file-level findings."""

    tables: dict[str, TableRun] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _date_formats(descriptor: dict[str, Any]) -> dict[str, str]:
    """Each date/datetime field's declared format (to print typed Parquet dates as text)."""
    from healthdatahub.ingest.checks import DEFAULT_FORMATS

    out = {}
    for f in descriptor.get("fields", []):
        if f.get("type") in DEFAULT_FORMATS:
            fmt = f.get("format")
            out[f["name"]] = fmt if fmt and fmt not in ("default", "any") else \
                DEFAULT_FORMATS[f["type"]]
    return out


def _scan_file(engine: Engine, index: int, src: SourceFile, descriptor: dict[str, Any],
               work: Path, opts: Options) -> scan.ScannedFile:
    if src.format == "csv":
        return scan.scan_csv(engine, index, src, work, opts.delimiter)
    path = scan.sas_to_parquet(src, work) if src.format == "sas" else src.path
    return scan.scan_parquet(engine, index, src, path, _date_formats(descriptor))


def _column_findings(run: TableRun) -> None:
    """Missing and unexpected columns, per file."""
    names = [f["name"] for f in run.descriptor.get("fields", [])]
    for f in run.files:
        missing = [n for n in names if n not in f.columns]
        extra = [c for c in f.columns if c not in names]
        findings = (("missingColumn", missing, MISSING_TEXT), ("unexpectedColumn", extra, EXTRA_TEXT))
        for rule, cols, text in findings:
            for col in cols:
                loc = {"file": f.source.rel, f.unit: 1 if f.unit == "line" else 0, "column": col}
                run.checks.append(TableCheck(col, rule, text, 1, [loc]))


def _structure_findings(run: TableRun) -> None:
    """Lines the CSV reader rejected (column count, encoding, quoting)."""
    grouped: dict[str, TableCheck] = {}
    for f in run.files:
        for r in f.reject_lines():
            rule, text = STRUCTURE.get(r["error"], ("structure", "the line cannot be parsed"))
            check = grouped.setdefault(rule, TableCheck(None, rule, text, 0))
            check.count += 1
            if len(check.samples) < 5:
                check.samples.append({"file": f.source.rel, "line": r["line"],
                                      "column": r["column"]})
        extra = f.reject_count - len(f.rejects)
        if extra > 0 and grouped:
            next(iter(grouped.values())).count += extra
    run.checks.extend(grouped.values())


def _manifest_findings(delivery: Delivery, dr: DeliveryRun) -> None:
    """Row counts, sizes and SHA-256 against the delivery manifest, and files it lists."""
    if not delivery.manifest:
        dr.notes.append("No manifest.json: row counts and checksums were not compared.")
        return
    listed = {e["path"]: e for e in delivery.manifest.get("files", []) if e.get("kind") != "reference"
              and not str(e.get("path", "")).startswith("reference/")}
    seen = {f.rel for f in delivery.files}
    for run in dr.tables.values():
        for f in run.files:
            entry = listed.get(f.source.rel)
            if entry is None:
                run.checks.append(TableCheck(None, "notInManifest", "the file is not listed in "
                                             "manifest.json", 1, [{"file": f.source.rel}]))
                continue
            rows = run.rows_by_file.get(f.source.rel, 0) + f.reject_count
            if "rows" in entry and int(entry["rows"]) != rows:
                run.checks.append(TableCheck(None, "rowCount", f"the file has {rows:,} data rows "
                                             f"but manifest.json says {int(entry['rows']):,}", 1,
                                             [{"file": f.source.rel}]))
            digest = dr.checksums.get(f.source.rel)
            if entry.get("sha256") and digest and entry["sha256"] != digest:
                run.checks.append(TableCheck(None, "checksum", "the file's SHA-256 differs from "
                                             "manifest.json (corrupted or replaced file)", 1,
                                             [{"file": f.source.rel}]))
    for path in sorted(set(listed) - seen):
        dr.notes.append(f"File {path} is listed in manifest.json but was not delivered.")
        table = listed[path].get("table", "?")
        if table in dr.tables:
            dr.tables[table].checks.append(TableCheck(None, "missingFile", "manifest.json lists "
                                                      "this file but it was not delivered", 1,
                                                      [{"file": path}]))
        else:
            raise HubError(f"File {path} (table {table}) is listed in manifest.json but was not "
                           "delivered.")


def configure_engine(engine: Engine, settings: Settings, work: Path) -> None:
    """The DuckDB settings of an ingestion: spill into the job's work folder, the ingestion's
    memory limit, and one thread more than the cores (unless the settings fix them).

    The extra thread: the SHA-256 child reads the whole file beside the engine, and with one
    thread per core the validation of the 10 M-row ER_PRS_F took 10.5 s median, with three
    threads on two cores 9.7 s, with less CPU (docs/benchmarks.md).
    """
    engine.execute(f"SET temp_directory = '{work / 'spill'}'")
    if not settings.duckdb_memory_limit:
        engine.execute(f"SET memory_limit = '{settings.ingest_memory_limit}'")
    if not settings.duckdb_threads:
        engine.execute(f"SET threads = {(os.cpu_count() or 1) + 1}")


def validate_delivery(engine: Engine, delivery: Delivery, schemas: SchemaSet, opts: Options,
                      work: Path) -> DeliveryRun:
    """Scan, check and compare every table of a delivery; the engine keeps the typed views."""
    dr = DeliveryRun(notes=list(delivery.notes))
    index = 0
    resolve: dict[str, str] = {}
    digests = FileDigests([f.path for f in delivery.files], [f.rel for f in delivery.files])
    try:
        for table, sources in delivery.tables().items():
            try:
                descriptor = schemas.descriptor(table)
                resolve[table] = schemas.resolve(table)
            except HubError as exc:
                raise HubError(f"File {sources[0].rel}: {exc}") from None
            files = []
            for src in sources:
                files.append(_scan_file(engine, index, src, descriptor, work, opts))
                index += 1
            present = [c for c in files[0].columns if all(c in f.columns for f in files)]
            compiled = compile_table(descriptor, present, date_format=opts.date_format,
                                     decimal_char=opts.decimal_char)
            run = TableRun(table, descriptor, files, compiled)
            dr.tables[table] = run
            create_typed_view(engine, run)
            counts = first_pass(engine, run)
            for f in files:
                scan.collect_rejects(engine, f)
                f.source.has_quotes = digests.has_quotes(f.source.rel)
                scan.collect_newlines(engine, f)
                run.rows_by_file[f.source.rel] = counts[f"f{f.index}"]
            run.rows = counts["__rows"]
            _column_findings(run)
            _structure_findings(run)
            run.rows_in_error = second_pass(engine, run, counts, opts.sample_rows)
            duplicate_keys(engine, run, counts, opts.sample_rows)
        for run in dr.tables.values():
            orphan_keys(engine, run, dr.tables, resolve, opts.sample_rows)
        dr.checksums = digests.checksums()
    finally:
        digests.stop()
    for f in delivery.files:
        if f.changed():
            raise HubError(f"File {f.rel} changed while it was being read (size or modification "
                           "time differs): wait until the transfer is complete, then ingest again.")
    _manifest_findings(delivery, dr)
    return dr
