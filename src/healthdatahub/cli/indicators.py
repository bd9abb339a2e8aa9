"""``hdh indicator …`` and ``hdh request …``: the algorithm library, template runs, the guichet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from healthdatahub.cli.common import JsonFlag, emit, emit_json, out, progress, settings
from healthdatahub.errors import HubError

indicator_app = typer.Typer(help="Phenotype library and indicator templates.",
                            no_args_is_help=True)
request_app = typer.Typer(help="The guichet: indicator requests from associations.",
                          no_args_is_help=True)
Source = Annotated[Path, typer.Option("--source", help="SNDS extraction folder.")]
Cdm = Annotated[str | None, typer.Option(
    "--cdm", help="Run on an OMOP CDM instead: its folder, or its name under <data dir>/omop/.")]
Params = Annotated[list[str] | None, typer.Option("--param", help="key=value (repeatable).")]


def _params(items: list[str] | None) -> dict[str, str]:
    pairs = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise HubError(f"Parameter {item!r} is not key=value.")
        pairs[key.strip()] = value.strip()
    return pairs


def _cdm_folder(cdm: str) -> Path:
    from healthdatahub.omop.service import cdm_dir

    folder = Path(cdm) if Path(cdm).is_dir() else cdm_dir(settings(), cdm)
    if not (folder / "person").is_dir() or not (folder / "_build.json").is_file():
        raise HubError(f"No OMOP CDM in {folder}; build one with `hdh omop build`.")
    return folder


@indicator_app.command("list")
def list_cmd(as_json: JsonFlag = False) -> None:
    """List the phenotypes of the library and the indicator templates."""
    from healthdatahub.indicators import service

    phenotypes, templates = service.list_phenotypes(), service.list_templates()
    if as_json:
        emit_json({"phenotypes": phenotypes, "templates": templates})
        return
    out.print("[bold]Phenotypes[/]")
    for p in phenotypes:
        out.print(f"  {p['name']} {p['version']}  {p['title']}", highlight=False)
    out.print("[bold]Templates[/]")
    for t in templates:
        out.print(f"  {t['name']}  {t['title']}", highlight=False)


@indicator_app.command("show")
def show(phenotype: Annotated[str, typer.Argument(help="Phenotype name.")],
         sql: Annotated[bool, typer.Option("--sql", help="Print the compiled SQL.")] = False,
         omop: Annotated[bool, typer.Option("--omop", help="With --sql: over OMOP CDM tables.")]
         = False,
         year: Annotated[int, typer.Option(help="Year the SQL is compiled for.")] = 2023,
         as_json: JsonFlag = False) -> None:
    """Show a phenotype's definition (and its SQL)."""
    from healthdatahub.indicators import service

    source = service.phenotype_source(phenotype, year)
    if as_json:
        emit_json(source)
    elif sql:
        out.print(source["omop_sql" if omop else "sql"], highlight=False, markup=False)
    else:
        out.print(json.dumps(source["definition"], indent=2, ensure_ascii=False),
                  highlight=False, markup=False)


@indicator_app.command("run")
def run(template: Annotated[str, typer.Argument(help="Template name.")],
        source: Annotated[Path | None, typer.Option("--source", help="SNDS extraction folder.")]
        = None, cdm: Cdm = None, param: Params = None,
        publish: Annotated[bool, typer.Option("--publish", help="Publish as open data.")] = False,
        as_json: JsonFlag = False) -> None:
    """Run a template on an extraction or an OMOP CDM (always through disclosure control),
    optionally publishing it."""
    from healthdatahub.indicators import service

    if (source is None) == (cdm is None):
        raise HubError("Give either --source (an SNDS extraction) or --cdm (an OMOP CDM).")
    data = source if source is not None else _cdm_folder(str(cdm))
    outcome = service.run_indicator(settings(), template, _params(param), data, publish,
                                    progress(not as_json))
    if not as_json:
        for row in outcome.details.get("table", []):
            out.print("  " + "  ".join(f"{k}={v}" for k, v in row.items()), highlight=False)
    emit(outcome, as_json)


@indicator_app.command("cartography")
def cartography(year: Annotated[int, typer.Argument(help="Year of the table (YYYY).")],
                source: Source, as_json: JsonFlag = False) -> None:
    """Write the per-beneficiary CT_IND_AAAA_GN-shaped table of a year into the lake."""
    from healthdatahub.indicators.cartography import write_cartography

    emit(write_cartography(settings(), source, year, progress(not as_json)), as_json)


@request_app.command("submit")
def submit(requester: Annotated[str, typer.Option(help="Who asks.")],
           what: Annotated[str, typer.Option(help="What is asked (phenotype).")],
           where: Annotated[str, typer.Option(help="Where (e.g. a région).")] = "",
           when: Annotated[str, typer.Option(help="When (year).")] = "",
           why: Annotated[str, typer.Option(help="Why.")] = "",
           template: Annotated[str, typer.Option(help="Template the operator will run.")] =
           "prevalence",
           param: Params = None, as_json: JsonFlag = False) -> None:
    """Submit a guichet request."""
    from healthdatahub.indicators import service

    emit(service.submit_request(settings(), requester, what, where, when, why, template,
                                _params(param)), as_json)


@request_app.command("list")
def list_requests(state: Annotated[str, typer.Option(help="Only this state.")] = "",
                  as_json: JsonFlag = False) -> None:
    """List the guichet's requests."""
    from healthdatahub.indicators import service

    outcome = service.list_requests(settings(), state or None)
    if not as_json:
        for r in outcome.details["requests"]:
            out.print(f"  #{r['id']} {r['state']}  {r['requester']}: {r['what']}"
                      + (f"  ({r['refusal_reason']})" if r["refusal_reason"] else ""),
                      highlight=False)
    emit(outcome, as_json)


@request_app.command("run")
def run_request(request_id: Annotated[int, typer.Argument(help="Request number.")],
                source: Source, as_json: JsonFlag = False) -> None:
    """Run a request: refused when it would difference a published result, else published."""
    from healthdatahub.indicators import service

    emit(service.run_request(settings(), request_id, source, progress(not as_json)), as_json)


def register(app: typer.Typer) -> None:
    """Add the ``indicator`` and ``request`` command groups."""
    app.add_typer(indicator_app, name="indicator")
    app.add_typer(request_app, name="request")
