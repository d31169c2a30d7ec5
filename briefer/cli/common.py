"""Options shared by several commands, and the one place errors become exit codes."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from briefer.cli.output import quiet
from briefer.errors import InputError
from briefer.urls import REDACTED, redact_url

if TYPE_CHECKING:  # config pulls in pydantic: not needed to parse or print --help
    from briefer.config import Settings

F = TypeVar("F", bound=Callable[..., Any])

_OUTPUT_FIX = "choose an output path in a folder you can write to"
_FOLDER_FIX = "choose a folder you can write to"


def model_options(function: F) -> F:
    """Flags that choose and tune the model; each overrides env vars and briefer.toml."""
    options = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="briefer.toml to read (default: ./briefer.toml, then $BRIEFER_HOME).",
        ),
        click.option(
            "--backend",
            type=click.Choice(["openai", "local", "auto"]),
            help="Model backend [default: openai when OPENAI_API_KEY/OPENAI_BASE_URL is set, else local].",
        ),
        click.option("--model", help="Model name (env BRIEFER_MODEL)."),
        click.option("--base-url", help="OpenAI-compatible endpoint (env OPENAI_BASE_URL)."),
        click.option(
            "--model-path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="A GGUF file for the local backend.",
        ),
        click.option(
            "--prompts",
            "prompts_dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Prompt set directory (default: the built-in prompts/).",
        ),
        click.option(
            "--strict", is_flag=True, default=None, help="Drop items grounding cannot verify."
        ),
        click.option(
            "--speakers",
            type=click.Choice(["rules", "model"]),
            help="Who decides a claim's speaker: the rules over the parse when confident, "
            "or the model [default: rules].",
        ),
        click.option(
            "--choose",
            type=click.Choice(["pipeline", "model"]),
            help="Who picks the claims and completes the actors: the ranked candidates, or "
            "the model's answer as it stands [default: pipeline].",
        ),
        click.option("--no-cache", "no_cache", is_flag=True, help="Bypass the response cache."),
        click.option("--timeout", type=float, help="Seconds per model call [default: 60]."),
        click.option("--context-window", type=int, help="Model context window in tokens."),
        click.option(
            "--max-output-tokens", type=int, help="Tokens reserved for the answer [default: 1500]."
        ),
        click.option("--overlap-tokens", type=int, help="Overlap between chunks [default: 100]."),
        click.option("--max-chars", type=int, help="Longest article accepted [default: 200000]."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


SETTING_FLAGS = (
    "backend",
    "model",
    "base_url",
    "model_path",
    "prompts_dir",
    "strict",
    "speakers",
    "choose",
    "timeout",
    "context_window",
    "max_output_tokens",
    "overlap_tokens",
    "max_chars",
)


def settings_from(options: dict[str, Any]) -> Settings:
    """Pop the model options out of a command's kwargs and resolve the settings, checked
    (backend, model file, window, BRIEFER_HOME) before the command does any work."""
    from briefer.config import load_settings, preflight

    flags = {name: options.pop(name, None) for name in SETTING_FLAGS}
    if options.pop("no_cache", False):
        flags["cache"] = False
    settings = load_settings(flags, config_path=options.pop("config_path", None))
    preflight(settings)
    return settings


def check_folder(folder: Path) -> None:
    """Fail before any work when ``folder`` cannot be created or written."""
    from briefer.config import folder_problem, probe_folder

    try:
        probe_folder(folder)
    except OSError as error:
        raise InputError(
            f"{folder}: cannot write there ({folder_problem(folder, error)}); {_FOLDER_FIX}"
        ) from None


def check_output(output: Path | None) -> None:
    """Fail before any model call when ``output`` cannot be written (creates its folder)."""
    if output is None:
        return
    if output.is_dir():
        raise InputError(f"{output}: is a folder; give the output a file name")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output.parent):
            pass
    except OSError as error:
        raise _unwritable(output, error) from error
    if output.exists() and not os.access(output, os.W_OK):
        raise InputError(f"{output}: cannot write the output (read-only file); {_OUTPUT_FIX}")


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        try:
            click.echo(text, nl=False)
        except BrokenPipeError:
            raise  # the reader is gone (`| head`): the command line ends quietly
        except OSError as error:  # e.g. stdout redirected to a full disk
            raise InputError(
                f"stdout: cannot write the output ({error.strerror or type(error).__name__}); "
                "free the space or write to a file with -o"
            ) from None
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _unwritable(output, error) from error
    if not quiet():
        click.echo(f"wrote {output}", err=True)


def _unwritable(output: Path, error: OSError) -> InputError:
    """One line naming the output, what is wrong with its path, and the fix."""
    culprit = Path(str(error.filename)) if error.filename else None
    if culprit not in output.parents:  # e.g. the probe file: not worth naming
        culprit = None
    blocker = next((parent for parent in output.parents if parent.exists()), None)
    if blocker is not None and not blocker.is_dir():
        reason = f"{blocker} is a file, not a folder"
    else:
        reason = error.strerror or type(error).__name__
        if culprit is not None:
            reason += f" ({culprit})"
    return InputError(f"{output}: cannot write the output: {reason}; {_OUTPUT_FIX}")


# --- internal errors ---------------------------------------------------------------------

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_TOKEN_SHAPES = re.compile(
    r"\bsk-[A-Za-z0-9_-]{8,}|\bxox[a-z]-[A-Za-z0-9-]{8,}|(?<=hooks\.slack\.com/)[^\s'\"<>]+"
    r"|(?<=Bearer )\S+",
)
_MAX_MESSAGE = 300
_REPORT_HINT = (
    "this is a bug in briefer — please report it (set BRIEFER_DEBUG=1 to see the traceback)"
)


def scrub_secrets(text: str) -> str:
    """``text`` without secrets: values of secret-named environment variables, URL
    credentials and secret query values, and API-key / Slack-token shapes."""
    from briefer.config import secret_values

    for value in secret_values():
        text = text.replace(value, REDACTED)
    text = _URL.sub(lambda match: redact_url(match.group(0)), text)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def internal_error_line(error: BaseException) -> str:
    """The one line shown for an exception briefer did not expect (exit 3)."""
    kind = type(error).__qualname__
    if type(error).__module__ != "builtins":
        kind = f"{type(error).__module__}.{kind}"
    try:
        message = " ".join(scrub_secrets(str(error)).split())
    except Exception:  # an exception whose str() fails still gets its one line
        message = "(no message)"
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    detail = f"{kind}: {message}" if message else kind
    return f"briefer: internal error: {detail}; {_REPORT_HINT}"
