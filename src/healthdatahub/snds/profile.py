"""A first look at an SNDS extraction through the engine: table sizes and a few aggregates.

Only counts leave this module, never a row. The SQL is written once (DuckDB dialect) and
runs on any engine of the hub.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from healthdatahub.engine import Engine
from healthdatahub.snds.schema import JOIN_KEYS

_JOIN = " AND ".join(f"prs.{k} = pha.{k}" for k in JOIN_KEYS)

#: Beneficiaries with at least three deliveries of antidiabetics (ATC A10) on distinct dates,
#: information-only lines (DPN_QLF = 71) excluded: the usual proxy for treated diabetes.
TREATED_DIABETES_SQL = f"""
SELECT count(*) FROM (
    SELECT prs.BEN_NIR_PSA, prs.BEN_RNG_GEM
    FROM ER_PRS_F AS prs
    JOIN ER_PHA_F AS pha ON {_JOIN}
    JOIN medicaments AS med ON CAST(pha.PHA_PRS_C13 AS VARCHAR) = med.CIP13
    WHERE med.ATC LIKE 'A10%' AND coalesce(prs.DPN_QLF, 0) <> 71
      AND pha.PHA_ACT_QSN > 0
    GROUP BY prs.BEN_NIR_PSA, prs.BEN_RNG_GEM
    HAVING count(DISTINCT prs.EXE_SOI_DTD) >= 3
) AS treated
"""

ADULTS_SQL = "SELECT count(*) FROM IR_BEN_R WHERE BEN_NAI_ANN <= {year} - 18"

STAYS_SQL = "SELECT count(*) FROM {stays}"

INFORMATION_LINES_SQL = "SELECT count(*) FROM ER_PRS_F WHERE coalesce(DPN_QLF, 0) = 71"


def register_extraction(engine: Engine, extraction: Path, manifest: dict[str, Any]) -> list[str]:
    """Register every SNDS table of a synthetic extraction with the engine; returns their names."""
    tables = []
    for name in manifest["tables"]:
        folder = extraction / name
        csv_file = extraction / f"{name}.csv"
        if folder.is_dir():
            engine.register(name, folder)
        elif csv_file.is_file():
            engine.register(name, csv_file, delimiter=";", header=True,
                            encoding=manifest.get("encoding") or "utf-8")
        else:
            continue  # reference tables live under reference/ and are not profiled
        tables.append(name)
    return tables


def profile_extraction(engine: Engine, extraction: Path, manifest: dict[str, Any]) -> dict[str, int]:
    """Counts over a registered extraction: rows per table, adults, treated diabetes, stays."""
    from healthdatahub.snds import nomenclatures

    tables = register_extraction(engine, extraction, manifest)
    engine.register_arrow("medicaments", nomenclatures.load("medicaments"))
    year = int(manifest.get("year", 2023))
    counts = {name: int(engine.scalar(f"SELECT count(*) FROM {name}")) for name in tables}
    counts["adults"] = int(engine.scalar(ADULTS_SQL.format(year=year)))
    counts["treated_diabetes"] = int(engine.scalar(TREATED_DIABETES_SQL))
    counts["information_only_lines"] = int(engine.scalar(INFORMATION_LINES_SQL))
    return counts
