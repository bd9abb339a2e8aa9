"""Orchestration: blocks of beneficiaries -> chunks of tables -> atomic, manifest-checked output."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from healthdatahub.errors import HubError
from healthdatahub.jobs.atomic import atomic_dir, clean_stale_tmp
from healthdatahub.snds.synth import beneficiaries, conditions, dcir, pmsi, pmsi_tables
from healthdatahub.snds.synth.pmsi import P
from healthdatahub.snds.synth.population import Block, SeenNirs, make_block
from healthdatahub.snds.synth.pseudo import Pseudonymiser
from healthdatahub.snds.synth.tables import REFERENCE_SCHEMAS, conform, conform_reference
from healthdatahub.snds.synth.writer import TableWriter, check_target, write_manifest

BLOCK = 1_000  # beneficiaries per RNG block: the unit of determinism
MAX_BENEFICIARIES = 50_000_000
FORMATS = ("parquet", "csv")
ENCODINGS = ("utf-8", "latin-1")
DATE_FORMATS = ("iso", "ddmmyyyy", "schema")
SNDS_TABLES = ("IR_BEN_R", "IR_IMB_R", "ER_PRS_F", "ER_PHA_F", "ER_ETE_F", "KI_CCI_R",
               "KI_ECD_R")
PMSI_SUFFIXES = ("B", "C", "D", "A")
PRIVATE_SHARE = 0.3  # stays in private clinics, also billed in DCIR (ER_PRS_F + ER_ETE_F)

Progress = Callable[[int, int, str], None]


@dataclass
class SynthResult:
    """What a generation wrote: rows, files and seconds per table, and the whole run."""

    out_dir: Path
    beneficiaries: int
    seed: int
    fmt: str
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0
    manifest: Path | None = None


def check_arguments(beneficiaries: Any, fmt: str = "parquet", encoding: str = "utf-8",
                    date_format: str = "iso", chunk_size: Any = 100_000,
                    year: Any = 2023) -> None:
    """Raise a HubError with one sentence for bad input."""
    if not isinstance(beneficiaries, (int, np.integer)) or isinstance(beneficiaries, bool) \
            or not 0 < beneficiaries <= MAX_BENEFICIARIES:
        raise HubError(f"The number of beneficiaries must be an integer from 1 to "
                       f"{MAX_BENEFICIARIES:,}, got {beneficiaries!r}.")
    if fmt not in FORMATS:
        raise HubError(f"Unknown output format {fmt!r}; use one of {', '.join(FORMATS)}.")
    if encoding not in ENCODINGS:
        raise HubError(f"Unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}.")
    if date_format not in DATE_FORMATS:
        raise HubError(f"Unknown date format {date_format!r}; use one of "
                       f"{', '.join(DATE_FORMATS)}.")
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size <= 0:
        raise HubError(f"The chunk size must be a positive integer, got {chunk_size!r}.")
    if not isinstance(year, (int, np.integer)) or not 2000 <= year <= 2099:
        raise HubError(f"The year must be between 2000 and 2099, got {year!r}.")


def _merge(parts: list[dict[str, Any]]) -> tuple[dict[str, Any], int]:
    """Concatenate the column dicts of several blocks."""
    if not parts:
        return {}, 0
    out = {}
    for name in parts[0]:
        vals = [p[name] for p in parts]
        if any(isinstance(v, np.ma.MaskedArray) for v in vals):
            out[name] = np.ma.concatenate([np.ma.asarray(v) for v in vals])
        elif any(np.asarray(v).dtype == object for v in vals):
            out[name] = np.concatenate([np.asarray(v, dtype=object) for v in vals])
        else:
            out[name] = np.concatenate(vals)
    n = len(next(iter(out.values()))) if out else 0
    return out, n


def _identities(ps: Pseudonymiser, blocks: list[Block]) -> list[dict[str, np.ndarray]]:
    """Pseudonyms of every person of the chunk's blocks (computed in one DuckDB pass each)."""
    nir = np.concatenate([b.nir for b in blocks])
    opener = np.concatenate([b.nir[b.opener] for b in blocks])
    birth = np.concatenate([b.birth for b in blocks]).astype(str)
    sex = np.concatenate([b.sex for b in blocks]).astype(str)
    triplet = np.char.add(np.char.add(opener, np.char.replace(birth, "-", "")), sex)
    psa = ps.pseudonym(triplet, "BEN_NIR_PSA")
    ano = ps.pseudonym(nir, "BEN_NIR_ANO")
    idt = ps.pseudonym(nir, "BEN_IDT_ANO")
    dcd = ps.pseudonym(nir, "DCD_IDT_ENC", 64)
    out, start = [], 0
    for b in blocks:
        s = slice(start, start + b.n)
        off = start
        out.append({"psa": psa[s], "ano": ano[s], "idt": idt[s], "dcd": dcd[s],
                    "ass": ano[off + b.opener]})
        start += b.n
    return out


