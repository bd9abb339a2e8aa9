"""Indicator templates: reviewed, parameterised requests whose every output passes disclosure control.

A run counts the cases of a phenotype (prevalence: cases in the year; incidence: cases in the
year that were not cases the year before) and the population in the data, by year × age band
× sex × geography (département within région), filtered by the request's ``where``. Both
tables are protected as whole cubes with all margins (the geography is a hierarchy, so a
table by région and one by département are slices of the same protected cube and can never
be combined against each other); the published table is the slice by the requested ``by``.
Rates per 100,000 are computed from published counts only.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from healthdatahub.engine import Engine
from healthdatahub.engine.base import QueryError
from healthdatahub.errors import HubError
from healthdatahub.indicators import compile_omop, compile_snds, disclosure
from healthdatahub.indicators.cube import TOTAL, Dimension, dimension
from healthdatahub.indicators.library import get_phenotype

BY = ("year", "age_band", "sex", "region", "departement")
TEMPLATES: dict[str, dict[str, Any]] = {
    "prevalence": {"title": "Patients (prevalence) of a phenotype",
                   "description": "People meeting the phenotype in the year, and the rate per "
                                  "100,000 people of the data alive on 1 January.",
                   "params": {"phenotype": "name", "year": "YYYY or YYYY,YYYY",
                              "by": "comma list of " + ", ".join(BY),
                              "where": "region=…;departement=…;sex=1|2;age_min=…;age_max=…"}},
    "incidence": {"title": "New patients (incidence) of a phenotype",
                  "description": "People meeting the phenotype in the year but not the year "
                                 "before (needs the previous year's data), per 100,000 people "
                                 "at risk.",
                  "params": {"phenotype": "name", "year": "YYYY", "by": "as prevalence",
                             "where": "as prevalence"}},
}
_WHERE_KEYS = {"region", "departement", "sex", "age_min", "age_max"}


@dataclass
class IndicatorResult:
    """A protected indicator table, its disclosure logs and what produced it."""

    template: str
    params: dict[str, Any]
    table: pd.DataFrame
    log: dict[str, Any]
    phenotype_version: str
    sql: str
    timings: dict[str, float] = field(default_factory=dict)


def parse_params(template: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Checked, normalised parameters of a template run."""
    if template not in TEMPLATES:
        raise HubError(f"Unknown template {template!r}; known: {', '.join(TEMPLATES)}.")
    unknown = set(raw) - {"phenotype", "year", "by", "where"}
    if unknown:
        raise HubError(f"Unknown template parameter(s) {', '.join(sorted(unknown))}.")
    phenotype = get_phenotype(str(raw.get("phenotype", "")))
    items = [y for y in re.split(r"[,\s]+", str(raw.get("year", "2023"))) if y]
    if not items or any(not re.match(r"^(19|20)\d\d$", y) for y in items):
        raise HubError("Years are written YYYY (several separated by commas).")
    years = sorted({int(y) for y in items})
    by = raw.get("by", "age_band,sex")
    by = [b.strip() for b in (by.split(",") if isinstance(by, str) else by) if b.strip()]
    if set(by) - set(BY):
        raise HubError(f"Breakdowns are among {', '.join(BY)}.")
    where = raw.get("where") or {}
    if isinstance(where, str):
        where = dict(part.split("=", 1) for part in where.split(";") if "=" in part)
    if set(where) - _WHERE_KEYS:
        raise HubError(f"Filters are among {', '.join(sorted(_WHERE_KEYS))}.")
    clean: dict[str, Any] = {}
    for key, value in where.items():
        if key in ("age_min", "age_max"):
            if not re.match(r"^\d{1,3}$", str(value).strip()):
                raise HubError(f"Filter {key} takes an age in years.")
            clean[key] = int(value)
        else:
            items = value.split(",") if isinstance(value, str) else list(value)
            clean[key] = sorted({str(v).strip() for v in items if str(v).strip()})
            if any(not re.match(r"^[0-9A-Za-z]{1,3}$", v) for v in clean[key]):
                raise HubError(f"Filter {key} takes codes (letters and digits).")
    if template == "incidence" and len(years) != 1:
        raise HubError("The incidence template takes one year.")
    return {"phenotype": phenotype.name, "year": years, "by": by, "where": clean}


