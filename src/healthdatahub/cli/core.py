"""Core commands: version, the metadata store, jobs, the synthetic generator and the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from healthdatahub import __version__
from healthdatahub.cli.common import JsonFlag, emit, emit_json, out, progress, settings
from healthdatahub.results import Outcome

db_app = typer.Typer(help="The metadata store.", no_args_is_help=True)
jobs_app = typer.Typer(help="Long-running jobs and their progress.", no_args_is_help=True)


def version(as_json: JsonFlag = False) -> None:
    """Print the hub's version."""
    emit(Outcome(action="version", summary=f"healthdatahub {__version__}",
                 details={"version": __version__}), as_json)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    as_json: JsonFlag = False,
) -> None:
    """Create or migrate the metadata store to the latest schema."""
    from healthdatahub.store.service import upgrade_store

    emit(upgrade_store(settings(), revision), as_json)


@jobs_app.command("list")
def jobs_list(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many jobs to show.")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """List the most recent jobs with their state and progress."""
    from healthdatahub.jobs.service import list_jobs

    jobs = list_jobs(settings(), limit=limit)
    if as_json:
        emit_json({"jobs": jobs})
        return
    table = Table("id", "kind", "label", "state", "progress", "started", "error")
    for job in jobs:
        done, total = job.get("done") or 0, job.get("total")
        table.add_row(str(job["id"]), job["kind"], job.get("label") or "", job["state"],
                      f"{done}/{total}" if total else str(done),
                      str(job.get("started_at") or "")[:19], job.get("error") or "")
    out.print(table)


def synth(
    beneficiaries: Annotated[
        int, typer.Option("--beneficiaries", "-n", help="How many beneficiaries.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same data.")] = 42,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder of the extraction.")] = Path("synth-snds"),
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    encoding: Annotated[str, typer.Option(help="CSV encoding: utf-8 or latin-1.")] = "utf-8",
    date_format: Annotated[
        str, typer.Option(help="CSV dates: iso, ddmmyyyy, or schema (each field's format).")
    ] = "iso",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing extraction.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Generate a synthetic SNDS extraction (and its civil-status reference)."""
    from healthdatahub.snds.service import synthesize

    emit(synthesize(settings(), out_dir=out_dir, beneficiaries=beneficiaries, seed=seed, fmt=fmt,
                    encoding=encoding, date_format=date_format, overwrite=force,
                    progress=progress(not as_json)), as_json)


def demo(
    beneficiaries: Annotated[
        int, typer.Option("--beneficiaries", "-n", help="Size of the synthetic extraction.")
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic data.")] = 42,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the portal at the end.")
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Run the hub's main job end to end on synthetic data (idempotent)."""
    from healthdatahub.demo import run_demo

    outcome, then = run_demo(settings(), beneficiaries=beneficiaries, seed=seed, serve=serve,
                             progress=progress(not as_json))
    emit(outcome, as_json)
    if then is not None:
        then()


def register(app: typer.Typer) -> None:
    """Add the core commands to ``hdh``."""
    app.command()(version)
    app.command()(synth)
    app.command()(demo)
    app.add_typer(db_app, name="db")
    app.add_typer(jobs_app, name="jobs")
