"""``briefer models``: list, assemble and verify the local models (logic in briefer.models)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from briefer.errors import InputError

# No default here: the registry (and what it imports) loads only when a command runs.
_NAME = click.argument("name", required=False)


def _name(name: str | None) -> str:
    from briefer.models import DEFAULT_MODEL

    return name or DEFAULT_MODEL


@contextmanager
def byte_progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A (done, total) callback drawing a rich progress bar on stderr (only on a terminal)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@click.group(name="models")
def models() -> None:
    """Local models: list them, assemble one, verify its checksum."""


@models.command(name="list")
def list_command() -> None:
    """The known local models and their state."""
    from rich.console import Console
    from rich.table import Table

    from briefer import models as registry

    table = Table(box=None, pad_edge=False)
    for column in ("name", "size", "packages", "assembled", "description"):
        table.add_column(column)
    for info in registry.list_models():
        if info.path is None:
            assembled = "no"
        else:
            state = "verified" if info.verified else "not verified"
            assembled = f"{info.path} ({state})"
        table.add_row(
            info.name + (" *" if info.default else ""),
            f"{info.size / 1e6:,.0f} MB",
            "installed" if info.installed else f"missing {len(info.missing_packages)}",
            assembled,
            info.description,
        )
    Console(soft_wrap=True).print(table)


@models.command(name="path")
@_NAME
def path_command(name: str | None) -> None:
    """Print the model file's path, assembling it first if needed."""
    from briefer import models as registry
    from briefer.config import folder_problem

    name = _name(name)
    folder = registry.default_cache_dir()
    try:
        with byte_progress(f"model {name}") as progress:
            path = registry.resolve_model_path(None, name, cache_dir=folder, progress=progress)
    except OSError as error:
        raise InputError(
            f"{folder}: cannot assemble the model there ({folder_problem(folder, error)}); "
            "set BRIEFER_HOME to a folder you can write to"
        ) from None
    click.echo(str(path))


@models.command(name="verify")
@_NAME
def verify_command(name: str | None) -> None:
    """Re-hash the assembled model file; exit 1 when it does not match or is missing."""
    from briefer import models as registry

    name = _name(name)
    if registry.model_info(name).path is None:
        click.echo(f"{name} is not assembled yet; run: briefer models path {name}", err=True)
        raise SystemExit(1)
    with byte_progress(f"sha256 {name}") as progress:
        path, ok = registry.verify_model(name, progress=progress)
    if ok:
        click.echo(f"ok {path}")
        return
    click.echo(
        f"mismatch {path}: sha256 differs from the pinned one; it will be rebuilt on next use",
        err=True,
    )
    raise SystemExit(1)
