"""Claim candidates: the article's sentences ranked by how likely a brief is to keep them.

A sentence's salience is a sum of plain news cues, each a small weight on top of its
position (news puts what matters first):

* position: ``1 / (1 + POSITION_DECAY * (id - 1))``;
* a reported claim: a reporting word (``REPORTING_WORDS``, "announced", "warned", ...),
  a quote mark, or a sentence opening with ' (a quote going on): on the dev split the
  gold briefs keep reported claims from anywhere in the article, so this weighs most;
* an informative quantity: money, a percentage, or a count of a named thing;
* named actors: the given ``actor_names`` the sentence mentions, else capitalised words
  that do not open the sentence (a crude stand-in when no parse is at hand);
* length: a short sentence is a caption or a fragment, a very long one is several
  paragraphs run together.

Some sentences are no claim at all and are left out: captions, credits and page furniture
("Image copyright", "Read more", "Scroll down for video", "contributed to this report";
unless the sentence is long: then a caption ran into the article's text),
questions to the reader, bare headings (few words, no closing punctuation) and fragments.
Of two near-duplicate sentences (most content words shared) the first is kept.
Deterministic: ties go to the earlier sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from briefer.article_index import Sentence, index_of
from briefer.nlp.candidates import ClaimCandidate
from briefer.quantities import find_quantities
from briefer.vocabulary import QUOTE_MARKS, REPORTING_WORDS, TITLES, content_words, name_key

__all__ = ["claim_features", "is_furniture", "rank_claims"]

POSITION_DECAY = 0.12
REPORTED_WEIGHT = 0.5
QUANTITY_WEIGHT = 0.3
ACTOR_WEIGHT = 0.08
MAX_ACTOR_BONUS = 2  # actors counted per sentence
SHORT_WORDS = 8  # fewer words than this: a fragment, scored down
MIN_WORDS = 5  # fewer than this: no claim at all
# A caption cue in a longer sentence is a caption run into the text: the text is kept.
FURNITURE_WORDS = 30
LONG_WORDS = 60  # more: paragraphs run together
SHORT_PENALTY = 0.15
LONG_PENALTY = 0.1
DUPLICATE_SHARE = 0.7  # content words shared with an earlier sentence: a repeat
MIN_REPEAT_WORDS = 3  # fewer content words than this: too little to call a repeat

# Reporting words besides the shared ones: how news reports a claim.
_MORE_REPORTING = tuple(
    str.split("announced warned claimed confirmed revealed reported estimated insisted argued")
)
_REPORTING = re.compile(
    r"\b(?:" + "|".join((*REPORTING_WORDS, *_MORE_REPORTING)).replace(" ", r"\s+") + r")\b",
    re.IGNORECASE,
)
# Page furniture: captions, credits, sharing and navigation text.
_FURNITURE = re.compile(
    r"image (?:copyright|caption)|media caption|getty images|read more|scroll down"
    r"|share this with|click here|sign up|follow us|contributed to this report"
    r"|all rights reserved|photo(?:graph)?:|pictured:|\bvideo:",
    re.IGNORECASE,
)
_QUOTE_OPENERS = QUOTE_MARKS | {"'", "’"}
_CLOSING = tuple(".!\"”’')…")
_CAPITALISED = re.compile(r"(?<![\w'’.])[A-Z][\w'’&-]*(?:[ \t]+[A-Z][\w'’&-]*)*")
_INFORMATIVE_KINDS = frozenset({"money", "percent", "score"})
_DURATIONS = frozenset({"second", "minute", "hour", "day", "night", "week", "month", "year"})


@dataclass(frozen=True)
class ClaimFeatures:
    """What salience reads of one sentence (exposed for tests and the bench)."""

    words: int
    reported: bool
    quantity: bool
    actors: int


def is_furniture(text: str) -> bool:
    """Whether a sentence is no claim: page furniture, a question, a heading or a fragment."""
    stripped = text.strip()
    words = len(stripped.split())
    if words < MIN_WORDS or (words < FURNITURE_WORDS and _FURNITURE.search(stripped)):
        return True
    if stripped.rstrip("\"”’' )").endswith("?"):
        return True
    return words < SHORT_WORDS + 4 and not stripped.endswith(_CLOSING)


def _informative_quantity(text: str) -> bool:
    for quantity in find_quantities(text):
        if quantity.kind in _INFORMATIVE_KINDS:
            return True
        if quantity.kind == "number" and quantity.unit and quantity.unit not in _DURATIONS:
            return True
    return False


def _actor_count(text: str, actor_keys: Sequence[tuple[str, ...]]) -> int:
    if actor_keys:
        words = set(name_key(text))
        return sum(1 for key in actor_keys if key and set(key) <= words)
    names = {
        match.group(0)
        for match in _CAPITALISED.finditer(text)
        if match.start() > 0 and match.group(0).lower() not in TITLES
    }
    return len(names)


def claim_features(text: str, actor_names: Sequence[str] = ()) -> ClaimFeatures:
    keys = [name_key(name) for name in actor_names]
    # A sentence opening with ' or ’ opens a quote: an apostrophe rarely starts one.
    opens_quote = text.lstrip()[:1] in _QUOTE_OPENERS
    return ClaimFeatures(
        words=len(text.split()),
        reported=bool(_REPORTING.search(text))
        or opens_quote
        or any(mark in text for mark in QUOTE_MARKS),
        quantity=_informative_quantity(text),
        actors=min(_actor_count(text, keys), MAX_ACTOR_BONUS),
    )


def salience(sentence: Sentence, features: ClaimFeatures) -> float:
    score = 1.0 / (1.0 + POSITION_DECAY * (sentence.id - 1))
    score += REPORTED_WEIGHT * features.reported
    score += QUANTITY_WEIGHT * features.quantity
    score += ACTOR_WEIGHT * features.actors
    score -= SHORT_PENALTY * (features.words < SHORT_WORDS)
    score -= LONG_PENALTY * (features.words > LONG_WORDS)
    return round(score, 6)


def _repeats(words: set[str], earlier: list[set[str]]) -> bool:
    if len(words) < MIN_REPEAT_WORDS:
        return False
    return any(
        len(words & seen) >= DUPLICATE_SHARE * min(len(words), len(seen)) for seen in earlier
    )


def rank_claims(
    text: str,
    *,
    speakers: Mapping[int, str | None] | None = None,
    actor_names: Sequence[str] = (),
) -> tuple[ClaimCandidate, ...]:
    """The article's claim sentences, most salient first; one candidate per sentence.

    ``speakers`` (sentence id -> name, from quote attribution) fills each candidate's
    speaker and marks its sentence reported; ``actor_names`` (from NER) replaces the
    capitalised-word stand-in.
    """
    speakers = speakers or {}
    scored: list[ClaimCandidate] = []
    earlier: list[set[str]] = []
    for sentence in index_of(text).sentences:
        words = content_words(sentence.text)
        if is_furniture(sentence.text) or _repeats(words, earlier):
            continue
        earlier.append(words)
        features = claim_features(sentence.text, actor_names)
        speaker = speakers.get(sentence.id)
        if speaker and not features.reported:  # attribution found a speaker the cues missed
            features = replace(features, reported=True)
        scored.append(ClaimCandidate(sentence.id, salience(sentence, features), speaker))
    return tuple(sorted(scored, key=lambda c: (-c.score, c.sentence)))
