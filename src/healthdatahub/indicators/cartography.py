"""A table shaped like the pathology cartography's ``CT_IND_AAAA_GN``: one row per beneficiary.

The column names and types are the CNAM descriptor's (bundled in ``data/``, MPL-2.0, from
the shared SNDS schema). The hub fills the key ``id_carto`` (built by the descriptor's rule:
``BEN_NIR_ANO || 'U'`` when known, else ``BEN_NIR_PSA || BEN_RNG_GEM``; the ``ASS_NIR_ANO``
branch needs the affiliation quality, which IR_BEN_R does not hold), the demographic columns
it can derive from IR_BEN_R (sex, birth year, age on 31 December clamped to 0-110, the
cartography's age class, département and région of residence, death date and death by
31 December), ``version``, and one 0/1 flag per library phenotype that names a cartography
column (the phenotype's criterion and minimum age, as in the templates). Every other column
of the descriptor is absent, not null: a reader can tell "not computed" from "no".

The rows are the beneficiaries born by the year and alive on 1 January (the templates'
population), not the cartography's "consumers of care in the year". The table is written
with the engine into the lake, atomically, and is never printed or returned: the outcome
names the folder, the columns filled and absent, and the number of rows.
"""

from __future__ import annotations

import json
import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from healthdatahub.config import Settings
from healthdatahub.engine import get_engine
from healthdatahub.errors import HubError
from healthdatahub.indicators.compile_snds import tables_used, to_sql
from healthdatahub.indicators.dsl import Phenotype
from healthdatahub.indicators.library import PHENOTYPES
from healthdatahub.jobs import ProgressSink, run_job
from healthdatahub.results import Outcome
from healthdatahub.snds.schema import duckdb_type
from healthdatahub.store import ensure_schema

DESCRIPTOR = "CT_IND_AAAA_GN"
VERSION = "H1"  # the hub's own algorithms (first set), not a CNAM algorithm version
#: cla_age_ct: the descriptor's classes (0-14, 15-34, 35-54, 55-64, 65-74, 75 and over).
AGE_CLASSES = ((0, 14), (15, 34), (35, 54), (55, 64), (65, 74), (75, None))
AGE = "least(greatest({year} - ben.BEN_NAI_ANN, 0), 110)"  # on 31 December, from the birth year
#: Demographic and key columns the hub fills, with their SQL over ``ben`` (IR_BEN_R) and ``dep``.
BASE_COLUMNS: dict[str, str] = {
    "id_carto": "CASE WHEN ben.BEN_NIR_ANO IS NOT NULL AND ben.BEN_NIR_ANO <> '' "
                "THEN concat(ben.BEN_NIR_ANO, 'U') "
                "ELSE concat(ben.BEN_NIR_PSA, CAST(ben.BEN_RNG_GEM AS VARCHAR)) END",
    "ben_sex_cod": "ben.BEN_SEX_COD",
    "ben_nai_ann": "ben.BEN_NAI_ANN",
    "age": "{age}",
    "cla_age_ct": "{age_class}",
    "new_cod_reg": "dep.REG_COD",
    "dpt": "ben.BEN_RES_DPT",
    "ben_dcd_dte": "ben.BEN_DCD_DTE",
    "dcd_3112": "CASE WHEN ben.BEN_DCD_DTE <= DATE '{year}-12-31' THEN 1 ELSE 0 END",
    "version": f"'{VERSION}'",
}


@cache
def descriptor() -> dict[str, Any]:
    """The bundled CT_IND_AAAA_GN descriptor (a Table Schema)."""
    path = resources.files("healthdatahub.indicators") / "data" / f"{DESCRIPTOR}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def descriptor_fields() -> dict[str, dict[str, Any]]:
    """The descriptor's fields by name, in the descriptor's order."""
    return {f["name"]: f for f in descriptor()["fields"]}


def key_columns() -> list[str]:
    """The descriptor's key: the fields of its foreign key to CT_IDE_AAAA_GN (``id_carto``)."""
    keys: list[str] = []
    for fk in descriptor().get("foreignKeys", []):
        fields = fk["fields"]
        keys += [fields] if isinstance(fields, str) else list(fields)
    return keys


def flags() -> dict[str, Phenotype]:
    """Cartography column -> the library phenotype that fills it (checked against the descriptor)."""
    known = descriptor_fields()
    out: dict[str, Phenotype] = {}
    for phenotype in PHENOTYPES.values():
        for column in phenotype.cartography:
            if column not in known:
                raise HubError(f"Phenotype {phenotype.name} names {column}, which is not a "
                               f"column of {DESCRIPTOR}.")
            out[column] = phenotype
    return out


