"""``hdh omop``: vocabulary load, CDM build, data-quality checks, coverage, PostgreSQL export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthdatahub.cli.common import JsonFlag, emit, progress, settings

omop_app = typer.Typer(help="OMOP CDM 5.4: vocabularies, SNDS conversion, quality checks.",
                       no_args_is_help=True)
vocab_app = typer.Typer(help="OMOP vocabularies (Athena downloads).", no_args_is_help=True)
omop_app.add_typer(vocab_app, name="vocab")


@vocab_app.command("load")
def vocab_load(
    source: Annotated[Path | None, typer.Argument(help="Athena download folder (default: the "
                                                       "shipped synthetic fixture).")] = None,
    name: Annotated[str | None, typer.Option(help="Name of the loaded vocabulary.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Load an Athena vocabulary download into Parquet."""
    from healthdatahub.omop.service import vocab_load as run

    emit(run(settings(), source, name, progress=progress(not as_json)), as_json)


@omop_app.command("build")
def build(
    source: Annotated[list[Path], typer.Option("--source", help="SNDS source folder (one per "
                                                                  "year; repeat).")],
    name: Annotated[str, typer.Option("--name", help="CDM name (omop/<name>/).")] = "snds",
    vocab: Annotated[str | None, typer.Option(help="Loaded vocabulary (name or folder).")] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark.")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild every year.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Convert SNDS extraction(s) to an OMOP CDM 5.4 (Parquet, one folder per table)."""
    from healthdatahub.omop.service import build as run

    emit(run(settings(), source, name, vocab, engine, force, progress(not as_json)), as_json)


@omop_app.command("dqd")
def dqd(name: Annotated[str, typer.Argument(help="CDM name.")] = "snds",
        engine: Annotated[str | None, typer.Option(help="duckdb (default) or spark.")] = None,
        as_json: JsonFlag = False) -> None:
    """Run the Data Quality Dashboard checks; HTML + JSON report."""
    from healthdatahub.omop.service import dqd as run

    emit(run(settings(), name, progress(not as_json), engine), as_json)


@omop_app.command("coverage")
def coverage(name: Annotated[str, typer.Argument(help="CDM name.")] = "snds",
             as_json: JsonFlag = False) -> None:
    """Mapping coverage per source vocabulary, with the most frequent unmapped codes."""
    from healthdatahub.omop.service import mapping_coverage

    emit(mapping_coverage(settings(), name), as_json)


@omop_app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="CDM name.")] = "snds",
    postgres: Annotated[str, typer.Option("--postgres", help="PostgreSQL URL.")] = "",
    schema: Annotated[str | None, typer.Option(help="Target schema.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Load the CDM into PostgreSQL with the CDM DDL and all constraints."""
    from healthdatahub.omop.service import export as run

    emit(run(settings(), name, postgres, schema, progress(not as_json)), as_json)


def register(app: typer.Typer) -> None:
    """Add ``hdh omop`` to the CLI."""
    app.add_typer(omop_app, name="omop")
