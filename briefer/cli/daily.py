"""``briefer daily SOURCE...``: the day's sources into one digest in ``briefings/YYYY-MM-DD/``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from briefer.cli.common import model_options, settings_from
from briefer.digest import DayObserver, Digest, StoryEvent, daily_options, run_day


@click.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The briefing day, YYYY-MM-DD [default: today].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of day folders [default: briefings, or [daily] out].",
)
@click.option("--concurrency", type=click.IntRange(1, 64), help="Model calls at once [default: 4].")
@click.option("--max-articles", type=click.IntRange(min=1), help="Take at most N articles.")
@model_options
def daily(
    sources: tuple[str, ...],
    day: datetime | None,
    out: Path | None,
    concurrency: int | None,
    max_articles: int | None,
    **options: Any,
) -> None:
    """Brief the day's articles into one digest (Markdown, HTML, JSON).

    SOURCES are folders of article files, text files of URLs (one per line, # comments; a
    line that is not a URL is listed as failed) and RSS/Atom feeds (URL or file); without
    any, [daily] sources in briefer.toml. A re-run of the same day briefs only what is
    missing. Exit 0 when everything was briefed, 1 when the digest was written but some
    articles failed (it lists them), 2 for bad usage, such as a source path that does not
    exist or an --out folder that cannot be written (then nothing is fetched, briefed or
    written), 130 on Ctrl-C (finished stories are kept; the digest names the rest).
    """
    settings = settings_from(options)
    plan = daily_options(
        settings.daily,
        sources=list(sources) or None,
        out=out,
        concurrency=concurrency,
        max_articles=max_articles,
    )
    the_day = day.date() if day else date.today()
    with observer_for(Console(stderr=True)) as observer:
        digest = run_day(plan, settings, day=the_day, observer=observer)
    report(digest, plan.out / the_day.isoformat())
    if not digest.complete:
        sys.exit(1)


def report(digest: Digest, day_dir: Path) -> None:
    stats = digest.stats
    click.echo(
        f"wrote {day_dir}/digest.md, digest.html, digest.json: {len(digest.stories)} stories "
        f"({stats.briefed} new, {stats.resumed} resumed), {stats.model_calls} model calls, "
        f"{stats.usage.prompt_tokens + stats.usage.completion_tokens} tokens, {stats.seconds:.1f}s",
        err=True,
    )
    for failure in digest.failures:
        click.echo(f"failed ({failure.stage}): {failure.item}: {failure.reason}", err=True)


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
        self.counts = {"done": 0, "failed": 0, "cached": 0}
        self.tokens = 0

    def collected(self, summary: str, *, to_brief: int, resumed: int) -> None:
        self.progress.console.print(f"{summary}; {resumed} stories already done", markup=False)
        self.progress.update(
            self.task, description="Briefing", total=to_brief, counts=self._counts()
        )

    def story(self, event: StoryEvent) -> None:
        self.counts[event.status] += 1
        self.tokens += event.tokens
        if event.reason:
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


@contextmanager
def observer_for(console: Console) -> Iterator[DayObserver]:
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
