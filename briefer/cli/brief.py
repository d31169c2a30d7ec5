"""``briefer brief SOURCE...``: each article to one brief."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from briefer.cli.common import check_output, model_options, settings_from, write_output
from briefer.cli.output import detail, note, progress
from briefer.errors import EXIT_PARTIAL, BrieferError, InputError

if TYPE_CHECKING:
    from briefer.config import Settings
    from briefer.nlp.warm import WarmFinder
    from briefer.pipeline import Briefer

FORMATS = (
    "md",
    "json",
    "html",
)  # briefer.rendering.brief.FORMATS; tests/test_startup.py keeps them equal
# -o's extension chooses the format when --format is not given; any other extension gets
# the default, Markdown (a .txt of Markdown reads fine).
SUFFIX_FORMATS = {".json": "json", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
_SEPARATORS = {
    "md": "\n---\n\n",
    "json": "",
}  # several briefs on stdout: Markdown rules, JSON lines


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format [default: from -o's extension (.json .md .html), else md].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write to a file instead of stdout; with several sources (or an existing folder), "
    "a folder that gets one file per article.",
)
@click.option(
    "--show-prompt",
    is_flag=True,
    help="Print the messages each call would send (system and user, per chunk); no model call.",
)
@click.option("--no-log", is_flag=True, help="Do not add the brief to `briefer logs`.")
@model_options
def brief(
    sources: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    show_prompt: bool,
    no_log: bool,
    **options: Any,
) -> None:
    """Brief articles: files (.txt .md .html .json), - for stdin, or http(s) URLs.

    Several sources give one brief each: on stdout Markdown briefs are separated by a
    --- rule and JSON briefs are JSON Lines (one per line); with -o FOLDER each is a file
    named after its source. One article that fails does not stop the others: each
    failure is one line on stderr and the exit code is 1.
    """
    settings = settings_from(options)
    to_folder = output is not None and (len(sources) > 1 or output.is_dir())
    fmt = fmt or _format_of(None if to_folder else output)
    if show_prompt:
        _show_prompts(sources, settings)
        return
    if len(sources) > 1 and output is None and fmt == "html":
        raise InputError("--format html: one page per article; give -o FOLDER for several")
    if to_folder:
        assert output is not None
        _check_folder(output)
    else:
        check_output(output)  # before the model call, which an unwritable path would waste
    finder = _warm_finder(settings)
    briefer = _briefer(settings, finder)
    failures, shown, names = 0, 0, set[str]()
    for source in sources:
        try:
            text = _brief_one(briefer, source, fmt, log=not no_log, finder=finder)
        except BrieferError as error:
            if len(sources) == 1:
                raise
            click.echo(f"briefer: error: {error.message}", err=True)
            failures += 1
            continue
        if to_folder:
            assert output is not None
            write_output(text, output / _file_name(source, fmt, names))
        elif len(sources) > 1 and fmt == "json":
            write_output(_one_line(text), output)
        else:
            write_output((_SEPARATORS.get(fmt, "") if shown else "") + text, output)
        shown += 1
    if failures:
        note(f"briefer: {failures} of {len(sources)} articles failed")
        raise SystemExit(EXIT_PARTIAL)


def _format_of(output: Path | None) -> str:
    if output is None:
        return "md"
    return SUFFIX_FORMATS.get(output.suffix.lower(), "md")


def _warm_finder(settings: Settings) -> WarmFinder | None:
    """The warm spaCy worker's client, unless it is turned off or the model is the embedded
    one (a local brief takes tens of seconds, and the worker's memory is better left to it)."""
    if not settings.nlp_worker or settings.resolved_backend() == "local":
        return None
    from briefer.nlp.warm import WarmFinder, socket_path

    path = socket_path()
    # Not local means openai: its SDK is imported while the worker parses.
    return WarmFinder(path, meanwhile=_import_sdk_meanwhile) if path is not None else None


def _briefer(settings: Settings, finder: WarmFinder | None) -> Briefer:
    """The pipeline; "Preparing the model" is said only where there is one to load."""
    from briefer.cli.output import verbose
    from briefer.pipeline import Briefer

    if settings.resolved_backend() == "local":
        with progress("Preparing the model"):
            built = Briefer(settings, find=finder)
    else:
        built = Briefer(settings, find=finder)
    if verbose():
        from briefer.cli.timing import timed

        built = Briefer(settings, backend=timed(built.backend), prompts=built.prompts, find=finder)
    backend = built.backend
    detail(f"model {backend.model} ({backend.name} at {backend.endpoint})")
    return built


def _brief_one(
    briefer: Briefer, source: str, fmt: str, *, log: bool, finder: WarmFinder | None
) -> str:
    from briefer.articles import load_article
    from briefer.rendering.brief import render

    settings = briefer.settings
    article = load_article(
        source,
        max_chars=settings.max_chars,
        timeout=settings.timeout,
        fetch_deadline=settings.fetch_deadline,
    )
    backend = briefer.backend
    where = f" at {backend.endpoint}" if backend.name == "openai" else ""
    with progress(f"Briefing with {backend.model} ({backend.name}{where})"):
        answered = finder.answered if finder is not None else 0
        result = briefer.brief(article)
    if finder is not None:
        _say_worker(finder, answered)
    meta = result.meta
    detail(
        f"{source}: {meta.calls} calls, {meta.cache_hits} cache hits, {meta.chunks} chunks, "
        f"{meta.usage.prompt_tokens + meta.usage.completion_tokens} tokens, {meta.seconds:.2f}s"
    )
    if log:
        from briefer.brieflog import record

        record(result, warn=lambda line: click.echo(f"briefer: warning: {line}", err=True))
    return render(result, fmt)


def _import_sdk_meanwhile() -> None:
    """Import the openai SDK in a thread while this one waits on the worker's reply (the
    GIL is free then), so the first model call does not wait for all of the import."""
    import importlib
    import threading

    threading.Thread(
        target=importlib.import_module, args=("openai.resources.chat.completions",), daemon=True
    ).start()


def _say_worker(finder: WarmFinder, answered: int) -> None:
    if finder.answered > answered:
        detail("candidates from the warm spaCy worker")
    if finder.spawned and not finder.announced and finder.starting():
        finder.announced = True
        note(
            f"briefer: keeping spaCy warm for the next briefs (pid {finder.spawned}; stops "
            "after 10 idle minutes or with `briefer worker stop`; nlp_worker = false turns it off)"
        )


def _show_prompts(sources: tuple[str, ...], settings: Settings) -> None:
    from briefer.cli.prompts import show_prompts

    show_prompts(sources, settings)


def _one_line(text: str) -> str:
    import json

    return json.dumps(json.loads(text), ensure_ascii=False) + "\n"


def _check_folder(folder: Path) -> None:
    from briefer.cli.common import check_folder

    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: is a file; give -o a folder for several articles")
    check_folder(folder)


def _file_name(source: str, fmt: str, used: set[str]) -> str:
    """``<source's name>.<fmt>`` (``stdin`` for -, the last part of a URL's path or its
    host); a name this run already used gets ``-2``, ``-3``…"""
    from urllib.parse import urlparse

    if source == "-":
        stem = "stdin"
    elif "://" in source:
        parsed = urlparse(source)
        stem = Path(parsed.path).stem or parsed.hostname or "article"
    else:
        stem = Path(source).stem or "article"
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem)[:80] or "article"
    name, n = f"{stem}.{fmt}", 1
    while name in used:
        n += 1
        name = f"{stem}-{n}.{fmt}"
    used.add(name)
    return name
