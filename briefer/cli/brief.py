"""``briefer brief SOURCE``: one article to one brief."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from briefer.cli.common import check_output, model_options, settings_from, write_output

FORMATS = ("md", "json", "html")  # briefer.rendering.brief.FORMATS; tests/test_startup.py keeps them equal


@click.command()
@click.argument("source")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="md",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to a file instead of stdout.",
)
@model_options
def brief(source: str, fmt: str, output: Path | None, **options: Any) -> None:
    """Brief one article: a file (.txt .md .html .json), - for stdin, or an http(s) URL."""
    from briefer.articles import load_article
    from briefer.pipeline import Briefer
    from briefer.progress import status
    from briefer.rendering.brief import render

    settings = settings_from(options)
    check_output(output)  # before the model call, which an unwritable path would waste
    article = load_article(
        source,
        max_chars=settings.max_chars,
        timeout=settings.timeout,
        fetch_deadline=settings.fetch_deadline,
    )
    with status("Preparing the model") as update:
        briefer = Briefer(settings)
        update(f"Briefing with {briefer.backend.model} ({briefer.backend.name})")
        result = briefer.brief(article)
    write_output(render(result, fmt), output)
