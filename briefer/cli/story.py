"""``briefer story ID``: one story's timeline across the day folders (``briefer.followup``)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("story_id")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of day folders [default: briefings, or [daily] out].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="briefer.toml to read (default: ./briefer.toml, then $BRIEFER_HOME).",
)
def story(story_id: str, out: Path | None, as_json: bool, config_path: Path | None) -> None:
    """Show STORY_ID's timeline: each day it was in the digest, its title, and what changed
    (new claims, new numbers, changed numbers). STORY_ID is a story's id on any day or its
    thread id (``thread_id`` in digest.json). Exit 2 when no day has it."""
    from briefer.config import load_settings
    from briefer.errors import InputError
    from briefer.followup import timeline, timeline_lines

    root = out or load_settings(config_path=config_path).daily.out
    if not root.is_dir():
        raise InputError(f"{root}: no such briefings folder; give --out the folder of day folders")
    days = timeline(root, story_id)
    if as_json:
        click.echo(json.dumps([day.model_dump(mode="json") for day in days], indent=2))
        return
    for line in timeline_lines(days):
        click.echo(line)