def where_sql(where: dict[str, Any]) -> str:
    """The SQL predicate of a request's filters over the population view."""
    parts = ["TRUE"]
    for key, column in (("region", "region"), ("departement", "dpt"), ("sex", "sex")):
        if where.get(key):
            parts.append(f"{column} IN ({', '.join(repr(str(v)) for v in where[key])})")
    if "age_min" in where:
        parts.append(f"age >= {int(where['age_min'])}")
    if "age_max" in where:
        parts.append(f"age <= {int(where['age_max'])}")
    return " AND ".join(parts)


def age_band_sql(bands: str) -> str:
    """CASE expression mapping ``age`` to its band label ("0-17", …, "85-")."""
    whens = []
    for band in bands.split(","):
        lo, _, hi = band.strip().partition("-")
        cond = f"age >= {int(lo)}" + (f" AND age <= {int(hi)}" if hi else "")
        whens.append(f"WHEN {cond} THEN '{band.strip()}'")
    return "CASE " + " ".join(whens) + " END"


#: The data a template reads: SNDS tables (an extraction) or an OMOP CDM 5.4 (the hub's ETL).
COMPILERS = {"snds": compile_snds, "omop": compile_omop}


def _registered(engine: Engine, table: str) -> bool:
    """True when the engine knows ``table`` (any engine: a query that reads no row)."""
    try:
        engine.scalar(f"SELECT count(*) FROM (SELECT * FROM {table} LIMIT 0) AS t")
    except QueryError:
        return False
    return True


def population_view(engine: Engine, template: str, params: dict[str, Any], bands: str,
                    source: str = "snds") -> str:
    """Create view ``ind_pop`` (one row per person-year, never returned); return its SQL."""
    phenotype = get_phenotype(params["phenotype"])
    compiler = COMPILERS[source]
    if source == "omop" and template == "incidence":
        raise HubError("Incidence on an OMOP CDM is not available yet; run it on the SNDS "
                       "extraction (--source).")
    selects = []
    for year in params["year"]:
        if template != "incidence":
            selects.append(compiler.population_sql(phenotype, year))
            continue
        # Incidence: the population at risk leaves out who was already a case the year before.
        has_prior = engine.scalar(
            f"SELECT count(*) FROM ER_PRS_F WHERE EXE_SOI_DTD >= DATE '{year - 1}-01-01' "
            f"AND EXE_SOI_DTD < DATE '{year}-01-01'")
        needed = sorted(compile_snds.tables_used(phenotype.criterion, year - 1))
        missing = [t for t in needed if not _registered(engine, t)]
        if not has_prior or missing:
            raise HubError(f"Incidence in {year} needs the data of {year - 1} "
                           f"({', '.join(missing or ['ER_PRS_F'])} for {year - 1}), "
                           "which this extraction does not hold.")
        base = compile_snds.population_sql(phenotype, year, keys=True)
        prior = compile_snds.to_sql(phenotype.criterion, year - 1)
        selects.append(
            f"SELECT p.year, p.age, p.sex, p.dpt, p.is_case FROM ({base}) AS p WHERE NOT EXISTS "
            f"(SELECT 1 FROM ({prior}) AS q WHERE q.BEN_NIR_PSA = p.BEN_NIR_PSA "
            "AND q.BEN_RNG_GEM = p.BEN_RNG_GEM)")
    body = "\nUNION ALL\n".join(f"SELECT * FROM ({s}) AS y{i}" for i, s in enumerate(selects))
    sql = f"""SELECT pop.year, pop.age, pop.sex, pop.dpt, dep.REG_COD AS region, pop.is_case,
       {age_band_sql(bands)} AS age_band
FROM ({body}) AS pop JOIN departements AS dep ON dep.DPT_COD = pop.dpt"""
    engine.execute("DROP VIEW IF EXISTS ind_pop")
    engine.execute(f"CREATE VIEW ind_pop AS {sql}")
    return sql


def dimensions(engine: Engine, years: list[int], bands: str, level: str) -> list[Dimension]:
    """The cube's dimensions: year, age band, sex, geography (régions, or départements in régions)."""
    deps = engine.to_pandas("SELECT DPT_COD, REG_COD FROM departements ORDER BY DPT_COD")
    if level == "departement":
        geo = dimension("geo", [f"dep:{d}" for d in deps.DPT_COD],
                        {f"dep:{d}": f"reg:{r}" for d, r in zip(deps.DPT_COD, deps.REG_COD,
                                                                 strict=True)})
    else:
        geo = dimension("geo", [f"reg:{r}" for r in sorted(set(deps.REG_COD))])
    return [dimension("year", [str(y) for y in years]),
            dimension("age_band", [b.strip() for b in bands.split(",")]),
            dimension("sex", ["1", "2"]), geo]


