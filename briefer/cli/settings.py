"""``briefer config``: the effective settings and where each came from, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from briefer.cli.common import SETTING_FLAGS, model_options

if TYPE_CHECKING:
    from briefer.config import Origin, Settings

_SECRET = ("set", "not set")
_FLAGS = {"prompts_dir": "--prompts", "cache": "--no-cache"}


@click.command(name="config")
@model_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
def config_command(as_json: bool, **options: Any) -> None:
    """Show the effective settings and where each came from: default, the config file,
    an environment variable or a flag (the same flags as brief). Keys, tokens and webhook
    URLs show only as "set" or "not set"; endpoints without their credentials."""
    from briefer.config import explain_settings

    flags = {name: options.pop(name, None) for name in SETTING_FLAGS}
    if options.pop("no_cache", False):
        flags["cache"] = False
    settings, origins, path = explain_settings(flags, config_path=options.pop("config_path"))
    rows = _rows(settings, origins, path)
    if as_json:
        shown = {name: {"value": value, "from": origin} for name, value, origin in rows}
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("setting", "value", "from"):
        table.add_column(column)
    for name, value, origin in rows:
        table.add_row(name, "" if value is None else str(value), origin, style=None)
    Console(soft_wrap=True, highlight=False).print(table, markup=False)


Row = tuple[str, Any, str]


def _rows(settings: Settings, origins: dict[str, Origin], path: Path | None) -> list[Row]:
    from briefer.config import HOME_ENV, home_override, user_dir

    rows: list[Row] = [("config_file", str(path) if path else None, "found" if path else "none")]
    rows += _model_rows(settings, origins)
    dumped = settings.model_dump(mode="json", exclude={"api_key", "daily", "slack"})
    for name, value in dumped.items():
        if name in ("backend", "model", "base_url"):
            continue
        rows.append((name, value, _origin(name, origins)))
    for name, value in settings.daily.model_dump(mode="json").items():
        rows.append((f"daily.{name}", value, _origin(f"daily.{name}", origins)))
    rows += _slack_rows(settings, origins)
    home = user_dir()
    home_from = f"env {HOME_ENV}" if home_override() else "default"
    rows += [
        ("user_dir", str(home), home_from),
        ("response_cache", str(home / "cache.sqlite"), home_from),
        ("brief_log", str(home / "briefs.sqlite"), home_from),
    ]
    return rows


def _model_rows(settings: Settings, origins: dict[str, Origin]) -> list[Row]:
    from briefer.errors import InputError
    from briefer.urls import redact_url

    model: str | None
    try:
        backend: str = settings.resolved_backend()
        model = settings.model_name()
    except InputError as error:
        backend, model = f"none ({error.message})", settings.model
    chosen = settings.backend if settings.backend == backend else f"{settings.backend} → {backend}"
    api_key = _SECRET[0] if settings.api_key else _SECRET[1]
    return [
        ("backend", chosen, _origin("backend", origins)),
        ("model", model, _origin("model", origins)),
        (
            "base_url",
            redact_url(settings.base_url) if settings.base_url else None,
            _origin("base_url", origins),
        ),
        ("api_key", api_key, "env OPENAI_API_KEY" if settings.api_key else "default"),
    ]


def _slack_rows(settings: Settings, origins: dict[str, Origin]) -> list[Row]:
    from briefer.config import slack_environment
    from briefer.urls import redact_url

    environment = slack_environment()
    api_url = settings.slack.api_url
    rows: list[Row] = [
        ("slack.channel", settings.slack.channel, _origin("slack.channel", origins)),
        (
            "slack.api_url",
            redact_url(api_url) if api_url else None,
            _origin("slack.api_url", origins),
        ),
    ]
    for name in ("SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN"):
        present = name in environment
        rows.append(
            (name, _SECRET[0] if present else _SECRET[1], f"env {name}" if present else "default")
        )
    if "SLACK_API_URL" in environment:
        rows.append(
            ("SLACK_API_URL", redact_url(environment["SLACK_API_URL"]), "env SLACK_API_URL")
        )
    return rows


def _origin(name: str, origins: dict[str, Origin]) -> str:
    from briefer.config import ENV_VARS

    origin = origins.get(name)
    if origin is None:
        return "default"
    if origin == "env":
        var = next((var for var, field in ENV_VARS.items() if field == name), name.upper())
        return f"env {var}"
    if origin == "flag":
        return "flag " + _FLAGS.get(name, "--" + name.replace("_", "-"))
    return str(origin)
