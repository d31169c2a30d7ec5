"""The day run: sources → stories → briefs (concurrent, resumable) → one digest.

The day folder ``<out>/<YYYY-MM-DD>/`` holds everything, state included::

    stories/<story-id>.json   one finished ``Story``, written atomically the moment its brief
                              is done; this folder *is* the resume state
    digest.json               the ``Digest``: ordered stories, failures, run stats
    digest.md, digest.html    the same digest to read (rewritten at the end of every run)

Resume: a re-run loads ``stories/``; pages and files those stories came from are not
loaded again and cost 0 model calls; everything else (new articles, earlier failures) is
collected and briefed. A finished brief is never replaced: an article that turns up later
for a finished story (same text, or a matching title) is added to its sources only. Ctrl-C
cancels the queued stories, writes the digest (naming them as interrupted) and exits;
briefs already in flight still land in ``stories/`` when they finish.

Importance (the digest's order): ``3 × sources + 1 × grounded actors + 0.5 × grounded
numbers``; ties go to more sources, then the title. Only grounded items count, so a model
cannot make a story look important by inventing names or numbers.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefer.backends import Backend, ChatRequest, ChatResponse
from briefer.config import Settings
from briefer.errors import BrieferError, InputError
from briefer.llm import CachedBackend, CallStats
from briefer.pipeline import Briefer, make_backend
from briefer.render import html_page, md_escape, render_html_fragment, render_markdown, safe_url
from briefer.schema import Brief, Usage
from briefer.sources import (
    Collected,
    Problem,
    SourcedArticle,
    Window,
    collect_articles,
    missing_local_sources,
)
from briefer.stories import StoryGroup, group_stories, merge_material, titles_match

DIGEST_SCHEMA_VERSION = "1.0"
STORIES_DIR = "stories"
DIGEST_FILES = ("digest.json", "digest.md", "digest.html")
SOURCE_WEIGHT, ACTOR_WEIGHT, NUMBER_WEIGHT = 3.0, 1.0, 0.5
SPARE_WORKERS = 2  # threads beyond --concurrency, preparing stories for the next free slot

FailureStage = Literal["source", "fetch", "brief", "interrupted"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceLink(_Model):
    """One article of a story: where it was found and what it is."""

    key: str = Field(description="normalised URL or file path: how a re-run recognises it")
    article_id: str
    title: str | None = None
    site: str | None = None
    url: str | None = None
    path: str | None = None
    date: str | None = None


class Story(_Model):
    id: str
    importance: float
    sources: list[SourceLink]
    brief: Brief
    briefed_at: str


class Failure(_Model):
    stage: FailureStage
    item: str = Field(description="the URL, file, source or story title that failed")
    reason: str
    story_id: str | None = None
    sources: list[SourceLink] = Field(default_factory=list)


class DigestStats(_Model):
    articles: int = Field(0, description="unique articles this run saw (resumed ones too)")
    duplicates: int = 0
    outside_window: int = 0
    stories: int = 0
    resumed: int = Field(0, description="finished stories found in the day folder")
    briefed: int = 0
    failed: int = 0
    model_calls: int = 0
    cache_hits: int = 0
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0


class Digest(_Model):
    schema_version: str = DIGEST_SCHEMA_VERSION
    date: str
    generated_at: str
    stories: list[Story] = Field(description="most important first")
    failures: list[Failure]
    stats: DigestStats

    @property
    def complete(self) -> bool:
        return not self.failures


class DailyOptions(_Model):
    """The ``[daily]`` section of briefer.toml; command-line flags override it."""

    sources: list[str] = Field(default_factory=list)
    out: Path = Path("briefings")
    concurrency: int = Field(4, ge=1, le=64)
    max_articles: int | None = Field(None, ge=1)
    window_hours: float = Field(24.0, gt=0, description="feed entries older than this are skipped")


def daily_options(config: dict[str, Any], **overrides: Any) -> DailyOptions:
    """``[daily]`` settings with the non-None ``overrides`` applied; InputError when invalid."""
    values = {**config, **{k: v for k, v in overrides.items() if v is not None}}
    try:
        options = DailyOptions.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"daily option {where!r}: {first['msg']} (check the flag or [daily] in briefer.toml)"
        ) from error
    if not options.sources:
        raise InputError(
            "no sources: give folders, URL lists or feeds, or set [daily] sources in briefer.toml"
        )
    from_config = overrides.get("sources") is None
    check_sources(options.sources, where="[daily] sources in briefer.toml" if from_config else None)
    return options


def check_sources(sources: Sequence[str], *, where: str | None = None) -> None:
    """InputError (exit 2) naming every local path among ``sources`` that does not exist.

    A missing folder or file is a typo to fix, not a day to brief without it: nothing is
    briefed or written. (An http(s) URL that fails to load is a per-source failure instead.)
    """
    missing = missing_local_sources(sources)
    if not missing:
        return
    names = ", ".join(repr(source) for source in missing)
    place = f" (in {where})" if where else ""
    raise InputError(
        f"no such file or folder: {names}{place}; fix the path, or give feeds and pages "
        "as http:// or https:// URLs"
    )


# -- progress ---------------------------------------------------------------------------------


class StoryEvent(NamedTuple):
    status: Literal["done", "cached", "failed"]
    title: str
    tokens: int = 0
    reason: str | None = None


class DayObserver:
    """What a day run reports as it goes; the CLI shows it, the library default ignores it."""

    def collected(self, summary: str, *, to_brief: int, resumed: int) -> None:
        """Sources are read: ``to_brief`` stories will be briefed, ``resumed`` were done."""

    def story(self, event: StoryEvent) -> None:
        """One story finished or failed."""


# -- the run ----------------------------------------------------------------------------------


def run_day(
    options: DailyOptions,
    settings: Settings,
    *,
    day: date,
    backend: Backend | None = None,
    observer: DayObserver | None = None,
    now: datetime | None = None,
) -> Digest:
    """Brief the day's sources into ``<out>/<day>/``; see the module docstring.

    ``backend`` replaces the one ``settings`` describe (tests, benchmarks); either way at
    most ``options.concurrency`` model calls are in flight.
    """
    started = time.monotonic()
    check_sources(options.sources)  # before the day folder exists
    observer = observer or DayObserver()
    day_dir = options.out / day.isoformat()
    (day_dir / STORIES_DIR).mkdir(parents=True, exist_ok=True)
    with day_lock(day_dir, "daily"):
        finished = load_stories(day_dir)
        collected = _collect(
            options, settings, finished, briefing_window(day, options.window_hours, now)
        )
        plan = plan_stories(collected.articles, finished)
        finished.update((s.id, save_story(day_dir, s)) for s in plan.updated)
        summary = _collected_summary(collected)
        observer.collected(summary, to_brief=len(plan.groups), resumed=len(finished))
        results = _Results(resumed=len(finished))
        try:
            _brief_all(
                plan.groups,
                results,
                day_dir=day_dir,
                concurrency=options.concurrency,
                make_briefer=lambda: _bounded_briefer(settings, backend, options.concurrency),
                max_chars=settings.max_chars,
                observer=observer,
            )
        except KeyboardInterrupt:  # what is finished goes in the digest; the rest is named
            results.interrupt([g for g in plan.groups if g.id not in results.settled])
            _finish(day_dir, day, finished, collected, results, started)
            raise
        return _finish(day_dir, day, finished, collected, results, started)


def _collect(
    options: DailyOptions, settings: Settings, finished: dict[str, Story], window: Window
) -> Collected:
    return collect_articles(
        options.sources,
        window=window,
        known_keys=frozenset(link.key for s in finished.values() for link in s.sources),
        max_articles=options.max_articles,
        max_chars=settings.max_chars,
        timeout=settings.timeout,
    )


def _finish(
    day_dir: Path,
    day: date,
    finished: dict[str, Story],
    collected: Collected,
    results: _Results,
    started: float,
) -> Digest:
    digest = _assemble(day, finished, collected, results, time.monotonic() - started)
    write_digest(day_dir, digest)
    return digest


def briefing_window(day: date, hours: float, now: datetime | None = None) -> Window:
    """Feed entries from ``hours`` before the end of ``day`` (or before now, if earlier)."""
    now = now or datetime.now().astimezone()
    end_of_day = datetime.combine(day + timedelta(days=1), clock.min, tzinfo=now.tzinfo)
    return Window(start=min(now, end_of_day) - timedelta(hours=hours), end=end_of_day)


@dataclass
class StoryPlan:
    groups: list[StoryGroup] = field(default_factory=list)
    """New stories to brief."""
    updated: list[Story] = field(default_factory=list)
    """Finished stories with late sources added (their briefs are kept as they are)."""


def plan_stories(articles: Sequence[SourcedArticle], finished: dict[str, Story]) -> StoryPlan:
    """Split the collected articles between finished stories and new story groups."""
    owner_of_article = {link.article_id: s.id for s in finished.values() for link in s.sources}
    late: dict[str, list[SourcedArticle]] = {}
    fresh: list[SourcedArticle] = []
    for item in articles:
        owner = owner_of_article.get(item.article.id) or _owner_by_title(item, finished)
        if owner:
            late.setdefault(owner, []).append(item)
        else:
            fresh.append(item)
    updated = [_with_sources(finished[owner], items) for owner, items in late.items()]
    return StoryPlan(group_stories(fresh), [s for s in updated if s is not finished[s.id]])


def _owner_by_title(item: SourcedArticle, finished: dict[str, Story]) -> str | None:
    for story in finished.values():
        if any(titles_match(item.article.title, link.title) for link in story.sources):
            return story.id
    return None


def _with_sources(story: Story, items: Sequence[SourcedArticle]) -> Story:
    return _with_links(story, [link for item in items for link in source_links(item)])


def _with_links(story: Story, links: Sequence[SourceLink]) -> Story:
    """``story`` plus the links it does not have yet (the same object when none are new)."""
    known = {link.key for link in story.sources}
    extra = [link for link in links if link.key not in known]
    if not extra:
        return story
    sources = [*story.sources, *extra]
    update = {"sources": sources, "importance": importance(story.brief, len(sources))}
    return story.model_copy(update=update)


def source_links(item: SourcedArticle) -> list[SourceLink]:
    article = item.article
    links = []
    for location, key in zip(item.locations, item.keys, strict=True):
        is_url = key.startswith("url:")
        links.append(
            SourceLink(
                key=key,
                article_id=article.id,
                title=article.title,
                site=article.source,
                url=location if is_url else article.url,
                path=None if is_url else location,
                date=article.date,
            )
        )
    return links


def importance(brief: Brief, source_count: int) -> float:
    grounded_actors = sum(actor.grounded for actor in brief.actors)
    grounded_numbers = sum(number.grounded for number in brief.numbers)
    return (
        SOURCE_WEIGHT * source_count
        + ACTOR_WEIGHT * grounded_actors
        + NUMBER_WEIGHT * grounded_numbers
    )


def make_story(group: StoryGroup, brief: Brief) -> Story:
    sources = [link for member in group.members for link in source_links(member)]
    return Story(
        id=group.id,
        importance=importance(brief, len(sources)),
        sources=sources,
        brief=brief,
        briefed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


@dataclass
class _Results:
    resumed: int = 0
    stories: list[Story] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    settled: set[str] = field(default_factory=set)
    spent: CallStats = field(default_factory=CallStats)
    """Every model call of the run, failed stories' included (the client's running total)."""

    def interrupt(self, groups: Sequence[StoryGroup]) -> None:
        for group in groups:
            self.failures.append(
                _group_failure(
                    group, "interrupted", "the run was stopped before this story was briefed"
                )
            )
            self.settled.add(group.id)


def _brief_all(
    groups: Sequence[StoryGroup],
    results: _Results,
    *,
    day_dir: Path,
    concurrency: int,
    make_briefer: Callable[[], Briefer],
    max_chars: int,
    observer: DayObserver,
) -> None:
    if not groups:
        return
    briefer = make_briefer()
    results.spent = briefer.client.spent
    # Longest material first: the slowest stories start early, so the run ends sooner.
    ordered = sorted(groups, key=lambda g: g.size, reverse=True)
    # More threads than model slots: a story's chunking and grounding (CPU) run while the
    # other stories' model calls hold the slots, so the slots never sit idle.
    pool = ThreadPoolExecutor(
        max_workers=concurrency + SPARE_WORKERS, thread_name_prefix="briefer-brief"
    )
    try:
        futures = {
            pool.submit(_brief_and_save, briefer, group, day_dir, max_chars): group
            for group in ordered
        }
        for future in as_completed(futures):
            observer.story(_settle(futures[future], future, results))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class BoundedBackend:
    """A backend that lets at most ``limit`` calls through at once, from any number of threads."""

    def __init__(self, inner: Backend, limit: int) -> None:
        self.inner = inner
        self.name, self.model, self.endpoint = inner.name, inner.model, inner.endpoint
        self._slots = threading.BoundedSemaphore(limit)

    def complete(self, request: ChatRequest) -> ChatResponse:
        with self._slots:
            return self.inner.complete(request)


def _bounded_briefer(settings: Settings, backend: Backend | None, concurrency: int) -> Briefer:
    """One ``Briefer`` (one client, one response cache) shared by every worker thread."""
    backend = backend or make_backend(settings)
    if isinstance(backend, CachedBackend):  # a cache hit or write must not hold a model slot
        bounded: Backend = CachedBackend(BoundedBackend(backend.inner, concurrency), backend.cache)
    else:
        bounded = BoundedBackend(backend, concurrency)
    return Briefer(settings, backend=bounded)


def _brief_and_save(briefer: Briefer, group: StoryGroup, day_dir: Path, max_chars: int) -> Story:
    """Runs in a worker: the story is on disk before the main thread hears of it."""
    brief = briefer.brief(merge_material(group, max_chars=max_chars))
    return save_story(day_dir, make_story(group, brief))


def _settle(group: StoryGroup, future: Future[Story], results: _Results) -> StoryEvent:
    results.settled.add(group.id)
    try:
        story = future.result()
    except BrieferError as error:
        return _failed(group, error.message, results)
    except Exception as error:  # a bug must not cost the rest of the day; it is named
        return _failed(group, f"unexpected {type(error).__name__}: {error}", results)
    results.stories.append(story)
    meta = story.brief.meta
    status: Literal["done", "cached"] = "cached" if meta.calls == 0 else "done"
    tokens = meta.usage.prompt_tokens + meta.usage.completion_tokens
    return StoryEvent(status, story.brief.title, tokens)


def _failed(group: StoryGroup, reason: str, results: _Results) -> StoryEvent:
    failure = _group_failure(group, "brief", reason)
    results.failures.append(failure)
    return StoryEvent("failed", failure.item, reason=reason)


def _group_failure(group: StoryGroup, stage: FailureStage, reason: str) -> Failure:
    first = group.members[0]
    item = first.article.title or first.locations[0]
    links = [link for member in group.members for link in source_links(member)]
    return Failure(stage=stage, item=item, reason=reason, story_id=group.id, sources=links)


def _assemble(
    day: date,
    finished: dict[str, Story],
    collected: Collected,
    results: _Results,
    seconds: float,
) -> Digest:
    stories = order_stories([*finished.values(), *results.stories])
    failures = [*(_problem_failure(p) for p in collected.problems), *results.failures]
    stats = DigestStats(
        articles=len(collected.articles) + len(collected.known),
        duplicates=collected.duplicates,
        outside_window=collected.outside_window,
        stories=len(stories),
        resumed=results.resumed,
        briefed=len(results.stories),
        failed=len(failures),
        model_calls=results.spent.calls,
        cache_hits=results.spent.cache_hits,
        usage=results.spent.usage,
        seconds=round(seconds, 3),
    )
    return Digest(
        date=day.isoformat(),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        stories=stories,
        failures=failures,
        stats=stats,
    )


def order_stories(stories: Sequence[Story]) -> list[Story]:
    return sorted(
        stories, key=lambda s: (-s.importance, -len(s.sources), s.brief.title.lower(), s.id)
    )


def _problem_failure(problem: Problem) -> Failure:
    return Failure(stage=problem.stage, item=problem.item, reason=problem.reason)


def _collected_summary(collected: Collected) -> str:
    parts = [f"{len(collected.articles) + len(collected.known)} articles"]
    if collected.duplicates:
        parts.append(f"{collected.duplicates} duplicates")
    if collected.outside_window:
        parts.append(f"{collected.outside_window} feed entries outside the window")
    if collected.problems:
        parts.append(f"{len(collected.problems)} failed to load")
    return ", ".join(parts)


# -- state on disk ----------------------------------------------------------------------------


def write_atomic(path: Path, text: str, *, durable: bool = True) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: all or nothing.

    ``durable`` also syncs the data to disk first, so a power cut cannot leave an empty file
    behind the new name; files that every run rebuilds skip that cost.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the digest from a web server
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def day_lock(day_dir: Path, name: str) -> Iterator[None]:
    """One ``briefer daily`` (or one Slack post) per day folder at a time."""
    day_dir.mkdir(parents=True, exist_ok=True)
    with open(day_dir / f".{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                f"{day_dir}: another briefer {name} run is using this folder; wait for it"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_stories(day_dir: Path) -> dict[str, Story]:
    """The finished stories in ``day_dir``; unreadable files are ignored (briefed again)."""
    stories = (_read_story(path) for path in sorted((day_dir / STORIES_DIR).glob("*.json")))
    return {story.id: story for story in stories if story is not None}


def save_story(day_dir: Path, story: Story) -> Story:
    """Write ``story``; a brief already on disk for the same id is kept, only sources are added."""
    path = day_dir / STORIES_DIR / f"{story.id}.json"
    existing = _read_story(path)
    if existing is not None:
        story = _with_links(existing, story.sources)
    write_atomic(path, story.model_dump_json(indent=2) + "\n")
    return story


def _read_story(path: Path) -> Story | None:
    try:
        return Story.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None


def write_digest(day_dir: Path, digest: Digest) -> None:
    """The three digest files; not synced, as they are rebuilt from ``stories/`` every run."""
    write_atomic(day_dir / "digest.md", digest_markdown(digest), durable=False)
    write_atomic(day_dir / "digest.html", digest_html(digest), durable=False)
    write_atomic(day_dir / "digest.json", digest.model_dump_json(indent=2) + "\n", durable=False)


def load_digest(day_dir: str | Path) -> Digest:
    """The digest a ``briefer daily`` run wrote to ``day_dir`` (``briefings/YYYY-MM-DD``)."""
    path = Path(day_dir) / "digest.json"
    try:
        return Digest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise InputError(
            f"{day_dir}: no digest.json; run briefer daily for that day first"
        ) from None
    except (OSError, ValidationError) as error:
        raise InputError(
            f"{path}: not a readable digest ({type(error).__name__}); run briefer daily again"
        ) from error


# -- rendering --------------------------------------------------------------------------------


def digest_title(digest: Digest) -> str:
    return f"Daily briefing — {digest.date}"


def digest_summary(digest: Digest) -> str:
    """``"12 stories from 30 articles · 2 failed"``."""
    stats = digest.stats
    stories = plural(len(digest.stories), "story", "stories")
    text = f"{stories} from {plural(stats.articles, 'article')}"
    return text + (f" · {len(digest.failures)} failed" if digest.failures else "")


def plural(count: int, one: str, many: str | None = None) -> str:
    """``plural(1, "story", "stories")`` is "1 story"; ``plural(3, "source")`` "3 sources"."""
    return f"{count} {one if count == 1 else many or one + 's'}"


def link_label(link: SourceLink) -> str:
    """``"Title (site)"`` for a page (or whichever of them it has, else the URL); the title
    or the file name for a file."""
    if not link.url:
        return link.title or Path(link.path or link.key).name
    if link.title and link.site and link.site not in link.title:
        return f"{link.title} ({link.site})"
    return link.title or link.site or link.url


def digest_markdown(digest: Digest) -> str:
    lines = [
        f"# {md_escape(digest_title(digest))}",
        "",
        f"_{md_escape(digest_summary(digest))}_",
        "",
    ]
    if digest.stories:
        lines += ["## Contents", ""]
        lines += [
            f"{rank}. {md_escape(s.brief.title)} ({plural(len(s.sources), 'source')})"
            for rank, s in enumerate(digest.stories, start=1)
        ]
        lines.append("")
    for rank, story in enumerate(digest.stories, start=1):
        body = render_markdown(story.brief, heading_level=2).split("\n", 1)[1]
        lines += [f"## {rank}. {md_escape(story.brief.title)}", body.rstrip("\n"), ""]
        lines += ["**Sources:** " + " · ".join(_md_link(link) for link in story.sources), ""]
    if digest.failures:
        lines += [
            f"## Failed ({len(digest.failures)})",
            "",
            "A re-run of the same day retries these.",
            "",
        ]
        lines += [
            f"- **{f.stage}** {md_escape(f.item)}: {md_escape(f.reason)}" for f in digest.failures
        ]
        lines.append("")
    return "\n".join(lines)


def _md_link(link: SourceLink) -> str:
    url = safe_url(link.url)
    label = md_escape(link_label(link))
    return f"[{label}](<{url}>)" if url else label


DIGEST_STYLE = """<style>
nav ol { padding-left: 1.4rem; } nav .count, .sources { color: #666; font-size: .9em; }
section.failures li { margin-bottom: .3rem; } .stage { font-weight: 600; text-transform: uppercase;
font-size: .8em; color: #a12; }
</style>"""


def digest_html(digest: Digest) -> str:
    e = html.escape
    parts = [
        DIGEST_STYLE,
        f"<header><h1>{e(digest_title(digest))}</h1><p>{e(digest_summary(digest))}</p></header>",
    ]
    if digest.stories:
        items = "".join(
            f'<li><a href="#story-{rank}">{e(s.brief.title)}</a> '
            f'<span class="count">· {e(plural(len(s.sources), "source"))}</span></li>'
            for rank, s in enumerate(digest.stories, start=1)
        )
        parts.append(f"<nav><h2>Contents</h2><ol>{items}</ol></nav>")
    for rank, story in enumerate(digest.stories, start=1):
        links = " · ".join(_html_link(link) for link in story.sources)
        parts.append(
            f'<section id="story-{rank}">{render_html_fragment(story.brief)}'
            f'<p class="sources">Sources: {links}</p></section>'
        )
    if digest.failures:
        items = "".join(
            f'<li><span class="stage">{e(f.stage)}</span> {e(f.item)}: {e(f.reason)}</li>'
            for f in digest.failures
        )
        parts.append(
            f'<section class="failures" id="failures"><h2>Failed ({len(digest.failures)})</h2>'
            f"<p>A re-run of the same day retries these.</p><ul>{items}</ul></section>"
        )
    return html_page(digest_title(digest), "\n".join(parts))


def _html_link(link: SourceLink) -> str:
    url = safe_url(link.url)
    label = html.escape(link_label(link))
    return f'<a href="{html.escape(url)}" rel="noopener noreferrer">{label}</a>' if url else label


__all__ = [
    "DailyOptions",
    "DayObserver",
    "Digest",
    "DigestStats",
    "Failure",
    "SourceLink",
    "Story",
    "StoryEvent",
    "check_sources",
    "daily_options",
    "digest_html",
    "digest_markdown",
    "load_digest",
    "load_stories",
    "order_stories",
    "run_day",
    "write_atomic",
]
