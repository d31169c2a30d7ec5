"""``briefer brief --show-prompt``: the rendered messages, with no model loaded or called."""

from __future__ import annotations

from typing import NoReturn

import click

from briefer.backends import ChatRequest
from briefer.config import Settings


class _NoCalls:
    """Stands in for the configured model: its name and endpoint, and no way to call it."""

    def __init__(self, settings: Settings) -> None:
        from briefer.backends.openai import DEFAULT_BASE_URL, endpoint_host

        self.name: str = settings.resolved_backend()
        self.model = settings.model_name()
        self.endpoint = (
            "local"
            if self.name == "local"
            else endpoint_host(settings.base_url or DEFAULT_BASE_URL)
        )

    def complete(self, request: ChatRequest) -> NoReturn:
        raise AssertionError("--show-prompt makes no model call")


def show_prompts(sources: tuple[str, ...], settings: Settings) -> None:
    """Each source's chunks' messages on stdout, each headed by its chunk and role."""
    from briefer.pipeline import Briefer

    briefer = Briefer(settings, backend=_NoCalls(settings))
    for source in sources:
        prompts = briefer.rendered_prompts(source)
        for index, messages in enumerate(prompts, start=1):
            for role, content in messages:
                where = f"{source}: " if len(sources) > 1 else ""
                click.echo(f"=== {where}chunk {index} of {len(prompts)}: {role} ===")
                click.echo(content.rstrip("\n"))
                click.echo()