def _private(rng: np.random.Generator, b: Block, st: dict, tabs: dict) -> dict[str, np.ndarray]:
    """The stays billed by private clinics, for the DCIR side."""
    prof = st["profile"]
    sel = (rng.random(prof.size) < PRIVATE_SHARE) & (prof != P["dialyse"]) & \
          (prof != P["chimiotherapie"])
    return {"person": st["person"][sel], "day": st["day"][sel], "los": st["los"][sel],
            "eta": tabs["B"]["ETA_NUM"][sel], "ghs": tabs["B"]["GHS_NUM"][sel],
            "fee": np.round(900.0 + 450.0 * st["los"][sel], 2)}


def _block_tables(seed: int, b: Block, ids: dict[str, np.ndarray], year: int,
                  times: dict[str, float]) -> dict[str, dict[str, np.ndarray]]:
    """Every table's columns for one block."""
    rngs = [np.random.default_rng([seed, b.index, k]) for k in (2, 3, 4, 5, 6)]
    t = time.perf_counter()
    cond = conditions.assign(rngs[0], b.age, b.sex)
    st = pmsi.stays(rngs[1], b, cond)
    tabs = pmsi_tables.build(rngs[1], b, st, ids["psa"], cond)
    t1 = time.perf_counter()
    claims = dcir.build(rngs[2], b, cond, ids["psa"], _private(rngs[3], b, st, tabs))
    t2 = time.perf_counter()
    person = claims["ER_PRS_F"].pop("_person")
    trt = claims["ER_PRS_F"]["FLX_TRT_DTD"].astype("datetime64[D]").astype(np.int64)
    best = np.full(b.n, np.iinfo(np.int64).min)
    np.maximum.at(best, person, trt)
    max_trt = np.where(best > np.iinfo(np.int64).min, best, 0).astype("datetime64[D]")
    max_trt = np.where(best > np.iinfo(np.int64).min, max_trt, np.datetime64("NaT"))
    ben = beneficiaries.build(rngs[4], b, cond, ids, max_trt)
    t3 = time.perf_counter()
    times["pmsi"] = times.get("pmsi", 0.0) + t1 - t
    times["dcir"] = times.get("dcir", 0.0) + t2 - t1
    times["beneficiaries"] = times.get("beneficiaries", 0.0) + t3 - t2
    yy = f"{year % 100:02d}"
    out = {**claims, **ben}
    for suffix in PMSI_SUFFIXES:
        out[f"T_MCO{yy}{suffix}"] = tabs[suffix]
    return out


def generate(out_dir: Path, beneficiaries: int, seed: int, fmt: str = "parquet", *,
             encoding: str = "utf-8", date_format: str = "iso", chunk_size: int = 100_000,
             progress: Progress | None = None, year: int = 2023,
             overwrite: bool = False) -> SynthResult:
    """Write a synthetic SNDS extraction of ``beneficiaries`` people for ``year`` into out_dir."""
    check_arguments(beneficiaries, fmt, encoding, date_format, chunk_size, year)
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    check_target(out_dir, overwrite)
    clean_stale_tmp(out_dir.parent)  # what killed runs left behind
    with atomic_dir(out_dir) as tmp:
        result = _run(tmp, out_dir, int(beneficiaries), int(seed), fmt, encoding, date_format,
                      int(chunk_size), progress, int(year))
    result.total_seconds = time.perf_counter() - t0
    return result


