"""What every command module shares: consoles, the --json flag, settings, output, progress."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from healthdatahub.results import Outcome

out = Console()
err = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary.")]


def settings():
    """The process's settings, with logging set up from them."""
    from healthdatahub.config import get_settings
    from healthdatahub.logs import setup_logging

    current = get_settings()
    setup_logging(current)
    return current


def emit_json(document: dict) -> None:
    """Write one JSON document on stdout (for scripts)."""
    sys.stdout.write(json.dumps(document, default=str, ensure_ascii=False) + "\n")


def emit(outcome: Outcome, as_json: bool) -> None:
    """Print an outcome: JSON for scripts, or a short summary for people."""
    if as_json:
        emit_json(outcome.to_dict())
        return
    mark = "[bold green]✓[/]" if outcome.ok else "[bold red]✗[/]"
    out.print(f"{mark} {outcome.summary}")
    for line in outcome.details.get("stages", []):
        out.print(f"  • {line}", highlight=False)
    if outcome.counts:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("what")
        table.add_column("count", justify="right")
        for key, value in outcome.counts.items():
            table.add_row(key, f"{value:,}")
        out.print(table)
    for key, value in outcome.paths.items():
        out.print(f"  {key}: {value}")
    total = outcome.timings.get("total")
    if total is not None:
        out.print(f"  took {total:.1f} s")


def progress(enabled: bool):
    """A rich progress bar on stderr, silent when disabled (``--json``)."""
    from healthdatahub.jobs.progress import RichProgress

    return RichProgress(console=err, enabled=enabled)
