"""The ``briefer`` command line. Commands parse options and delegate to the library."""

from __future__ import annotations

import importlib
from typing import Any

import click

from briefer.cli.brief import brief
from briefer.errors import BrieferError

__all__ = ["cli", "main"]


class BrieferGroup(click.Group):
    """Turns briefer's errors into one line on stderr and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrieferError as error:
            click.echo(f"briefer: error: {error.message}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("briefer: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=BrieferGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefer")
def cli() -> None:
    """Turn news articles into short, structured, grounded briefs.

    Exit codes: 0 ok, 1 partial failure (some articles or calls failed), 2 bad usage or input.
    """


cli.add_command(brief)

for _module, _attribute in (
    ("briefer.cli.models", "models"),
    ("briefer.cli.daily", "daily"),
    ("briefer.cli.slack", "slack"),
    ("briefer.cli.evals", "eval_group"),
):
    try:
        cli.add_command(getattr(importlib.import_module(_module), _attribute))
    except ModuleNotFoundError as _error:
        if _error.name != _module:  # a real import bug inside the module must surface
            raise


def main() -> None:
    cli(prog_name="briefer")
