"""``hdh linkage …``: the concentrateur's steps, one command each (the CLI acts as the operator,
or as the named holder for ``upload`` and ``check``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from healthdatahub.cli.common import JsonFlag, emit, emit_json, out, progress, settings
from healthdatahub.errors import HubError
from healthdatahub.results import Outcome

linkage_app = typer.Typer(help="Concentrateur: link holders' identity tables, deliver pseudonyms.",
                          no_args_is_help=True)
Project = Annotated[str, typer.Argument(help="Linkage project slug.")]
Holder = Annotated[str, typer.Argument(help="Holder slug.")]


def _operator():
    from healthdatahub.linkage.access import Actor

    return Actor.operator()


def _as_holder(current, project: str, holder: str):
    from healthdatahub.linkage import service
    from healthdatahub.linkage.access import Actor

    return Actor.holder(service.holder_id(current, project, holder))


@linkage_app.command("create")
def create(project: Project, title: Annotated[str, typer.Option(help="Title.")] = "",
           mode: Annotated[str, typer.Option(help="direct or reconstruction.")] = "reconstruction",
           as_json: JsonFlag = False) -> None:
    """Create a linkage project."""
    from healthdatahub.linkage import service

    emit(service.create_project(settings(), _operator(), project, title or project, mode), as_json)


@linkage_app.command("add-holder")
def add_holder(project: Project, holder: Holder,
               name: Annotated[str, typer.Option(help="Holder's name.")] = "",
               as_json: JsonFlag = False) -> None:
    """Add a data holder to a project."""
    from healthdatahub.linkage import service

    emit(service.add_holder(settings(), _operator(), project, holder, name or holder), as_json)


@linkage_app.command("upload")
def upload(project: Project, holder: Holder,
           table: Annotated[Path, typer.Argument(help="The holder's ';' CSV table.")],
           as_json: JsonFlag = False) -> None:
    """Upload a holder's table (encrypted in the vault before it touches the disk)."""
    from healthdatahub.linkage import service

    try:
        data = table.read_bytes()
    except OSError as exc:
        raise HubError(f"Cannot read {table}: {exc.strerror}.") from None
    current = settings()
    emit(service.upload(current, _as_holder(current, project, holder), project, holder, data),
         as_json)


@linkage_app.command("check")
def check(project: Project, holder: Holder, as_json: JsonFlag = False) -> None:
    """Run the format checks on a holder's upload; reasons go to the holder's report folder."""
    from healthdatahub.linkage import service

    current = settings()
    emit(service.check(current, _as_holder(current, project, holder), project, holder,
                       progress=progress(not as_json)), as_json)


@linkage_app.command("run")
def run(project: Project,
        reference: Annotated[Path | None, typer.Option(help="Civil-status reference folder.")] = None,
        as_json: JsonFlag = False) -> None:
    """Link every holder's upload of a project (a job)."""
    from healthdatahub.linkage import service

    emit(service.run_linkage(settings(), _operator(), project, reference,
                             progress=progress(not as_json)), as_json)


@linkage_app.command("status")
def status(project: Project, as_json: JsonFlag = False) -> None:
    """Each holder's state and counts."""
    from healthdatahub.linkage import service

    rows = service.status(settings(), _operator(), project)
    if as_json:
        emit_json({"project": project, "holders": rows})
        return
    for row in rows:
        counts = ", ".join(f"{k} {v}" for k, v in row["counts"].items() if not isinstance(v, dict))
        out.print(f"{row['holder']}: {row['state']}{' (erased)' if row['erased'] else ''} — {counts}")


@linkage_app.command("report")
def report(project: Project, holder: Holder) -> None:
    """Print a holder's report (JSON: counts and reasons only)."""
    from healthdatahub.linkage import service

    emit_json(service.get_report(settings(), _operator(), project, holder))


@linkage_app.command("deliver")
def deliver(project: Project,
            keep: Annotated[bool, typer.Option(help="Keep the identities (no erase).")] = False,
            as_json: JsonFlag = False) -> None:
    """Deliver the correspondence tables and crypto-erase the identities."""
    from healthdatahub.linkage import service

    emit(service.deliver(settings(), _operator(), project, erase=not keep), as_json)


@linkage_app.command("destroy")
def destroy(project: Project, holder: Annotated[str | None, typer.Option()] = None,
            as_json: JsonFlag = False) -> None:
    """Crypto-erase a project's uploaded identities."""
    from healthdatahub.linkage import service

    emit(service.destroy(settings(), _operator(), project, holder), as_json)


@linkage_app.command("rotate-key")
def rotate_key(as_json: JsonFlag = False) -> None:
    """Rotate the vault's master key (re-wraps every live data key)."""
    from healthdatahub.linkage import service

    emit(service.rotate_master_key(settings(), _operator()), as_json)


@linkage_app.command("holder-table")
def holder_table(reference: Annotated[Path, typer.Argument(help="Reference folder.")],
                 out_csv: Annotated[Path, typer.Argument(help="CSV to write.")],
                 truth: Annotated[Path, typer.Argument(help="Truth Parquet to write.")],
                 rows: Annotated[int, typer.Option("-n", min=1)] = 1000,
                 mode: Annotated[str, typer.Option()] = "reconstruction",
                 seed: Annotated[int, typer.Option()] = 1, as_json: JsonFlag = False) -> None:
    """Write a synthetic noisy holder table and its truth (benchmarks and tests only)."""
    from healthdatahub.linkage.holders import write_holder_table

    info = write_holder_table(settings(), reference, out_csv, truth, rows, mode, seed)
    emit(Outcome("linkage-holder-table", f"{info['rows']:,} {mode} holder rows written.",
                 paths={"csv": str(out_csv), "truth": str(truth)}, counts={"rows": info["rows"]},
                 details={"noise": json.dumps(info["noise"])}), as_json)


def register(app: typer.Typer) -> None:
    """Add ``hdh linkage`` to ``hdh``."""
    app.add_typer(linkage_app, name="linkage")
