"""Catalogue commands: ``hdh catalogue`` seed, import, export, datacite, search, validate,
harvest, fill, push."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthdatahub.cli.common import JsonFlag, emit, emit_json, out, settings

app = typer.Typer(help="Metadata catalogue (HealthDCAT-AP).", no_args_is_help=True)


@app.command("seed")
def seed_cmd(as_json: JsonFlag = False) -> None:
    """Load the 22 databases of the SNDS catalogue and the SNDS described to variables."""
    from healthdatahub.catalogue.service import seed

    emit(seed(settings()), as_json)


@app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="Table Schema / Data Package file or folder, or "
                                              "an RDF file (.ttl, .jsonld, .rdf).")],
    database: Annotated[str | None, typer.Option(help="Database slug (descriptors).")] = None,
    title: Annotated[str | None, typer.Option(help="Title of a new database.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import descriptors into a database's tables, or records from HealthDCAT-AP RDF."""
    from healthdatahub.catalogue.export import import_rdf
    from healthdatahub.catalogue.service import import_descriptors
    from healthdatahub.errors import HubError

    rdf = {".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml", ".xml": "xml"}
    if path.suffix in rdf:
        emit(import_rdf(settings(), path.read_bytes(), rdf[path.suffix]), as_json)
        return
    if not database:
        raise HubError("Name the database the descriptors describe with --database SLUG.")
    emit(import_descriptors(settings(), path, database, title), as_json)


@app.command("export")
def export_cmd(
    database: Annotated[str | None, typer.Argument(help="Database slug (default: all).")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="ntriples (the fast full dump), turtle, json-ld or xml.")] = "turtle",
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """Print (or write) HealthDCAT-AP RDF of one record or of the whole catalogue.

    The whole catalogue as N-Triples (or as Turtle to a file: N-Triples is Turtle) is
    formatted straight from the store, streamed and memory bounded; other whole-catalogue
    exports build one rdflib graph, for small catalogues.
    """
    from healthdatahub.catalogue import dump
    from healthdatahub.catalogue.export import export, write_catalogue
    from healthdatahub.jobs import atomic_file

    if database is None and output is not None and fmt in ("ntriples", "turtle"):
        emit(write_catalogue(settings(), output), False)
        return
    if database is None and fmt == "ntriples":
        for text, _ in dump.chunks(settings()):
            out.file.write(text)
        return
    text = export(settings(), database, fmt)
    if output is None:
        out.file.write(text)
        return
    with atomic_file(output) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words to find (all required).")] = "",
    facet: Annotated[list[str] | None, typer.Option(help="Filter NAME=VALUE.")] = None,
    limit: Annotated[int, typer.Option(help="Number of hits.")] = 20,
) -> None:
    """Search databases, tables and variables; prints hits and facets as JSON."""
    from healthdatahub.catalogue.service import search

    filters = dict(f.split("=", 1) for f in facet or [] if "=" in f)
    emit_json(search(settings(), query, filters, limit=limit))


@app.command("validate")
def validate_cmd(
    database: Annotated[str | None, typer.Argument(help="Database slug (default: all).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Validate the export with pySHACL (DCAT-AP 3, HealthDCAT-AP, national profile)."""
    from healthdatahub.catalogue.export import validate

    outcome = validate(settings(), database)
    emit(outcome, as_json)
    if outcome.counts["violations"]:
        raise typer.Exit(1)


@app.command("harvest")
def harvest_cmd(url: Annotated[str, typer.Argument(help="Another hub's DCAT endpoint.")],
                as_json: JsonFlag = False) -> None:
    """Harvest another catalogue (Hydra pages): update by identifier, remove deleted."""
    from healthdatahub.catalogue.harvest import harvest

    emit(harvest(settings(), url), as_json)


@app.command("push")
def push_cmd(as_json: JsonFlag = False) -> None:
    """Push the catalogue to the parent catalogue (catalogue_push_url, API key file)."""
    from healthdatahub.catalogue.harvest import push

    emit(push(settings()), as_json)


@app.command("datacite")
def datacite_cmd(
    database: Annotated[str, typer.Argument(help="Database slug.")],
    register: Annotated[bool, typer.Option(help="Create or update the DOI at DataCite "
                                                "(catalogue_datacite_* settings).")] = False,
    output: Annotated[Path | None, typer.Option(help="Write the XML to this file.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Print (or write) a database's DataCite XML; with --register, register its DOI."""
    from healthdatahub.catalogue import datacite
    from healthdatahub.jobs import atomic_file

    if register:
        emit(datacite.register(settings(), database), as_json)
        return
    text = datacite.record_xml(settings(), database)
    if output is None:
        out.file.write(text + "\n")
        return
    with atomic_file(output) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


@app.command("fill")
def fill_cmd(dataset: Annotated[str, typer.Argument(help="Ingested dataset slug.")],
             database: Annotated[str, typer.Argument(help="Catalogue database slug.")],
             version: Annotated[str | None, typer.Option(help="Version (default latest).")] = None,
             as_json: JsonFlag = False) -> None:
    """Fill a database's tables and statistics from an ingested dataset version."""
    from healthdatahub.catalogue.autofill import fill_from_version

    emit(fill_from_version(settings(), dataset, database, version), as_json)


def register(root: typer.Typer) -> None:
    """Add ``hdh catalogue`` to the root command."""
    root.add_typer(app, name="catalogue")
