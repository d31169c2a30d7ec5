"""What a day run stores and publishes: stories, failures, run stats, the digest.

These are the contracts of ``stories/<id>.json`` and ``digest.json`` (``briefer.load_digest``
returns a ``Digest``); fields may be added, never renamed. URLs in them are always
redacted (``briefer.urls.redact_url``): no credentials are ever stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from briefer.schema import Brief, Number, Usage

DIGEST_SCHEMA_VERSION = "1.0"
SOURCE_WEIGHT, ACTOR_WEIGHT, NUMBER_WEIGHT = 3.0, 1.0, 0.5

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


class NumberChange(_Model):
    """The same counted thing with another value than on the story's previous day."""

    counts: str = Field(description="what both count: 'troop', 'death toll'")
    old_value: float
    old_text: str
    old_date: str
    new_value: float
    new_text: str
    new_date: str


class Since(_Model):
    """What a continuing story adds to its previous day (``briefer.followup``)."""

    date: str = Field(description="the previous day the story was in the digest")
    story_id: str = Field(description="the story's id on that day")
    new_claims: list[str] = Field(default_factory=list)
    new_numbers: list[Number] = Field(default_factory=list)
    changed_numbers: list[NumberChange] = Field(default_factory=list)


class Story(_Model):
    id: str
    importance: float
    sources: list[SourceLink]
    brief: Brief
    briefed_at: str
    thread_id: str | None = Field(
        None, description="stable across days: the story's id on the first day it appeared"
    )
    since: Since | None = Field(None, description="set when the story continues an earlier day's")


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
    over_limit: int = Field(0, description="articles not taken because of --max-articles")
    stories: int = 0
    resumed: int = Field(0, description="finished stories found in the day folder")
    briefed: int = 0
    rebriefed: int = Field(
        0, description="finished stories briefed again because they gained a new text"
    )
    failed: int = 0
    queued: int = Field(0, description="stories waiting for a batch's answers (not failed)")
    model_calls: int = Field(
        0, description="requests the endpoint received, retries and failed stories' included"
    )
    cache_hits: int = 0
    usage: Usage = Field(default_factory=Usage, description="tokens billed this run")
    cached_usage: Usage = Field(
        default_factory=Usage, description="tokens of answers the response cache replayed"
    )
    seconds: float = 0.0


class Digest(_Model):
    schema_version: str = DIGEST_SCHEMA_VERSION
    date: str
    generated_at: str
    stories: list[Story] = Field(description="most important first")
    failures: list[Failure]
    queued: list[Failure] = Field(
        default_factory=list,
        description="stories waiting for a batch's answers (briefer daily --batch)",
    )
    stats: DigestStats

    @property
    def complete(self) -> bool:
        return not self.failures and not self.queued


def importance(brief: Brief, source_count: int) -> float:
    """``3 × sources + 1 × grounded actors + 0.5 × grounded numbers``: only grounded items
    count, so a model cannot make a story look important by inventing names or numbers."""
    grounded_actors = sum(actor.grounded for actor in brief.actors)
    grounded_numbers = sum(number.grounded for number in brief.numbers)
    return (
        SOURCE_WEIGHT * source_count
        + ACTOR_WEIGHT * grounded_actors
        + NUMBER_WEIGHT * grounded_numbers
    )


def source_count(links: Sequence[SourceLink]) -> int:
    """The distinct texts among a story's links: a byte-identical copy found at another
    path or URL is one more place of the same source, not a second source."""
    return len({link.article_id for link in links})


def with_links(story: Story, links: Sequence[SourceLink]) -> Story:
    """``story`` plus the links it does not have yet (the same object when none are new)."""
    known = {link.key for link in story.sources}
    extra = [link for link in links if link.key not in known]
    if not extra:
        return story
    sources = [*story.sources, *extra]
    update = {"sources": sources, "importance": importance(story.brief, source_count(sources))}
    return story.model_copy(update=update)


__all__ = [
    "DIGEST_SCHEMA_VERSION",
    "Digest",
    "DigestStats",
    "Failure",
    "FailureStage",
    "NumberChange",
    "Since",
    "SourceLink",
    "Story",
    "importance",
    "source_count",
    "with_links",
]
