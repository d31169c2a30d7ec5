"""Which stories a day run briefs: new stories, and finished stories that gained a new text.

Articles of a re-run meet the stories already finished that day:

* the same text as a finished story's article (another URL or file): the story gains the
  link; nothing is briefed again;
* a story of the same kind (a close title or an overlapping text, as in ``stories``) with a
  text the finished story does not have (``"Live updates: …"`` in the morning and the
  evening): the story is briefed again from all its texts; the new story replaces the old
  one only once its brief is written, so a failed re-brief keeps the finished one (and the
  new article is named as failed, to be retried). When the old texts are not on disk (a day
  folder from an older briefer) the new articles are briefed as a story of their own;
* a near copy (``COPY_THRESHOLD``) of a text already briefed: the link only.

Never the silent case: a new text is never attached without being briefed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from briefer.articles import Article
from briefer.daymodels import SourceLink, Story, importance, source_count, with_links
from briefer.schema import Brief
from briefer.sources import SourcedArticle
from briefer.stories import (
    COPY_THRESHOLD,
    TEXT_THRESHOLD,
    Shingles,
    StoryGroup,
    group_stories,
    jaccard,
    shingles,
    titles_match,
)
from briefer.urls import redact_url

ArticleTexts = Callable[[str], Article | None]
"""The stored article for an article id (``daystore.load_article``), or None."""


@dataclass
class StoryPlan:
    groups: list[StoryGroup] = field(default_factory=list)
    """Stories to brief: new ones, and finished ones to brief again from more texts."""
    updated: list[Story] = field(default_factory=list)
    """Finished stories with late links added (texts they already had: briefs kept)."""
    replaces: dict[str, Story] = field(default_factory=dict)
    """Group id → the finished story its brief replaces once written."""

    def new_members(self, group: StoryGroup) -> tuple[SourcedArticle, ...]:
        """The members of ``group`` that are not part of the story it replaces."""
        old = self.replaces.get(group.id)
        if old is None:
            return group.members
        known = {link.article_id for link in old.sources}
        return tuple(m for m in group.members if m.article.id not in known)


def plan_stories(
    articles: Sequence[SourcedArticle],
    finished: dict[str, Story],
    texts: ArticleTexts = lambda _: None,
) -> StoryPlan:
    """Split the collected articles between finished stories and story groups to brief."""
    owner_of_article = {link.article_id: s.id for s in finished.values() for link in s.sources}
    stories = dict(finished)
    fresh: list[SourcedArticle] = []
    for item in articles:
        owner = owner_of_article.get(item.article.id)
        if owner:
            stories[owner] = with_links(stories[owner], source_links(item))
        else:
            fresh.append(item)
    plan = StoryPlan()
    late: dict[str, list[SourcedArticle]] = {}
    matcher = _FinishedStories(stories, texts)
    for group in group_stories(fresh):
        owner = matcher.owner(group)
        if owner is None:
            plan.groups.append(group)
        else:
            late.setdefault(owner, []).extend(group.members)
    for owner, members in late.items():
        _plan_late(plan, stories, owner, members, matcher.members(owner))
    plan.updated = [s for sid, s in stories.items() if s is not finished[sid]]
    return plan


def _plan_late(
    plan: StoryPlan,
    stories: dict[str, Story],
    owner: str,
    members: list[SourcedArticle],
    old: tuple[SourcedArticle, ...] | None,
) -> None:
    if old is None:  # the texts it was briefed from are not on disk
        plan.groups.extend(group_stories(members))
    elif not _adds_text(old, members):
        links = [link for member in members for link in source_links(member)]
        stories[owner] = with_links(stories[owner], links)
    else:
        merged = StoryGroup((*old, *members))
        plan.groups.append(merged)
        plan.replaces[merged.id] = stories[owner]


def _adds_text(old: Sequence[SourcedArticle], members: Sequence[SourcedArticle]) -> bool:
    taken = [shingles(m.article.text) for m in old]
    return any(
        all(jaccard(shingles(m.article.text), seen) < COPY_THRESHOLD for seen in taken)
        for m in members
    )


class _FinishedStories:
    """Finished stories, matched to a new group as ``group_stories`` matches articles."""

    def __init__(self, stories: dict[str, Story], texts: ArticleTexts) -> None:
        self.stories, self.texts = stories, texts
        self._members: dict[str, tuple[SourcedArticle, ...] | None] = {}
        self._shingles: dict[str, list[Shingles]] = {}

    def owner(self, group: StoryGroup) -> str | None:
        for story in self.stories.values():
            if self._same_story(story, group):
                return story.id
        return None

    def members(self, story_id: str) -> tuple[SourcedArticle, ...] | None:
        """The story's articles as collected ones, or None when a text is not on disk."""
        if story_id not in self._members:
            self._members[story_id] = _stored_members(self.stories[story_id], self.texts)
        return self._members[story_id]

    def _same_story(self, story: Story, group: StoryGroup) -> bool:
        titles = [link.title for link in story.sources]
        if any(titles_match(m.article.title, t) for m in group.members for t in titles):
            return True
        if story.id not in self._shingles:
            old = self.members(story.id) or ()
            self._shingles[story.id] = [shingles(m.article.text) for m in old]
        theirs = self._shingles[story.id]
        return any(
            jaccard(shingles(m.article.text), seen) >= TEXT_THRESHOLD
            for m in group.members
            for seen in theirs
        )


def _stored_members(story: Story, texts: ArticleTexts) -> tuple[SourcedArticle, ...] | None:
    links_of: dict[str, list[SourceLink]] = {}
    for link in story.sources:
        links_of.setdefault(link.article_id, []).append(link)
    members = []
    for article_id, links in links_of.items():
        article = texts(article_id)
        if article is None:
            return None
        locations = tuple(_location(link) for link in links)
        members.append(
            SourcedArticle(article, locations, tuple(link.key for link in links), "stored")
        )
    return tuple(members)


def _location(link: SourceLink) -> str:
    return (link.url if link.key.startswith("url:") else link.path) or link.key


def source_links(item: SourcedArticle) -> list[SourceLink]:
    """One link per place the article was found; URLs without their credentials. A site
    that was only the first place's name (a file's path, a page's URL) is each place's own."""
    article = item.article
    first = item.locations[0] if item.locations else None
    named_by_place = first is not None and article.source in (first, redact_url(first))
    links = []
    for location, key in zip(item.locations, item.keys, strict=True):
        is_url = key.startswith("url:")
        site = (redact_url(location) if is_url else location) if named_by_place else article.source
        links.append(
            SourceLink(
                key=key,
                article_id=article.id,
                title=article.title,
                site=site,
                url=redact_url(location) if is_url else article.url,
                path=None if is_url else location,
                date=article.date,
            )
        )
    return links


def make_story(group: StoryGroup, brief: Brief) -> Story:
    sources = [link for member in group.members for link in source_links(member)]
    return Story(
        id=group.id,
        importance=importance(brief, source_count(sources)),
        sources=sources,
        brief=brief,
        briefed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


__all__ = ["StoryPlan", "make_story", "plan_stories", "source_links"]
