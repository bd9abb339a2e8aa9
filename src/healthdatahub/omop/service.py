"""The omop domain's public face: vocabulary load, CDM build, DQD, coverage, PostgreSQL export.

Every function runs as a job (progress in the CLI and the portal) and returns an Outcome.
Layout under the data dir: ``omop/_vocab/<name>/`` (loaded vocabularies), ``omop/<cdm>/``
(the CDM, one folder per table) and ``reports/omop/<cdm>/`` (dqd.json, dqd.html, coverage.json).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from healthdatahub.config import Settings
from healthdatahub.engine import Engine, get_engine
from healthdatahub.errors import HubError
from healthdatahub.jobs import ProgressSink, atomic_file, run_job
from healthdatahub.omop import cdm
from healthdatahub.omop.build import build_cdm, register_table
from healthdatahub.omop.coverage import coverage
from healthdatahub.omop.dqd.run import run_dqd
from healthdatahub.omop.export import export_postgres
from healthdatahub.omop.vocab import fixture_dir
from healthdatahub.omop.vocab.loader import load_vocabulary, register_vocabulary
from healthdatahub.results import Outcome


def omop_dir(settings: Settings) -> Path:
    """Where the CDMs and loaded vocabularies live."""
    return settings.data_dir / "omop"


def vocab_dir(settings: Settings, name: str = "fixture") -> Path:
    """The folder of a loaded vocabulary."""
    return omop_dir(settings) / "_vocab" / name


def cdm_dir(settings: Settings, name: str) -> Path:
    """The folder of a CDM."""
    if not name or not name.replace("-", "").replace("_", "").isalnum() or name.startswith("_"):
        raise HubError(f"CDM name {name!r} must be letters, digits, '-' or '_'.")
    return omop_dir(settings) / name


def vocab_load(settings: Settings, source: Path | None = None, name: str | None = None,
               progress: ProgressSink | None = None) -> Outcome:
    """Load an Athena download (default: the shipped fixture) into ``omop/_vocab/<name>``."""
    source = Path(source) if source else fixture_dir()
    name = name or ("fixture" if source == fixture_dir() else source.name)
    dest = vocab_dir(settings, name)
    started = time.perf_counter()
    with run_job(settings, "omop.vocab", f"Load vocabulary {name}", params={"source": str(source)},
                 progress=progress) as job, get_engine(settings) as engine:
        counts = load_vocabulary(engine, source, dest,
                                 on_table=lambda t, n: job.advance(1, f"{t}: {n:,} rows"))
        job.result({"counts": counts})
    return Outcome("omop.vocab.load", f"Vocabulary {name} loaded: {counts.get('concept', 0):,} "
                   "concepts.", paths={"vocabulary": str(dest)}, counts=counts,
                   timings={"total": round(time.perf_counter() - started, 3)})


def ensure_vocab(settings: Settings, vocab: Path | str | None) -> Path:
    """A loaded vocabulary folder: a path, a loaded name, or the fixture (loaded on demand)."""
    if vocab is not None and Path(vocab).is_dir() and (Path(vocab) / "concept").is_dir():
        return Path(vocab)
    if vocab is not None and vocab_dir(settings, str(vocab)).is_dir():
        return vocab_dir(settings, str(vocab))
    if vocab is not None:
        raise HubError(f"Vocabulary {vocab} is not loaded; run `hdh omop vocab load DIR`.")
    dest = vocab_dir(settings)
    if not (dest / "vocab.json").is_file():
        vocab_load(settings)
    return dest


def build(settings: Settings, sources: list[Path], name: str, vocab: Path | str | None = None,
          engine_name: str | None = None, force: bool = False,
          progress: ProgressSink | None = None) -> Outcome:
    """Build or update CDM ``name`` from one SNDS source folder per year."""
    if not sources:
        raise HubError("Give at least one --source folder.")
    vocab_path = ensure_vocab(settings, vocab)
    out = cdm_dir(settings, name)
    with run_job(settings, "omop.build", f"Build OMOP CDM {name}",
                 params={"sources": [str(s) for s in sources], "vocab": str(vocab_path)},
                 progress=progress) as job, get_engine(settings, engine_name) as engine:
        report = build_cdm(engine, [Path(s) for s in sources], out, vocab_path,
                           step=lambda m: job.advance(1, m), force=force)
        job.result({k: v for k, v in report.items() if k != "counts"})
    cdm_counts = {k: v for k, v in report["counts"].items() if "." not in k}
    return Outcome("omop.build", f"OMOP CDM {name} built on {report['engine']}: "
                   f"{cdm_counts.get('person', 0):,} persons; years rebuilt "
                   f"{report['rebuilt'] or 'none'}, reused {report['skipped'] or 'none'}.",
                   paths={"cdm": str(out)}, counts=cdm_counts,
                   timings={"total": report["seconds"]}, details=report)


def register_cdm(engine: Engine, out: Path, vocab: Path | None = None) -> list[str]:
    """Register every table of a built CDM (and its vocabulary) in ``engine``."""
    if not (out / "person").is_dir():
        raise HubError(f"No CDM in {out}; run `hdh omop build` first.")
    state = json.loads((out / "_build.json").read_text("utf-8")) if (
        out / "_build.json").is_file() else {}
    vocab = vocab or Path(state.get("vocab", ""))
    names = register_vocabulary(engine, vocab) if vocab and vocab.is_dir() else []
    for table in cdm.tables():
        if table not in cdm.VOCABULARY_TABLES and (out / table).is_dir():
            register_table(engine, table, out / table)
            names.append(table)
    return names


def report_dir(settings: Settings, name: str) -> Path:
    """Where a CDM's quality and coverage reports go."""
    return settings.reports_dir / "omop" / name


