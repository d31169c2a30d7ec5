"""The day run's progress on stderr: a rich bar on a terminal, plain lines otherwise.

Its own module so ``briefer.cli.daily`` loads rich and the day run only when it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from briefer.cli.output import quiet
from briefer.digest import DayObserver, StoryEvent


class _LogObserver(DayObserver):
    """Plain lines on stderr, for cron logs and pipes."""

    def __init__(self) -> None:
        self.total = self.settled = 0

    def collected(self, summary: str, *, to_brief: int, resumed: int) -> None:
        self.total = to_brief
        click.echo(
            f"briefer: {summary}; {to_brief} stories to brief, {resumed} already done", err=True
        )

    def story(self, event: StoryEvent) -> None:
        self.settled += 1
        detail = f": {event.reason}" if event.reason else f" ({event.tokens} tokens)"
        click.echo(
            f"briefer: [{self.settled}/{self.total}] {event.status}: {event.title}{detail}",
            err=True,
        )

    def notice(self, text: str) -> None:
        click.echo(f"briefer: note: {text}", err=True)


class _RichObserver(DayObserver):
    """A progress bar: stories done / failed / cached and tokens so far."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("Collecting sources", total=None, counts="")
        self.counts = {"done": 0, "failed": 0, "cached": 0, "queued": 0}
        self.tokens = 0

    def collected(self, summary: str, *, to_brief: int, resumed: int) -> None:
        self.progress.console.print(f"{summary}; {resumed} stories already done", markup=False)
        self.progress.update(
            self.task, description="Briefing", total=to_brief, counts=self._counts()
        )

    def story(self, event: StoryEvent) -> None:
        self.counts[event.status] += 1
        self.tokens += event.tokens
        if event.reason and event.status == "failed":
            self.progress.console.print(
                Text.assemble(("failed ", "red"), f"{event.title}: {event.reason}")
            )
        self.progress.update(self.task, advance=1, counts=self._counts())

    def notice(self, text: str) -> None:
        self.progress.console.print(Text.assemble(("note ", "yellow"), text))

    def _counts(self) -> str:
        c = self.counts
        done = f"{c['done']} done · {c['failed']} failed · {c['cached']} cached"
        return f"{done} · {self.tokens:,} tokens"


class _QuietObserver(DayObserver):
    """``-q``: no progress; a notice (something the user must know) is still said."""

    def notice(self, text: str) -> None:
        click.echo(f"briefer: note: {text}", err=True)


@contextmanager
def observer_for(console: Console) -> Iterator[DayObserver]:
    if quiet():
        yield _QuietObserver()
        return
    if not console.is_terminal:
        yield _LogObserver()
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        yield _RichObserver(progress)
