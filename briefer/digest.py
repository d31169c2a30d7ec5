"""The day run: sources → stories → briefs (concurrent, resumable) → one digest.

Everything lives in the day folder ``<out>/<YYYY-MM-DD>/`` (``daystore``): finished stories
in ``stories/`` (the resume state), the texts they were briefed from in ``articles/``, and
the digest. The models are in ``daymodels``, the Markdown and HTML in ``digestrender``.

One bad input never costs the day: any failure of one source, page or story (even a bug)
is recorded as that item's failure with a one-line reason, the rest is briefed and the
digest is written. Resume: a re-run loads ``stories/``; pages and files those stories came
from are not loaded again and cost 0 model calls; everything else (new articles, earlier
failures) is collected and briefed; a finished story that gains a new text is briefed
again from all of them (``dayplan``), and a finished brief is only ever replaced by its
successor. Ctrl-C cancels the queued stories, waits at most ``INTERRUPT_GRACE_SECONDS`` for
briefs in flight, writes the digest (naming the rest as interrupted) and exits.

Importance (the digest's order): ``3 × sources + 1 × grounded actors + 0.5 × grounded
numbers``; ties go to more sources, then the title.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from briefer.backends import Backend
from briefer.config import DailyOptions, Settings
from briefer.daybrief import (
    INTERRUPT_GRACE_SECONDS,
    BriefResults,
    DayObserver,
    StoryEvent,
    bounded_briefer,
    brief_all,
    group_failure,
)
from briefer.daymodels import (
    DIGEST_SCHEMA_VERSION,
    Digest,
    DigestStats,
    Failure,
    SourceLink,
    Story,
    importance,
)
from briefer.dayplan import StoryPlan, plan_stories
from briefer.daystore import (
    STORIES_DIR,
    DayState,
    SetAside,
    day_lock,
    load_article,
    load_digest,
    open_day_folder,
    recover_stories,
    save_story,
    write_atomic,
    write_digest,
)
from briefer.digestrender import (
    digest_html,
    digest_markdown,
    digest_summary,
    digest_title,
    link_label,
    plural,
)
from briefer.errors import InputError
from briefer.followup import DEFAULT_FOLLOW_DAYS, follow_stories
from briefer.sources import Collected, Problem, Window, collect_articles, missing_local_sources
from briefer.urls import redact_url


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
    most ``options.concurrency`` model calls are in flight. Nothing is fetched, briefed or
    written when a local source is missing or ``options.out`` cannot be written (InputError).
    """
    check_sources(options.sources)  # before the day folder exists
    observer = observer or DayObserver()
    day_dir = options.out / day.isoformat()
    open_day_folder(options.out, day_dir)
    with day_lock(day_dir, "daily"):
        run = _DayRun(day_dir, day, recover_stories(day_dir))
        run.follow_days = options.follow_days
        for aside in run.set_aside:
            observer.notice(
                f"{day_dir / STORIES_DIR / (aside.story_id + '.json')}: unreadable story file "
                f"({aside.reason}); set aside as {aside.path.name}, its articles are briefed "
                "again if they are among today's sources"
            )
        try:
            run.collected = _collect(
                options, settings, run.finished, briefing_window(day, options.window_hours, now)
            )
            run.plan = plan_stories(
                run.collected.articles, run.finished, lambda aid: load_article(day_dir, aid)
            )
            run.finished.update((s.id, save_story(day_dir, s)) for s in run.plan.updated)
            observer.collected(
                _collected_summary(run.collected, run.finished),
                to_brief=len(run.plan.groups),
                resumed=len(run.finished),
            )
            brief_all(
                run.plan,
                run.results,
                day_dir=day_dir,
                concurrency=options.concurrency,
                make_briefer=lambda stop: bounded_briefer(
                    settings, backend, options.concurrency, stop
                ),
                max_chars=settings.max_chars,
                observer=observer,
            )
        except KeyboardInterrupt:  # what is finished goes in the digest; the rest is named
            run.interrupt(options.sources)
            run.finish()
            raise
        return run.finish()


class _DayRun:
    def __init__(self, day_dir: Path, day: date, state: DayState) -> None:
        self.started = time.monotonic()
        self.day_dir, self.day = day_dir, day
        self.finished: dict[str, Story] = state.stories
        self.set_aside: list[SetAside] = state.set_aside
        self.collected: Collected | None = None
        self.plan: StoryPlan | None = None
        self.results = BriefResults(resumed=len(self.finished))
        self.follow_days = DEFAULT_FOLLOW_DAYS

    def interrupt(self, sources: Sequence[str]) -> None:
        if self.plan is None:
            reason = "the run was stopped while collecting the day's sources; run it again"
            self.results.failures += [
                Failure(stage="interrupted", item=redact_url(source), reason=reason)
                for source in sources
            ]
            return
        reason = "the run was stopped before this story was briefed"
        for group in self.plan.groups:
            if group.id not in self.results.settled:
                self.results.failures.append(group_failure(group, "interrupted", reason, self.plan))
                self.results.settled.add(group.id)

    def finish(self) -> Digest:
        digest = _assemble(self, time.monotonic() - self.started)
        write_digest(self.day_dir, digest)
        return digest


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
        fetch_deadline=settings.fetch_deadline,
    )