def dqd(settings: Settings, name: str, progress: ProgressSink | None = None,
        engine_name: str | None = None) -> Outcome:
    """Run the DQD checks on CDM ``name``; write reports/omop/<name>/dqd.{json,html}."""
    dest = report_dir(settings, name)
    with run_job(settings, "omop.dqd", f"Data quality of {name}", progress=progress) as job, \
            get_engine(settings, engine_name or "duckdb") as engine:
        tables = register_cdm(engine, cdm_dir(settings, name))
        document = run_dqd(engine, tables, dest, name)
        job.result(document["summary"])
    summary = document["summary"]
    return Outcome("omop.dqd", f"{summary['checks']} quality checks on {name}: "
                   f"{summary['status'].get('failed', 0)} failed.",
                   paths={"json": str(dest / "dqd.json"), "html": str(dest / "dqd.html")},
                   counts={k: int(v) for k, v in summary["status"].items()},
                   timings={"total": summary["seconds"]}, details=summary)


def mapping_coverage(settings: Settings, name: str) -> Outcome:
    """The mapping-coverage report of CDM ``name`` (reports/omop/<name>/coverage.json)."""
    dest = report_dir(settings, name) / "coverage.json"
    with get_engine(settings, "duckdb") as engine:
        register_cdm(engine, cdm_dir(settings, name))
        report = coverage(engine)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(dest) as tmp:
        tmp.write_text(json.dumps(report, indent=1), encoding="utf-8")
    parts = ", ".join(f"{v} {r['pct_records_mapped']} %" for v, r in report.items())
    return Outcome("omop.coverage", f"Records mapped to a standard concept: {parts}.",
                   paths={"coverage": str(dest)}, details=report)


def export(settings: Settings, name: str, url: str, schema: str | None = None,
           progress: ProgressSink | None = None) -> Outcome:
    """Load CDM ``name`` and its vocabulary into PostgreSQL with the CDM DDL and constraints."""
    with run_job(settings, "omop.export", f"Export {name} to PostgreSQL", progress=progress) \
            as job, get_engine(settings, "duckdb") as engine:
        tables = register_cdm(engine, cdm_dir(settings, name))
        counts = export_postgres(engine, tables, url, schema, step=lambda t: job.advance(1, t))
        job.result({"tables": len(counts)})
    return Outcome("omop.export", f"CDM {name} loaded into PostgreSQL ({len(counts)} tables, "
                   "all constraints enabled).", counts=counts)
