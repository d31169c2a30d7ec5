"""How much a command says on stderr: ``-q`` only results and errors, ``-v`` progress and
the time of every model call as well. Results go to stdout (or ``-o``) whatever the level.

The level is the top-level group's ``-v/--verbose`` / ``-q/--quiet``, kept in the click
context's ``meta`` so every command (and helper) reads it without threading it through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import click

Verbosity = Literal["quiet", "normal", "verbose"]
_KEY = "briefer.verbosity"


def set_verbosity(ctx: click.Context, *, verbose: bool, quiet: bool) -> None:
    if verbose and quiet:
        raise click.UsageError("-v/--verbose and -q/--quiet cannot be used together")
    ctx.meta[_KEY] = "verbose" if verbose else "quiet" if quiet else "normal"


def verbosity() -> Verbosity:
    ctx = click.get_current_context(silent=True)
    level = ctx.meta.get(_KEY, "normal") if ctx is not None else "normal"
    return "quiet" if level == "quiet" else "verbose" if level == "verbose" else "normal"


def quiet() -> bool:
    return verbosity() == "quiet"


def verbose() -> bool:
    return verbosity() == "verbose"


def note(text: str) -> None:
    """A progress or status line on stderr, unless ``-q``."""
    if not quiet():
        click.echo(text, err=True)


def detail(text: str) -> None:
    """A line only ``-v`` shows (timings, what was chosen)."""
    if verbose():
        click.echo(f"briefer: {text}", err=True)


@contextmanager
def progress(message: str) -> Iterator[Callable[[str], None]]:
    """``briefer.progress.status`` (a spinner on a terminal), or nothing under ``-q``."""
    if quiet():
        yield lambda _text: None
        return
    from briefer.progress import status

    with status(message) as update:
        yield update
