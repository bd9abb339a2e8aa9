"""Where a job reports its progress: the ProgressSink protocol and a rich progress bar."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@runtime_checkable
class ProgressSink(Protocol):
    """Receives a job's progress (the CLI shows a bar, the portal polls the store)."""

    def start(self, label: str, total: int | None) -> None:
        """The job has started; ``total`` is None while unknown."""

    def update(self, done: int, total: int | None, message: str | None) -> None:
        """``done`` units of ``total`` are complete; ``message`` says what is happening."""

    def finish(self) -> None:
        """The job has ended (successfully or not)."""


class NullProgress:
    """A sink that shows nothing."""

    def start(self, label: str, total: int | None) -> None:
        """Do nothing."""

    def update(self, done: int, total: int | None, message: str | None) -> None:
        """Do nothing."""

    def finish(self) -> None:
        """Do nothing."""


class RichProgress:
    """A rich progress bar on stderr; completely silent when ``enabled`` is False (``--json``)."""

    def __init__(self, enabled: bool = True, console: Console | None = None) -> None:
        self.enabled = enabled
        self.console = console or Console(stderr=True)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._label = ""

    def start(self, label: str, total: int | None) -> None:
        """Show a bar for ``label`` (a spinner while the total is unknown)."""
        if not self.enabled:
            return
        self._label = label
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[message]}"),
            console=self.console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=total, message="")

    def update(self, done: int, total: int | None, message: str | None) -> None:
        """Move the bar to ``done`` of ``total``."""
        if self._progress is None or self._task is None:
            return
        fields = {"message": message} if message is not None else {}
        self._progress.update(self._task, completed=done, total=total, **fields)

    def finish(self) -> None:
        """Stop the bar, leaving its last state on screen."""
        if self._progress is None:
            return
        self._progress.stop()
        self._progress = None
        self._task = None
