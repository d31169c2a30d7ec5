"""``briefer daily SOURCE...``: the day's sources into one digest in ``briefings/YYYY-MM-DD/``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from briefer.cli.common import model_options, settings_from
from briefer.cli.days import DAY, today
from briefer.cli.output import quiet, verbose

if TYPE_CHECKING:
    from briefer.digest import Digest


@click.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--date",
    "day",
    type=DAY,
    help="The briefing day: YYYY-MM-DD, today or yesterday [default: today].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of day folders [default: briefings, or [daily] out].",
)
@click.option("--concurrency", type=click.IntRange(1, 64), help="Model calls at once [default: 4].")
@click.option("--max-articles", type=click.IntRange(min=1), help="Take at most N articles.")
@click.option(
    "--batch/--no-batch",
    default=None,
    help="Submit the requests the cache cannot answer as one provider batch (half the price, "
    "within 24 h); run again to collect [default: [daily] batch, or off].",
)
@click.option(
    "--batch-file-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write those requests as Batch JSONL to PATH (for `vllm run-batch`) and stop.",
)
@click.option(
    "--batch-file-in",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Put the answers of a batch results JSONL (`vllm run-batch -o`) into the cache first.",
)
@model_options
def daily(
    sources: tuple[str, ...],
    day: date | None,
    out: Path | None,
    concurrency: int | None,
    max_articles: int | None,
    batch: bool | None,
    batch_file_out: Path | None,
    batch_file_in: Path | None,
    **options: Any,
) -> None:
    """Brief the day's articles into one digest (Markdown, HTML, JSON).

    SOURCES are folders of article files, text files of URLs (one per line, # comments; a
    line that is not a URL is listed as failed) and RSS/Atom feeds (URL or file); - reads
    such sources from stdin, one per line (# comments); without any, [daily] sources in
    briefer.toml. A re-run of the same day briefs only what is
    missing. Exit 0 when everything was briefed, 1 when the digest was written but some
    articles failed (it lists them), 2 for bad usage, such as a source path that does not
    exist or an --out folder that cannot be written (then nothing is fetched, briefed or
    written), 130 on Ctrl-C (finished stories are kept; the digest names the rest).

    Batch days (--batch, or [daily] batch = true): exit 0 once the missing requests are
    submitted (or written by --batch-file-out), 75 while a submitted batch is still
    running; a later run collects the answers and assembles the day.
    """
    from rich.console import Console

    from briefer.batch.run import BatchMode, run_batch_day, uses_batch
    from briefer.cli.dayprogress import observer_for
    from briefer.digest import daily_options, run_day

    settings = settings_from(options)
    plan = daily_options(
        settings.daily.model_dump(exclude_unset=True),  # [daily] as written, flags on top
        sources=_with_stdin(sources) or None,
        out=out,
        concurrency=concurrency,
        max_articles=max_articles,
    )
    the_day = day or today()
    backend = None
    if verbose():
        from briefer.backends.stack import build_backend
        from briefer.cli.timing import timed

        backend = timed(build_backend(settings))
    mode = BatchMode(
        submit=plan.batch if batch is None else batch,
        file_out=batch_file_out,
        file_in=batch_file_in,
    )
    day_dir = plan.out / the_day.isoformat()
    if not uses_batch(mode, day_dir):
        with observer_for(Console(stderr=True)) as observer:
            digest = run_day(plan, settings, day=the_day, observer=observer, backend=backend)
        report(digest, day_dir)
        if not digest.complete:
            sys.exit(1)
        return
    with observer_for(Console(stderr=True)) as observer:
        outcome = run_batch_day(
            plan, settings, day=the_day, mode=mode, observer=observer, prices=_prices()
        )
    if outcome.digest is not None:
        report(outcome.digest, day_dir)
    for line in outcome.said:
        click.echo(f"briefer: {line}", err=True)
    if outcome.exit_code is not None:
        sys.exit(outcome.exit_code)
    if outcome.digest is not None and not outcome.digest.complete:
        sys.exit(1)


def _prices() -> dict[str, tuple[float, float]]:
    """USD per million tokens by model, from the price table of evals/config.toml (the one
    the eval's live cost uses); none when it is absent or unreadable."""
    from briefer.errors import InputError
    from briefer.evals.dataset import load_eval_config

    try:
        config = load_eval_config()
    except InputError:
        return {}
    return {m: (p.input_per_million, p.output_per_million) for m, p in config.prices.items()}


def _with_stdin(sources: tuple[str, ...]) -> list[str]:
    """``sources`` with ``-`` replaced by the lines of stdin (blank lines and # comments
    skipped): URLs, files, folders or feeds, as if given on the command line."""
    if "-" not in sources:
        return list(sources)
    lines = sys.stdin.read().splitlines()
    given = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return [item for source in sources for item in (given if source == "-" else [source])]


def report(digest: Digest, day_dir: Path) -> None:
    stats = digest.stats
    if quiet():
        for failure in digest.failures:
            click.echo(f"failed ({failure.stage}): {failure.item}: {failure.reason}", err=True)
        return
    click.echo(
        f"wrote {day_dir}/digest.md, digest.html, digest.json: {len(digest.stories)} stories "
        f"({stats.briefed} new, {stats.resumed} resumed"
        + (f", {stats.queued} queued for a batch" if stats.queued else "")
        + f"), {stats.model_calls} model calls, "
        f"{stats.usage.prompt_tokens + stats.usage.completion_tokens} tokens, {stats.seconds:.1f}s",
        err=True,
    )
    for failure in digest.failures:
        click.echo(f"failed ({failure.stage}): {failure.item}: {failure.reason}", err=True)
