"""Options shared by several commands, and the one place errors become exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from briefer.config import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


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
    "timeout",
    "context_window",
    "max_output_tokens",
    "overlap_tokens",
    "max_chars",
)


def settings_from(options: dict[str, Any]) -> Settings:
    """Pop the model options out of a command's kwargs and resolve the settings."""
    flags = {name: options.pop(name, None) for name in SETTING_FLAGS}
    if options.pop("no_cache", False):
        flags["cache"] = False
    return load_settings(flags, config_path=options.pop("config_path", None))


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)
