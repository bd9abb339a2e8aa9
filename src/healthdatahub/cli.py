"""The ``hdh`` command: thin Typer commands over the domain services.

Every command that produces something prints a short human summary, or with ``--json``
one JSON document on stdout (paths, counts, timings) for scripts. User errors
(:class:`~healthdatahub.errors.HubError`) print one sentence and exit non-zero.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from healthdatahub import __version__
from healthdatahub.errors import HubError
from healthdatahub.results import Outcome

app = typer.Typer(
    name="hdh",
    help="healthdatahub: an open, self-hostable health data hub.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The metadata store.", no_args_is_help=True)
jobs_app = typer.Typer(help="Long-running jobs and their progress.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(jobs_app, name="jobs")

out = Console()
err = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary.")]


def _settings():
    from healthdatahub.config import get_settings
    from healthdatahub.logs import setup_logging

    settings = get_settings()
    setup_logging(settings)
    return settings


def emit(outcome: Outcome, as_json: bool) -> None:
    """Print an outcome: JSON for scripts, or a short summary for people."""
    if as_json:
        sys.stdout.write(json.dumps(outcome.to_dict(), default=str, ensure_ascii=False) + "\n")
        return
    out.print(f"[bold green]✓[/] {outcome.summary}" if outcome.ok else f"[bold red]✗[/] {outcome.summary}")
    if outcome.counts:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("what")
        table.add_column("count", justify="right")
        for key, value in outcome.counts.items():
            table.add_row(key, f"{value:,}")
        out.print(table)
    for key, value in outcome.paths.items():
        out.print(f"  {key}: {value}")
    if outcome.timings:
        total = outcome.timings.get("total")
        if total is not None:
            out.print(f"  took {total:.1f} s")


def _progress(enabled: bool):
    from healthdatahub.jobs.progress import RichProgress

    return RichProgress(console=err, enabled=enabled)


@app.command()
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

    emit(upgrade_store(_settings(), revision), as_json)


@jobs_app.command("list")
def jobs_list(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many jobs to show.")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """List the most recent jobs with their state and progress."""
    from healthdatahub.jobs.service import list_jobs

    jobs = list_jobs(_settings(), limit=limit)
    if as_json:
        sys.stdout.write(json.dumps({"jobs": jobs}, default=str) + "\n")
        return
    table = Table("id", "kind", "label", "state", "progress", "started", "error")
    for job in jobs:
        done, total = job.get("done") or 0, job.get("total")
        table.add_row(str(job["id"]), job["kind"], job.get("label") or "", job["state"],
                      f"{done}/{total}" if total else str(done), str(job.get("started_at") or ""),
                      job.get("error") or "")
    out.print(table)


@app.command()
def synth(
    beneficiaries: Annotated[int, typer.Option("--beneficiaries", "-n", help="How many beneficiaries.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same data.")] = 42,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder of the extraction.")] = Path("synth-snds"),
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    encoding: Annotated[str, typer.Option(help="CSV encoding: utf-8 or latin-1.")] = "utf-8",
    date_format: Annotated[str, typer.Option(help="CSV dates: iso or ddmmyyyy.")] = "iso",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing extraction.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Generate a synthetic SNDS extraction (and its civil-status reference)."""
    from healthdatahub.snds.service import synthesize

    emit(synthesize(_settings(), out_dir=out_dir, beneficiaries=beneficiaries, seed=seed, fmt=fmt,
                    encoding=encoding, date_format=date_format, overwrite=force,
                    progress=_progress(not as_json)), as_json)


@app.command()
def demo(
    beneficiaries: Annotated[int, typer.Option("--beneficiaries", "-n", help="Size of the synthetic extraction.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic data.")] = 42,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the portal at the end (once the portal exists).")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Run the hub's main job end to end on synthetic data (idempotent)."""
    from healthdatahub.demo import run_demo

    emit(run_demo(_settings(), beneficiaries=beneficiaries, seed=seed, serve=serve,
                  progress=_progress(not as_json)), as_json)


def main() -> None:
    """Entry point: run the app, turning user errors into one sentence and an exit code."""
    try:
        app()  # standalone: usage errors print click's message and exit 2
    except HubError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - the last barrier: one line, no traceback, no data
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
