"""Stories followed across days: a stable thread id, what changed since, and a timeline.

A story of today continues a story of one of the last ``follow_days`` day folders under the
same briefings root when they share a source (the same normalised URL or file), or by the
story rules of ``briefer.stories``: close titles, or overlapping texts (the stored
``articles/`` of both days). The most recent such day wins. The story then keeps that
story's ``thread_id`` and gains ``since``: new claims, new numbers and changed numbers,
computed from the two briefs' facts (``briefer.counted``), never asked of the model.

Also the timeline of ``briefer story ID`` (:func:`timeline`); the short lines the digest
and Slack show are ``briefer.followlines``'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from briefer.counted import Fact, make_fact, same_thing, same_value, thing_label
from briefer.daymodels import Digest, NumberChange, Since, Story
from briefer.daystore import load_article, load_digest
from briefer.errors import InputError
from briefer.schema import Brief, Claim, Number
from briefer.stories import (
    MIN_TITLE_WORDS,
    TEXT_THRESHOLD,
    TITLE_THRESHOLD,
    Shingles,
    jaccard,
    normalize_title,
    shingles,
)
from briefer.vocabulary import content_words, fold_text

DEFAULT_FOLLOW_DAYS = 7
SAME_CLAIM = 0.5  # content-word Jaccard at which a claim restates an earlier one


# -- the previous days ------------------------------------------------------------------------


class _Earlier:
    """One earlier day's story, with what matching needs (texts read lazily)."""

    def __init__(self, day: str, day_dir: Path, story: Story) -> None:
        self.day, self.day_dir, self.story = day, day_dir, story
        self._texts: list[Shingles] | None = None

    @property
    def texts(self) -> list[Shingles]:
        if self._texts is None:
            self._texts = _story_texts(self.day_dir, self.story)
        return self._texts


def earlier_stories(root: Path, day: date, follow_days: int) -> list[_Earlier]:
    """The stories of the ``follow_days`` day folders before ``day``, most recent day first
    (a day without a readable digest is skipped)."""
    found: list[_Earlier] = []
    for back in range(1, follow_days + 1):
        earlier = (day - timedelta(days=back)).isoformat()
        day_dir = root / earlier
        if not (day_dir / "digest.json").is_file():
            continue
        try:
            digest = load_digest(day_dir)
        except InputError:
            continue
        found += [_Earlier(earlier, day_dir, story) for story in digest.stories]
    return found


def _story_texts(day_dir: Path, story: Story) -> list[Shingles]:
    texts = (load_article(day_dir, link.article_id) for link in story.sources)
    return [shingles(article.text) for article in texts if article is not None]


# -- following --------------------------------------------------------------------------------


def follow_stories(
    stories: Sequence[Story], day_dir: Path, day: date, follow_days: int = DEFAULT_FOLLOW_DAYS
) -> list[Story]:
    """``stories`` (today's, in ``day_dir``) with ``thread_id`` set and, for a story that
    continues an earlier day's, ``since``; same order."""
    earlier = earlier_stories(day_dir.parent, day, follow_days) if follow_days > 0 else []
    index = _EarlierIndex(earlier)
    followed: list[Story] = []
    for story in stories:
        match = index.match(story, day_dir) if earlier else None
        if match is None:
            followed.append(story.model_copy(update={"thread_id": story.id, "since": None}))
            continue
        since = since_of(
            match.story.brief, story.brief, old_date=match.day, new_date=day.isoformat()
        )
        since = since.model_copy(update={"story_id": match.story.id})
        thread = match.story.thread_id or match.story.id
        followed.append(story.model_copy(update={"thread_id": thread, "since": since}))
    return followed


def _title_words(title: str | None) -> str:
    """As ``stories.titles_match`` compares titles: normalised words, sorted; empty when
    too short to tell stories apart."""
    words = normalize_title(title).split()
    return " ".join(sorted(words)) if len(words) >= MIN_TITLE_WORDS else ""


class _EarlierIndex:
    """The earlier stories by source key, title and text shingle, so a day of thousands of
    stories is matched against a week of them without comparing every pair. Earlier
    stories are most recent first, so the lowest index that matches wins."""

    def __init__(self, earlier: Sequence[_Earlier]) -> None:
        self.earlier = earlier
        self.by_key: dict[str, int] = {}
        self.titles: list[str] = []
        self.title_owner: list[int] = []
        for position, candidate in enumerate(earlier):
            for link in candidate.story.sources:
                self.by_key.setdefault(link.key, position)
                words = _title_words(link.title)
                if words:
                    self.titles.append(words)
                    self.title_owner.append(position)
        self._shingles: dict[int, list[tuple[int, int]]] | None = None

    def match(self, story: Story, day_dir: Path) -> _Earlier | None:
        hits = [self.by_key[link.key] for link in story.sources if link.key in self.by_key]
        titles = [link.title for link in story.sources] + [story.brief.title]
        for words in filter(None, map(_title_words, titles)):
            found = process.extract(
                words, self.titles, scorer=fuzz.ratio, score_cutoff=TITLE_THRESHOLD, limit=None
            )
            hits += [self.title_owner[position] for _, _, position in found]
        if hits:
            return self.earlier[min(hits)]
        return self._text_match(_story_texts(day_dir, story))

    def _text_match(self, own: list[Shingles]) -> _Earlier | None:
        """The most recent story with a text of Jaccard ≥ ``TEXT_THRESHOLD`` to one of
        ``own``; only texts that share enough shingles are compared (Jaccard ≥ t needs
        ``|a ∩ b| ≥ t·|a|``)."""
        if not own:
            return None
        index = self._shingle_index()
        best: int | None = None
        for text in own:
            shared = Counter(pair for shingle in text for pair in index.get(shingle, ()))
            for (position, number), count in shared.items():
                if count < TEXT_THRESHOLD * len(text) or (best is not None and position >= best):
                    continue
                if jaccard(text, self.earlier[position].texts[number]) >= TEXT_THRESHOLD:
                    best = position
        return None if best is None else self.earlier[best]

    def _shingle_index(self) -> dict[int, list[tuple[int, int]]]:
        if self._shingles is None:
            self._shingles = {}
            for position, candidate in enumerate(self.earlier):
                for number, text in enumerate(candidate.texts):
                    for shingle in text:
                        self._shingles.setdefault(shingle, []).append((position, number))
        return self._shingles


