"""Briefing a day's stories: concurrent, bounded, each story saved the moment it is done.

At most ``concurrency`` model calls are in flight (``backends.stack.bound``), on daemon worker
threads (``workers.WorkerPool``). Whatever one story raises, even a bug, is that story's
failure with a one-line reason. Ctrl-C cancels the stories not started, lets those in
flight land for at most ``INTERRUPT_GRACE_SECONDS`` and stops them starting another model
call; then it propagates, and the caller writes the digest.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from briefer.backends import Backend, Deferred
from briefer.backends.stack import Stopped, bound, build_backend
from briefer.backends.tally import Tally
from briefer.config import Settings
from briefer.daymodels import Failure, FailureStage, Story
from briefer.dayplan import StoryPlan, make_story, source_links
from briefer.daystore import os_reason, remove_story, save_articles, save_story
from briefer.disagreements import with_disagreements
from briefer.errors import BrieferError
from briefer.pipeline import Briefer
from briefer.sources import unexpected_reason
from briefer.stories import StoryGroup, merge_material
from briefer.urls import redact_url
from briefer.workers import WorkerPool

SPARE_WORKERS = 2  # threads beyond --concurrency, preparing stories for the next free slot
INTERRUPT_GRACE_SECONDS = 0.5  # after Ctrl-C, how long briefs in flight may still land
QUEUED_REASON = "queued for a batch; run `briefer daily` again to collect"


class StoryEvent(NamedTuple):
    status: Literal["done", "cached", "failed", "queued"]
    title: str
    tokens: int = 0
    reason: str | None = None


class DayObserver:
    """What a day run reports as it goes; the CLI shows it, the library default ignores it."""

    def collected(self, summary: str, *, to_brief: int, resumed: int) -> None:
        """Sources are read: ``to_brief`` stories will be briefed, ``resumed`` were done."""

    def story(self, event: StoryEvent) -> None:
        """One story finished or failed."""

    def notice(self, text: str) -> None:
        """Something about the day folder worth one line (a story file set aside)."""


@dataclass
class BriefResults:
    resumed: int = 0
    stories: list[Story] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    settled: set[str] = field(default_factory=set)
    replaced: set[str] = field(default_factory=set)
    """Finished stories whose successor (briefed from more texts) was written this run."""
    queued: list[Failure] = field(default_factory=list)
    """Stories waiting for a batch's answers (``Deferred``): pending, not failed."""
    spent: Tally = field(default_factory=Tally)
    """Every model call of the run, failed stories' included (the client's running total)."""


def brief_all(
    plan: StoryPlan,
    results: BriefResults,
    *,
    day_dir: Path,
    concurrency: int,
    make_briefer: Callable[[threading.Event], Briefer],
    max_chars: int,
    observer: DayObserver,
) -> None:
    if not plan.groups:
        return
    stop = threading.Event()
    briefer = make_briefer(stop)
    results.spent = briefer.client.spent
    # Longest material first: the slowest stories start early, so the run ends sooner.
    ordered = sorted(plan.groups, key=lambda g: g.size, reverse=True)

    def work(group: StoryGroup) -> Story:
        return _brief_and_save(briefer, group, day_dir, max_chars, plan.replaces.get(group.id))

    # More threads than model slots: a story's chunking and grounding (CPU) run while the
    # other stories' model calls hold the slots, so the slots never sit idle.
    workers = concurrency + SPARE_WORKERS
    with WorkerPool(work, ordered, workers=workers, name="briefer-brief", stop=stop) as pool:
        group_of = dict(zip(pool.futures, ordered, strict=True))
        try:
            for future in as_completed(pool.futures):
                observer.story(_settle(group_of[future], future, results, plan))
        except KeyboardInterrupt:
            pool.cancel()
            _unless_interrupted(lambda: wait(pool.futures, timeout=INTERRUPT_GRACE_SECONDS))
            for future, group in group_of.items():
                if future.done() and not future.cancelled() and group.id not in results.settled:
                    _settle(group, future, results, plan)
            raise


def _unless_interrupted(step: Callable[[], object]) -> None:
    """Run ``step``, unless a second Ctrl-C cuts it short."""
    with contextlib.suppress(KeyboardInterrupt):
        step()


def bounded_briefer(
    settings: Settings, backend: Backend | None, concurrency: int, stop: threading.Event
) -> Briefer:
    """One ``Briefer`` (one client, one response cache) shared by every worker thread; once
    ``stop`` is set no worker starts another model call."""
    return Briefer(settings, backend=bound(backend or build_backend(settings), concurrency, stop))


def _brief_and_save(
    briefer: Briefer, group: StoryGroup, day_dir: Path, max_chars: int, replaces: Story | None
) -> Story:
    """Runs in a worker: the story is on disk before the main thread hears of it, and the
    story it replaces is removed only after that."""
    brief = briefer.brief(merge_material(group, max_chars=max_chars))
    brief = with_disagreements(brief, [member.article for member in group.members])
    save_articles(day_dir, (member.article for member in group.members))
    story = save_story(day_dir, make_story(group, brief))
    if replaces is not None:
        remove_story(day_dir, replaces.id)
    return story


def _settle(
    group: StoryGroup, future: Future[Story], results: BriefResults, plan: StoryPlan
) -> StoryEvent:
    results.settled.add(group.id)
    try:
        story = future.result()
    except Stopped:
        failure = group_failure(
            group, "interrupted", "the run was stopped while this story was briefed", plan
        )
        results.failures.append(failure)
        return StoryEvent("failed", failure.item, reason=failure.reason)
    except Deferred:
        pending = group_failure(group, "brief", QUEUED_REASON, plan)
        results.queued.append(pending)
        return StoryEvent("queued", pending.item, reason=QUEUED_REASON)
    except BrieferError as error:
        return _failed(group, error.message, results, plan)
    except OSError as error:
        reason = f"could not save the story ({os_reason(error)}); check the disk, then run again"
        return _failed(group, reason, results, plan)
    except Exception as error:  # a bug must not cost the rest of the day; it is named
        return _failed(group, unexpected_reason(error), results, plan)
    results.stories.append(story)
    replaced = plan.replaces.get(group.id)
    if replaced is not None:
        results.replaced.add(replaced.id)
    meta = story.brief.meta
    status: Literal["done", "cached"] = "cached" if meta.calls == 0 else "done"
    tokens = meta.usage.prompt_tokens + meta.usage.completion_tokens
    return StoryEvent(status, story.brief.title, tokens)


def _failed(group: StoryGroup, reason: str, results: BriefResults, plan: StoryPlan) -> StoryEvent:
    failure = group_failure(group, "brief", reason, plan)
    results.failures.append(failure)
    return StoryEvent("failed", failure.item, reason=failure.reason)


def group_failure(group: StoryGroup, stage: FailureStage, reason: str, plan: StoryPlan) -> Failure:
    """The failure names the articles that are not briefed: for a story briefed again, its
    new ones (its earlier brief stays in the digest)."""
    members = plan.new_members(group)
    first = members[0]
    item = first.article.title or redact_url(first.locations[0])
    if group.id in plan.replaces:
        reason += "; the story's earlier brief is kept"
    links = [link for member in members for link in source_links(member)]
    return Failure(stage=stage, item=item, reason=reason, story_id=group.id, sources=links)


__all__ = [
    "INTERRUPT_GRACE_SECONDS",
    "QUEUED_REASON",
    "BriefResults",
    "DayObserver",
    "StoryEvent",
    "bounded_briefer",
    "brief_all",
    "group_failure",
]