def geo_level(by: list[str]) -> str:
    """The geography of a run's cube: départements (within régions) when asked, else régions."""
    return "departement" if "departement" in by else "region"


def _slice(protected: disclosure.Protected, by: list[str]) -> pd.DataFrame:
    """Rows of the requested table: geo at the requested level, other dims at their total."""
    t = protected.table
    keep = pd.Series(True, index=t.index)
    for d in ("year", "age_band", "sex"):
        keep &= (t[d] != TOTAL) if d in by else (t[d] == TOTAL)
    if "departement" in by:
        keep &= t["geo"].str.startswith("dep:")
    elif "region" in by:
        keep &= t["geo"].str.startswith("reg:")
    else:
        keep &= t["geo"] == TOTAL
    out = t[keep].copy()
    out["geo"] = out["geo"].str.split(":").str[-1]
    out = out.rename(columns={"geo": "departement" if "departement" in by else "region"})
    cols = [c for c in ("year", "age_band", "sex") if c in by]
    if "departement" in by or "region" in by:
        cols.append("departement" if "departement" in by else "region")
    return out[[*cols, "count", "status"]].reset_index(drop=True)


def run(engine: Engine, template: str, raw: dict[str, Any], rules: disclosure.Rules,
        bands: str, time_limit: float | None = None, source: str = "snds") -> IndicatorResult:
    """Run a template on the tables registered with ``engine`` (SNDS, or an OMOP CDM when
    ``source`` is "omop"); the output is protected."""
    started = time.perf_counter()
    params = parse_params(template, raw)
    phenotype = get_phenotype(params["phenotype"])
    sql = population_view(engine, template, params, bands, source)
    level = geo_level(params["by"])
    geo = "concat('dep:', dpt)" if level == "departement" else "concat('reg:', region)"
    leaf = engine.to_pandas(
        f"SELECT CAST(year AS VARCHAR) AS year, age_band, sex, {geo} AS geo, "
        "CAST(sum(is_case) AS BIGINT) AS cases, count(*) AS population FROM ind_pop "
        f"WHERE age_band IS NOT NULL AND {where_sql(params['where'])} "
        f"GROUP BY year, age_band, sex, {geo}")
    queried = time.perf_counter()
    dims = dimensions(engine, params["year"], bands, level)
    cases = disclosure.protect(leaf.rename(columns={"cases": "count"}), dims, rules,
                               time_limit=time_limit)
    pop = disclosure.protect(leaf.rename(columns={"population": "count"}), dims, rules,
                             time_limit=time_limit)
    a, b = _slice(cases, params["by"]), _slice(pop, params["by"])
    keys = [c for c in a.columns if c not in ("count", "status")]
    table = a.rename(columns={"count": "cases", "status": "cases_status"}).merge(
        b.rename(columns={"count": "population", "status": "population_status"}), on=keys)
    table["rate_per_100000"] = disclosure.masked_rate(table["cases"], table["population"])
    disclosure.check_published(a, rules)
    log = {"cases": cases.log, "population": pop.log,
           "published_slice": {"by": params["by"], "rows": len(table)},
           "rates": "computed from published counts; masked when either count is masked"}
    return IndicatorResult(template, params, table, log, phenotype.version, sql,
                           {"query": round(queried - started, 3),
                            "disclosure": round(time.perf_counter() - queried, 3)})


def register_snds(engine: Engine, extraction: Path) -> list[str]:
    """Register an extraction's SNDS tables and the nomenclatures the phenotypes use."""
    import json

    from healthdatahub.snds import nomenclatures
    from healthdatahub.snds.profile import register_extraction

    manifest_path = extraction / "manifest.json"
    if not manifest_path.is_file():
        raise HubError(f"{extraction} is not an SNDS extraction (no manifest.json).")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tables = register_extraction(engine, extraction, manifest)
    engine.register_arrow("medicaments", nomenclatures.load("medicaments"))
    engine.register_arrow("departements", nomenclatures.load("departements"))
    return tables


def register_omop(engine: Engine, cdm_folder: Path) -> list[str]:
    """Register a CDM built by ``hdh omop build`` (and its vocabulary) and the départements."""
    from healthdatahub.omop.service import register_cdm
    from healthdatahub.snds import nomenclatures

    tables = register_cdm(engine, cdm_folder)
    engine.register_arrow("departements", nomenclatures.load("departements"))
    return tables