# -- what changed -----------------------------------------------------------------------------


def number_fact(number: Number) -> Fact | None:
    return make_fact(number.value, number.unit, number.text, number.context)


def since_of(old: Brief, new: Brief, *, old_date: str, new_date: str) -> Since:
    """What ``new`` says that ``old`` (the story's previous day) did not."""
    old_facts = [f for f in map(number_fact, old.numbers) if f is not None]
    new_numbers: list[Number] = []
    changes: list[NumberChange] = []
    seen: set[tuple[str, float, float]] = set()
    for number in new.numbers:
        fact = number_fact(number)
        if fact is None:
            continue
        same = [o for o in old_facts if same_thing(o, fact)]
        if not same:
            new_numbers.append(number)
            continue
        if any(same_value(o, fact) for o in same):
            continue  # restated
        previous = max(same, key=lambda o: len(o.context & fact.context))  # the closest
        label = thing_label(previous, fact)
        key = (label, previous.value, fact.value)
        if key not in seen:
            seen.add(key)
            changes.append(
                NumberChange(
                    counts=label,
                    old_value=previous.value,
                    old_text=previous.text,
                    old_date=old_date,
                    new_value=fact.value,
                    new_text=fact.text,
                    new_date=new_date,
                )
            )
    return Since(
        date=old_date,
        story_id="",
        new_claims=[c.text for c in new.claims if _is_new_claim(c, old.claims)],
        new_numbers=new_numbers,
        changed_numbers=changes,
    )


def _is_new_claim(claim: Claim, old: Sequence[Claim]) -> bool:
    words = content_words(claim.text)
    evidence = fold_text(claim.evidence).strip()
    for earlier in old:
        if evidence and evidence == fold_text(earlier.evidence).strip():
            return False
        other = content_words(earlier.text)
        union = words | other
        if union and len(words & other) / len(union) >= SAME_CLAIM:
            return False
    return True


# -- the timeline -----------------------------------------------------------------------------


class TimelineDay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: str
    story_id: str
    thread_id: str
    title: str
    sources: int
    since: Since | None = None
    disagreements: int = 0


def timeline(root: Path, story_id: str) -> list[TimelineDay]:
    """Every day under ``root`` with the story whose id or thread id is ``story_id``,
    oldest first; InputError when there is none."""
    digests: list[Digest] = []
    for day_dir in sorted(p for p in root.iterdir() if (p / "digest.json").is_file()):
        try:
            digests.append(load_digest(day_dir))
        except InputError:
            continue
    stories = [(d.date, s) for d in digests for s in d.stories]
    thread = next(
        (s.thread_id or s.id for _, s in stories if story_id in (s.id, s.thread_id)), None
    )
    if thread is None:
        raise InputError(
            f"{story_id}: no such story under {root}; give a story id or thread id from a "
            "digest.json (or --out the briefings folder)"
        )
    return [
        TimelineDay(
            date=day,
            story_id=s.id,
            thread_id=thread,
            title=s.brief.title,
            sources=len(s.sources),
            since=s.since,
            disagreements=len(s.brief.disagreements),
        )
        for day, s in stories
        if (s.thread_id or s.id) == thread
    ]


def timeline_lines(days: Sequence[TimelineDay]) -> list[str]:
    lines: list[str] = []
    for day in days:
        sources = f"{day.sources} source{'' if day.sources == 1 else 's'}"
        lines.append(f"{day.date}  {day.title}  ({sources}, story {day.story_id})")
        if day.since is None:
            lines.append("    new story")
            continue
        for change in day.since.changed_numbers:
            lines.append(f"    changed: {change.counts} {change.old_text} → {change.new_text}")
        for number in day.since.new_numbers:
            lines.append(f"    new number: {number.text} {number.unit or ''}".rstrip())
        for claim in day.since.new_claims:
            lines.append(f"    new claim: {claim}")
    return lines


__all__ = [
    "DEFAULT_FOLLOW_DAYS",
    "TimelineDay",
    "earlier_stories",
    "follow_stories",
    "since_of",
    "timeline",
    "timeline_lines",
]