def briefing_window(day: date, hours: float, now: datetime | None = None) -> Window:
    """Feed entries from ``hours`` before the end of ``day`` (or before now, if earlier)."""
    now = now or datetime.now().astimezone()
    end_of_day = datetime.combine(day + timedelta(days=1), clock.min, tzinfo=now.tzinfo)
    return Window(start=min(now, end_of_day) - timedelta(hours=hours), end=end_of_day)


def _assemble(run: _DayRun, seconds: float) -> Digest:
    results = run.results
    collected = run.collected or Collected()
    kept = [s for s in run.finished.values() if s.id not in results.replaced]
    stories = order_stories([*kept, *results.stories])
    stories = follow_stories(stories, run.day_dir, run.day, run.follow_days)  # across days
    failures = [
        *(_problem_failure(p) for p in collected.problems),
        *results.failures,
        *_lost_stories(run),
    ]
    articles, duplicates = article_counts(collected, run.finished)
    stats = DigestStats(
        articles=articles,
        duplicates=duplicates,
        outside_window=collected.outside_window,
        over_limit=collected.over_limit,
        stories=len(stories),
        resumed=results.resumed,
        briefed=len(results.stories),
        rebriefed=len(results.replaced),
        failed=len(failures),
        queued=len(results.queued),
        model_calls=results.spent.calls,
        cache_hits=results.spent.cache_hits,
        usage=results.spent.billed,
        cached_usage=results.spent.cached,
        seconds=round(seconds, 3),
    )
    return Digest(
        date=run.day.isoformat(),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        stories=stories,
        failures=failures,
        queued=results.queued,
        stats=stats,
    )


def _lost_stories(run: _DayRun) -> list[Failure]:
    """Set-aside story files whose story this run did not brief again."""
    planned = {g.id for g in run.plan.groups} if run.plan else set()
    return [
        Failure(
            stage="brief",
            item=f"{STORIES_DIR}/{aside.story_id}.json",
            reason=f"the finished story's file was unreadable ({aside.reason}) and is set aside "
            f"as {aside.path.name}; its articles were not among today's sources to brief again",
            story_id=aside.story_id,
        )
        for aside in run.set_aside
        if aside.story_id not in planned
    ]


def order_stories(stories: Sequence[Story]) -> list[Story]:
    return sorted(
        stories, key=lambda s: (-s.importance, -len(s.sources), s.brief.title.lower(), s.id)
    )


def _problem_failure(problem: Problem) -> Failure:
    return Failure(stage=problem.stage, item=problem.item, reason=problem.reason)


def article_counts(collected: Collected, finished: dict[str, Story]) -> tuple[int, int]:
    """(articles, duplicates) as the day's first run counted them: a known place (a page or
    file a finished story came from) whose text is already counted is a duplicate, so a
    resumed run gives the same figures."""
    article_of = {link.key: link.article_id for s in finished.values() for link in s.sources}
    seen = {item.article.id for item in collected.articles}
    articles, duplicates = len(collected.articles), collected.duplicates
    for candidate in collected.known:
        article_id = article_of.get(candidate.key)
        if article_id is not None and article_id in seen:
            duplicates += 1
            continue
        articles += 1
        if article_id is not None:
            seen.add(article_id)
    return articles, duplicates


def _collected_summary(collected: Collected, finished: dict[str, Story]) -> str:
    articles, duplicates = article_counts(collected, finished)
    parts = [f"{articles} articles"]
    if duplicates:
        parts.append(f"{duplicates} duplicates")
    if collected.outside_window:
        parts.append(f"{collected.outside_window} feed entries outside the window")
    if collected.over_limit:
        parts.append(f"{collected.over_limit} more not taken (--max-articles)")
    if collected.problems:
        parts.append(f"{len(collected.problems)} failed to load")
    return ", ".join(parts)


__all__ = [
    "DIGEST_SCHEMA_VERSION",
    "INTERRUPT_GRACE_SECONDS",
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
    "day_lock",
    "digest_html",
    "digest_markdown",
    "digest_summary",
    "digest_title",
    "importance",
    "link_label",
    "load_digest",
    "order_stories",
    "plural",
    "run_day",
    "write_atomic",
    "write_digest",
]