def filled_columns() -> list[str]:
    """The columns the hub writes, in the descriptor's order."""
    wanted = set(BASE_COLUMNS) | set(flags())
    return [name for name in descriptor_fields() if name in wanted]


def absent_columns() -> list[str]:
    """The descriptor's columns the hub does not compute (left out of the table)."""
    filled = set(filled_columns())
    return [name for name in descriptor_fields() if name not in filled]


def _age_class(age: str) -> str:
    """The cartography's age class label of a (clamped, non-negative) age: '0-14' … '75+'."""
    whens = " ".join(f"WHEN {age} <= {hi} THEN '{lo}-{hi}'" for lo, hi in AGE_CLASSES if hi)
    return f"CASE {whens} ELSE '{AGE_CLASSES[-1][0]}+' END"


def cartography_sql(year: int) -> str:
    """SQL of the per-beneficiary table of ``year`` (DuckDB dialect, runs on every engine)."""
    fields = descriptor_fields()
    age = AGE.format(year=year)
    exprs = {name: sql.format(year=year, age=age, age_class=_age_class(age))
             for name, sql in BASE_COLUMNS.items()}
    joins = []
    for i, (column, phenotype) in enumerate(flags().items()):
        joins.append(f"LEFT JOIN ({to_sql(phenotype.criterion, year)}) AS f{i} "
                     f"ON f{i}.BEN_NIR_PSA = ben.BEN_NIR_PSA AND f{i}.BEN_RNG_GEM = ben.BEN_RNG_GEM")
        exprs[column] = (f"CASE WHEN f{i}.BEN_NIR_PSA IS NOT NULL AND {year} - ben.BEN_NAI_ANN "
                         f">= {phenotype.min_age} THEN 1 ELSE 0 END")
    select = ",\n       ".join(f"CAST({exprs[name]} AS {duckdb_type(fields[name])}) AS {name}"
                               for name in filled_columns())
    newline = "\n"
    return f"""SELECT {select}
FROM IR_BEN_R AS ben
LEFT JOIN departements AS dep ON dep.DPT_COD = ben.BEN_RES_DPT
{newline.join(joins)}
WHERE ben.BEN_NAI_ANN <= {year}
  AND (ben.BEN_DCD_DTE IS NULL OR ben.BEN_DCD_DTE >= DATE '{year}-01-01')"""


def table_dir(settings: Settings, year: int) -> Path:
    """Where the table of ``year`` lives in the lake."""
    return settings.lake_dir / "cartography" / f"CT_IND_{year}_G{VERSION}"


def write_cartography(settings: Settings, source_dir: Path, year: int,
                      progress: ProgressSink | None = None, engine_name: str | None = None
                      ) -> Outcome:
    """Write the cartography-shaped table of ``year`` for an extraction into the lake (a job)."""
    from healthdatahub.indicators.templates import register_snds

    if not 2000 <= year <= 2100:
        raise HubError("The cartography year is written YYYY.")
    started = time.perf_counter()
    ensure_schema(settings)
    dest = table_dir(settings, year)
    with run_job(settings, "indicator-cartography", f"{DESCRIPTOR} {year}", total=1,
                 params={"year": year, "source": str(source_dir)}, progress=progress) as job:
        with get_engine(settings, engine_name) as engine:
            registered = {t.upper() for t in register_snds(engine, source_dir)}
            needed = {"IR_BEN_R"}.union(*(tables_used(p.criterion, year) for p in flags().values()))
            missing = sorted(t for t in needed if t != "medicaments" and t.upper() not in registered)
            if missing:
                raise HubError(f"The extraction {source_dir} lacks {', '.join(missing)} for "
                               f"{year}; the cartography of {year} needs them.")
            rows = engine.write_parquet(cartography_sql(year), dest)
        job.advance(1)
        job.result({"rows": rows, "path": str(dest)})
    return Outcome("indicator-cartography",
                   f"{DESCRIPTOR} of {year}: {rows} beneficiaries, {len(flags())} flags "
                   f"({', '.join(flags())}), written to {dest}.",
                   paths={"table": str(dest)}, counts={"rows": rows},
                   timings={"total": round(time.perf_counter() - started, 3)},
                   details={"year": year, "keys": key_columns(), "filled": filled_columns(),
                            "absent": absent_columns(), "version": VERSION})