def _run(tmp: Path, out_dir: Path, n: int, seed: int, fmt: str, encoding: str,
         date_format: str, chunk_size: int, progress: Progress | None, year: int) -> SynthResult:
    """Generate every chunk into ``tmp`` and write the manifest."""
    yy = f"{year % 100:02d}"
    tables = list(SNDS_TABLES) + [f"T_MCO{yy}{s}" for s in PMSI_SUFFIXES]
    writers = {t: TableWriter(tmp, t, fmt, descriptor=t, encoding=encoding,
                              date_format=date_format) for t in tables}
    for t in REFERENCE_SCHEMAS:
        writers[t] = TableWriter(tmp, t, fmt, descriptor=None, encoding=encoding,
                                 date_format=date_format, subdir="reference")
    result = SynthResult(out_dir, n, seed, fmt)
    times: dict[str, float] = {}
    seconds = {t: 0.0 for t in writers}
    rows_by_file: dict[Path, int] = {}
    seen = SeenNirs()
    ps = Pseudonymiser(seed)
    blocks_per_chunk = max(1, chunk_size // BLOCK)
    n_blocks = (n + BLOCK - 1) // BLOCK
    schemas: dict[str, pa.Schema] = {}
    try:
        for first in range(0, n_blocks, blocks_per_chunk):
            t = time.perf_counter()
            idx = range(first, min(first + blocks_per_chunk, n_blocks))
            blocks = [make_block(i, min(BLOCK, n - i * BLOCK), seed, year, seen) for i in idx]
            t1 = time.perf_counter()
            ids = _identities(ps, blocks)
            t2 = time.perf_counter()
            times["population"] = times.get("population", 0.0) + t1 - t
            times["pseudonyms"] = times.get("pseudonyms", 0.0) + t2 - t1
            parts = [_block_tables(seed, b, i, year, times) for b, i in zip(blocks, ids)]
            for name, w in writers.items():
                tw = time.perf_counter()
                cols, rows = _merge([p[name] for p in parts])
                if name in REFERENCE_SCHEMAS:
                    table = conform_reference(name, cols, rows)
                else:
                    table = conform(name, cols, rows)
                schemas[name] = table.schema
                before = len(w.files)
                w.write(table)
                if fmt == "parquet" or before == 0:
                    rows_by_file[w.files[-1]] = rows_by_file.get(w.files[-1], 0) + rows
                else:
                    rows_by_file[w.files[-1]] += rows
                seconds[name] += time.perf_counter() - tw
            done = min(n, (idx.stop) * BLOCK)
            if progress is not None:
                progress(done, n, f"{done:,} of {n:,} beneficiaries")
    finally:
        ps.close()
    entries = []
    for name, w in writers.items():
        w.close(schemas[name])
        for f in w.files:
            rows_by_file.setdefault(f, 0)
        kind = "reference" if name in REFERENCE_SCHEMAS else "snds"
        entries.append({"table": name, "kind": kind, "rows": w.rows, "files": w.files,
                        "rows_by_file": rows_by_file})
        result.rows[name] = w.rows
        result.files[name] = [str(out_dir / f.relative_to(tmp)) for f in w.files]
    result.seconds = seconds
    result.stage_seconds = times
    meta = {"beneficiaries": n, "seed": seed, "year": year, "format": fmt, "encoding": encoding,
            "date_format": date_format, "separator": ";" if fmt == "csv" else None,
            "tables": result.rows}
    result.manifest = out_dir / write_manifest(tmp, entries, meta).name
    return result
