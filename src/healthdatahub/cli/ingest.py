"""Ingestion commands: ``hdh ingest``, ``hdh ingest-report``, ``hdh ingestions``, ``hdh finess``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthdatahub.cli.common import JsonFlag, emit, emit_json, out, progress, settings

finess_app = typer.Typer(help="FINESS suppression before delivery to a project.",
                         no_args_is_help=True)


def ingest(
    dataset: Annotated[str, typer.Argument(help="Dataset slug (created if new).")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of the delivery.")],
    version: Annotated[str | None, typer.Option(help="Version name (default v1, v2, ...).")] = None,
    policy: Annotated[str | None, typer.Option(help="reject or quarantine (stored).")] = None,
    max_error_rate: Annotated[
        float | None, typer.Option(help="Quarantine policy: maximum share of rows in error.")
    ] = None,
    schema: Annotated[
        str | None, typer.Option(help="Table Schema / Data Package file (default: SNDS).")
    ] = None,
    delimiter: Annotated[str, typer.Option(help="CSV delimiter.")] = ";",
    encoding: Annotated[
        str | None, typer.Option(help="CSV encoding: utf-8, latin-1, cp1252 (default: detect).")
    ] = None,
    date_format: Annotated[
        str | None, typer.Option(help="Dates also accepted as: iso, ddmmyyyy, dd/mm/yyyy.")
    ] = None,
    decimal: Annotated[str, typer.Option(help="Decimal separator of numbers.")] = ".",
    requested_by: Annotated[
        int | None, typer.Option(hidden=True, help="Portal user the job is run for.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Validate a delivery against its schema and land it (exit 1 when it is rejected)."""
    from healthdatahub.ingest.service import ingest_files

    outcome = ingest_files(settings(), dataset, list(paths), version=version, policy=policy,
                           max_error_rate=max_error_rate, schema=schema, delimiter=delimiter,
                           encoding=encoding, date_format=date_format, decimal_char=decimal,
                           progress=progress(not as_json), requested_by=requested_by)
    emit(outcome, as_json)
    if not outcome.ok and not outcome.details.get("noop"):
        raise typer.Exit(1)


def ingest_report(
    ingestion_id: Annotated[int, typer.Argument(help="Ingestion id.")],
    html: Annotated[bool, typer.Option("--html", help="Print the HTML page.")] = False,
) -> None:
    """Print an ingestion's validation report (JSON, or HTML with --html)."""
    from healthdatahub.ingest.service import get_report, render_report_html

    report = get_report(settings(), ingestion_id)
    if html:
        out.file.write(render_report_html(report))
    else:
        emit_json(report)


def ingestions(
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """List recent ingestions as JSON."""
    from healthdatahub.ingest.service import list_ingestions

    emit_json({"ingestions": list_ingestions(settings(), dataset=dataset, limit=limit)})


@finess_app.command("suppress")
def finess_suppress(
    dataset: Annotated[str, typer.Argument(help="Dataset slug.")],
    version: Annotated[str, typer.Argument(help="Landed version, e.g. v1.")],
    project: Annotated[str, typer.Option(help="Project receiving the delivery.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    mode: Annotated[str, typer.Option(help="pseudonymise or remove.")] = "pseudonymise",
    min_stays: Annotated[int | None, typer.Option(help="Group establishments under this.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Deliver a landed version to a project with every FINESS pseudonymised or removed."""
    from healthdatahub.ingest.service import suppress_finess

    emit(suppress_finess(settings(), dataset, version, project, out=out_dir, mode=mode,
                         min_stays=min_stays, progress=progress(not as_json)), as_json)


def register(app: typer.Typer) -> None:
    """Add the ingestion commands to ``hdh``."""
    app.command()(ingest)
    app.command("ingest-report")(ingest_report)
    app.command()(ingestions)
    app.add_typer(finess_app, name="finess")
