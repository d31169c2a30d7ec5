"""The ``briefer`` command line. Commands parse options and delegate to the library.

Start-up is kept small: this package and the command modules import only click and
briefer's light modules at the top, and the library (pydantic models, the openai client,
the fetchers, rich) inside the command that runs, so ``briefer --help`` and ``--version``
load none of it (``tests/test_startup.py`` holds that line).
"""

from __future__ import annotations

import sys

try:  # a ^C while these import (tenths of a second) comes before main()'s handler
    import errno
    import gc
    import importlib
    import os
    import traceback
    from typing import Any, NoReturn

    import click

    from briefer.cli.brief import brief
    from briefer.cli.common import internal_error_line, scrub_secrets
    from briefer.cli.output import set_verbosity
    from briefer.errors import (
        EXIT_INTERNAL,
        EXIT_INTERRUPTED,
        EXIT_PARTIAL,
        EXIT_USAGE,
        BrieferError,
    )
except KeyboardInterrupt:
    sys.stderr.write("briefer: interrupted\n")
    raise SystemExit(130) from None  # EXIT_INTERRUPTED, which may not be imported yet

__all__ = ["cli", "main"]

# Click's own control flow: usage errors (exit 2), --help/--version and ctx.exit (Exit),
# Abort. Some of these derive from RuntimeError, so they are let through by name.
_CLICK_FLOW = (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)


class BrieferGroup(click.Group):
    """Turns every failure into one line on stderr and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrieferError as error:
            click.echo(f"briefer: error: {error.message}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("briefer: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except _CLICK_FLOW:
            raise
        except BrokenPipeError:
            _silence_stdout()  # the reader (e.g. `| head`) has what it wanted; say nothing
            ctx.exit(EXIT_PARTIAL)
        except OSError as error:
            if error.errno not in _MACHINE_ERRNOS:
                _internal_error(ctx, error)
            where = f"{error.filename}: " if error.filename else "writing the output: "
            click.echo(
                f"briefer: error: {where}{error.strerror}; free some space (or choose a "
                "writable folder) and re-run",
                err=True,
            )
            ctx.exit(EXIT_USAGE)
        except Exception as error:  # a bug in briefer: never a bare traceback
            _internal_error(ctx, error)


def _internal_error(ctx: click.Context, error: Exception) -> NoReturn:
    """One line and exit 3 (with the traceback first under BRIEFER_DEBUG); call it while
    ``error`` is being handled."""
    from briefer.config import debug_enabled

    if debug_enabled():
        click.echo(scrub_secrets(traceback.format_exc()).rstrip("\n"), err=True)
    click.echo(internal_error_line(error), err=True)
    ctx.exit(EXIT_INTERNAL)


# A full disk, an exceeded quota, a read-only file system: the machine's state, not a bug.
_MACHINE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. under CliRunner)
        pass


@click.group(
    cls=BrieferGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit codes: 0 ok, 1 partial failure (some articles or calls failed), "
    "2 bad usage or input, 3 internal error (a bug in briefer: please report it), "
    "130 interrupted.",
)
@click.version_option(package_name="briefer")
@click.option(
    "-v", "--verbose", is_flag=True, help="Also say progress and the time of every model call."
)
@click.option("-q", "--quiet", is_flag=True, help="Say only results and errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, quiet: bool) -> None:
    """Turn news articles into short, structured, grounded briefs.

    Shell completion: eval "$(_BRIEFER_COMPLETE=bash_source briefer)" in ~/.bashrc
    (zsh_source for ~/.zshrc, fish_source for fish).
    """
    set_verbosity(ctx, verbose=verbose, quiet=quiet)


cli.add_command(brief)

for _module, _attribute in (
    ("briefer.cli.models", "models"),
    ("briefer.cli.daily", "daily"),
    ("briefer.cli.slack", "slack"),
    ("briefer.cli.evals", "eval_group"),
    ("briefer.cli.logs", "logs"),
    ("briefer.cli.settings", "config_command"),
    ("briefer.cli.story", "story"),
    ("briefer.cli.worker", "worker_group"),
):
    try:
        cli.add_command(getattr(importlib.import_module(_module), _attribute))
    except ModuleNotFoundError as _error:
        if _error.name != _module:  # a real import bug inside the module must surface
            raise


def main() -> None:
    try:
        cli(prog_name="briefer")
    finally:
        # The interpreter's collections at exit walk every object the imports made (the
        # openai SDK alone makes thousands of classes): a quarter of a second of a brief.
        # Frozen objects are skipped by those walks; they are still freed, and finalised.
        gc.freeze()
