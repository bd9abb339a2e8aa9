"""An SNDS source folder (``DIR/<TABLE>/part-*.parquet`` + ``manifest.json``) as engine views.

Works on the synthetic generator's output and on the ingestion domain's validated lake
versions (same layout). A source is one extraction year: its year comes from the manifest's
``year``, else from its PMSI tables' names (``T_MCO23B`` → 2023). A table the source lacks
becomes an empty view with the descriptor's columns, so every model runs on every source.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from healthdatahub.engine import Engine
from healthdatahub.errors import HubError
from healthdatahub.snds import schema

_PMSI = re.compile(r"^T_MCO(\d\d)([ABCD])$")
REQUIRED = ("IR_BEN_R", "ER_PRS_F")
BEN_COLUMNS = ("BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_IDT_ANO", "BEN_NAI_ANN", "BEN_NAI_MOI",
               "BEN_SEX_COD", "BEN_DCD_DTE", "BEN_RES_DPT", "BEN_RES_COM")


def tables(source: Path) -> dict[str, Path]:
    """The table folders of a source (those holding Parquet part files)."""
    if not source.is_dir():
        raise HubError(f"Source folder {source} does not exist.")
    found = {p.name: p for p in sorted(source.iterdir())
             if p.is_dir() and any(p.glob("*.parquet"))}
    missing = [t for t in REQUIRED if t not in found]
    if missing:
        raise HubError(f"Source folder {source} lacks {', '.join(missing)} "
                       "(expected DIR/<TABLE>/part-*.parquet).")
    return found


def manifest(source: Path) -> dict:
    """The source's manifest.json (an empty dict when it has none)."""
    path = source / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        raise HubError(f"Manifest {path} is not valid JSON.") from None


def checksum(source: Path) -> str:
    """A checksum of the source: its manifest's bytes, else its files' names, sizes, mtimes."""
    path = source / "manifest.json"
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for p in sorted(source.rglob("*.parquet")):
        stat = p.stat()
        digest.update(f"{p.relative_to(source)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def source_year(source: Path) -> int:
    """The extraction year of a source."""
    year = manifest(source).get("year")
    if isinstance(year, int):
        return year
    years = {int(m.group(1)) for name in tables(source) if (m := _PMSI.match(name))}
    if len(years) == 1:
        return 2000 + years.pop()
    raise HubError(f"Cannot tell the extraction year of {source}: no manifest year and "
                   f"{len(years)} PMSI years; give one source folder per year.")


def finess_suppressed(source: Path) -> bool:
    """Whether the extraction was delivered with FINESS numbers suppressed."""
    data = manifest(source)
    return bool(data.get("finess_suppressed") or data.get("finess") == "suppressed")


def _empty_view(engine: Engine, name: str, descriptor: str) -> None:
    cols = ", ".join(f"CAST(NULL AS {schema.duckdb_type(f)}) AS {f['name']}"
                     for f in schema.load_schema(descriptor)["fields"])
    engine.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} WHERE 1 = 0")


def register_year(engine: Engine, source: Path, prefix: str = "") -> None:
    """Views for one year's event tables: ER_PRS_F, ER_PHA_F, mco_b/c/d/a (PMSI years unioned)."""
    found = tables(source)
    for table in ("ER_PRS_F", "ER_PHA_F"):
        if table in found:
            engine.register(f"{prefix}{table}", found[table])
        else:
            _empty_view(engine, f"{prefix}{table}", table)
    for suffix in "BCDA":
        names = sorted(n for n in found if (m := _PMSI.match(n)) and m.group(2) == suffix)
        view = f"{prefix}mco_{suffix.lower()}"
        if not names:
            _empty_view(engine, view, f"T_MCOaa{suffix}")
            continue
        cols = ", ".join(schema.field_names(f"T_MCOaa{suffix}"))
        for n in names:
            engine.register(f"{prefix}src_{n}", found[n])
        union = " UNION ALL ".join(f"SELECT {cols} FROM {prefix}src_{n}" for n in names)
        engine.execute(f"CREATE OR REPLACE VIEW {view} AS {union}")


def register_reference(engine: Engine, sources: list[Path]) -> None:
    """Views over every source: ben (latest IR_BEN_R row per person), imb, cci, mco_b_all, prs_all."""
    for i, src in enumerate(sources):
        found = tables(src)
        for table in ("IR_BEN_R", "IR_IMB_R", "KI_CCI_R", "ER_PRS_F"):
            if table in found:
                engine.register(f"s{i}_{table}", found[table])
            else:
                _empty_view(engine, f"s{i}_{table}", table)
        register_year(engine, src, prefix=f"s{i}_")
    last = len(sources) - 1
    ben_cols = ", ".join(BEN_COLUMNS)
    union = " UNION ALL ".join(f"SELECT {ben_cols}, {i} AS src_rank FROM s{i}_IR_BEN_R"
                               for i in range(len(sources)))
    engine.execute(
        f"CREATE OR REPLACE VIEW ben AS SELECT {ben_cols} FROM (SELECT *, row_number() OVER "
        f"(PARTITION BY BEN_NIR_PSA, BEN_RNG_GEM ORDER BY src_rank DESC) AS rn FROM ({union}) u) "
        f"r WHERE rn = 1")
    engine.execute(f"CREATE OR REPLACE VIEW imb AS SELECT * FROM s{last}_IR_IMB_R")
    cci_cols = "BEN_IDT_ANO, BEN_DCD_DTE, DCD_CIM_COD"
    engine.execute("CREATE OR REPLACE VIEW cci AS " + " UNION ALL ".join(
        f"SELECT {cci_cols} FROM s{i}_KI_CCI_R" for i in range(len(sources))))
    engine.execute("CREATE OR REPLACE VIEW mco_b_all AS " + " UNION ALL ".join(
        f"SELECT ETA_NUM FROM s{i}_mco_b" for i in range(len(sources))))
    engine.execute("CREATE OR REPLACE VIEW prs_all AS " + " UNION ALL ".join(
        f"SELECT PFS_EXE_NUM, PSE_SPE_COD FROM s{i}_ER_PRS_F" for i in range(len(sources))))
