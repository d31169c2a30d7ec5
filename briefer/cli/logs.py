"""``briefer logs``: the briefs ``briefer brief`` finished (``briefer.brieflog``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import click

from briefer.errors import InputError

if TYPE_CHECKING:
    from briefer.brieflog import LogEntry

_COUNT = click.option(
    "-n",
    "--count",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many of the newest briefs.",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")


@click.group(name="logs", invoke_without_command=True)
@_COUNT
@_JSON
@click.pass_context
def logs(ctx: click.Context, count: int, as_json: bool) -> None:
    """Past briefs, newest first (the same as `logs list`); `logs show ID` shows one.

    Each brief `briefer brief` finished is kept in briefs.sqlite in the user folder
    (BRIEFER_HOME), unless it ran with --no-log; failures are not kept, nor any secret.
    """
    if ctx.invoked_subcommand is None:
        _list(count, as_json)


@logs.command(name="list")
@_COUNT
@_JSON
def list_command(count: int, as_json: bool) -> None:
    """The newest briefs: id, date, title and source, model, prompt version, tokens."""
    _list(count, as_json)


@logs.command(name="show")
@click.argument("entry_id", metavar="[ID]", type=int, required=False)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("md", "json", "html")),
    default="md",
    show_default=True,
    help="Output format.",
)
@click.option("--json", "as_json", is_flag=True, help="The brief's JSON (same as -f json).")
def show_command(entry_id: int | None, fmt: str, as_json: bool) -> None:
    """One brief as it was written [default: the newest]."""
    from briefer import brieflog
    from briefer.rendering.brief import render

    if entry_id is None:
        newest = brieflog.newest(1)
        found = newest[0] if newest else None
    else:
        found = brieflog.entry(entry_id)
    if found is None:
        which = "no briefs logged yet" if entry_id is None else f"no brief with id {entry_id}"
        raise InputError(f"{brieflog.log_path()}: {which}; see briefer logs list")
    click.echo(render(found.brief(), "json" if as_json else fmt), nl=False)


def _list(count: int, as_json: bool) -> None:
    from briefer import brieflog

    entries = brieflog.newest(count)
    if as_json:
        click.echo(json.dumps([_summary(e) for e in entries], indent=2, ensure_ascii=False))
        return
    if not entries:
        click.echo("no briefs logged yet (briefer brief adds each one it finishes)", err=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "date", "title", "source", "model", "prompts", "tokens"):
        table.add_column(column, justify="right" if column in ("id", "tokens") else "left")
    for e in entries:
        table.add_row(
            str(e.id),
            _when(e.created),
            e.title,
            e.source or "",
            f"{e.model} ({e.backend})",
            f"v{e.prompt_version}",
            f"{e.tokens:,}",
        )
    Console(soft_wrap=True, highlight=False).print(table, markup=False)


def _summary(entry: LogEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "created": datetime.fromtimestamp(entry.created).astimezone().isoformat(timespec="seconds"),
        "title": entry.title,
        "source": entry.source,
        "model": entry.model,
        "backend": entry.backend,
        "prompt_version": entry.prompt_version,
        "tokens": entry.tokens,
        "brief": json.loads(entry.brief_json),
    }


def _when(created: float) -> str:
    return datetime.fromtimestamp(created).strftime("%Y-%m-%d %H:%M")
