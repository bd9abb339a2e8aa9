"""The ``hdh`` command: thin Typer commands over the domain services.

Each domain's commands live in their own module of this package, which exposes
``register(app)``. Every command that produces something prints a short human summary,
or with ``--json`` one JSON document on stdout (paths, counts, timings) for scripts.
User errors (:class:`~healthdatahub.errors.HubError`) print one sentence and exit non-zero.
"""

from __future__ import annotations

import importlib

import typer

from healthdatahub.cli.common import err
from healthdatahub.errors import HubError

app = typer.Typer(
    name="hdh",
    help="healthdatahub: an open, self-hostable health data hub.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: The command modules, in the order their commands appear in ``hdh --help``.
COMMAND_MODULES = ("core", "ingest", "linkage", "omop", "indicators", "catalogue", "web")

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"healthdatahub.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a domain not built yet has no command module
        if _exc.name != f"healthdatahub.cli.{_name}":
            raise
        continue
    _module.register(app)


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
        # Only the type: an unexpected exception's text may quote a value from the data.
        err.print(f"[bold red]internal error:[/] {type(exc).__name__} (a bug in the hub; "
                  "please report the command that caused it).", highlight=False)
        raise SystemExit(1) from None

