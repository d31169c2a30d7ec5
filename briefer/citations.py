"""Citations: the article as numbered sentences and listed quantities, and back.

The model is shown the article's sentences as ``[1] …``, ``[2] …`` and the quantities they
state as ``1: 50 thousand Russian soldiers [7]``; it answers with ids (``CitedDraft``).
``resolve`` turns those ids back into the article's own words: a claim's evidence is the
cited sentence, a number's value and wording are those the quantity parser read in the
article. Evidence is exact and values are right by construction, and the model writes far
fewer tokens. An id the article does not have is flagged (the claim keeps no evidence and
grounding marks it unverified; the number is left out and counted), never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

from briefer.chunking import sentence_spans
from briefer.numbers import Quantity, find_quantities
from briefer.schema import (
    MAX_EVIDENCE_CHARS,
    ActorDraft,
    BriefDraft,
    CitedDraft,
    ClaimDraft,
    NumberDraft,
)

# Quantities worth listing: years, dates and ordinals are not "numbers that matter" in a
# brief (the prompt said so before citations), and listing them would cost prompt tokens.
LISTED_KINDS = frozenset({"number", "percent", "money", "score", "time"})
MAX_LISTED = 48  # per prompt; news puts what matters first, so the first ones are kept
PHRASE_WORDS = 3  # words after a quantity shown with it: "145 drones, mostly Iranian"
_KEEPS_MODEL_UNIT = frozenset({"number", "score"})


@dataclass(frozen=True)
class Sentence:
    id: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Listed:
    """A quantity of the article as the prompt lists it."""

    id: int
    quantity: Quantity
    sentence: int
    phrase: str


@dataclass(frozen=True)
class Excerpt:
    """The sentences and quantities of one chunk, ids shared with the whole article."""

    sentences: tuple[Sentence, ...]
    listed: tuple[Listed, ...]

    @property
    def sentence_ids(self) -> list[int]:
        return [s.id for s in self.sentences]

    @property
    def listed_ids(self) -> list[int]:
        return [n.id for n in self.listed]


class CitedArticle:
    """An article's sentences and listed quantities, numbered from 1 in reading order."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(
            Sentence(i, start, end, self.text[start:end])
            for i, (start, end) in enumerate(sentence_spans(self.text), start=1)
        )

    @cached_property
    def listed(self) -> tuple[Listed, ...]:
        found: list[Listed] = []
        for sentence in self.sentences:
            for quantity in find_quantities(sentence.text):
                if quantity.kind not in LISTED_KINDS:
                    continue
                absolute = _shift(quantity, sentence.start)
                phrase = _phrase(self.text, absolute, sentence.end)
                found.append(Listed(len(found) + 1, absolute, sentence.id, phrase))
        return tuple(found)

    def excerpt(self, start: int = 0, end: int | None = None) -> Excerpt:
        """What the prompt for ``text[start:end]`` shows: overlapping sentences, clipped."""
        end = len(self.text) if end is None else end
        shown = tuple(
            Sentence(s.id, max(s.start, start), min(s.end, end), self.text[max(s.start, start) : min(s.end, end)])
            for s in self.sentences
            if s.start < end and s.end > start
        )
        ids = {s.id for s in shown}
        listed = [n for n in self.listed if n.sentence in ids and start <= n.quantity.start < end]
        return Excerpt(shown, tuple(listed[:MAX_LISTED]))

    def sentence(self, sentence_id: int) -> Sentence | None:
        if 1 <= sentence_id <= len(self.sentences):
            return self.sentences[sentence_id - 1]
        return None

    def listed_quantity(self, listed_id: int) -> Listed | None:
        if 1 <= listed_id <= len(self.listed):
            return self.listed[listed_id - 1]
        return None


def _shift(quantity: Quantity, offset: int) -> Quantity:
    return Quantity(
        quantity.value,
        quantity.unit,
        quantity.text,
        quantity.start + offset,
        quantity.end + offset,
        quantity.kind,
    )


def _phrase(text: str, quantity: Quantity, limit: int) -> str:
    """The quantity and the words after it, as the article writes them ("24-year-old man")."""
    end = quantity.end
    for word in islice(re.finditer(r"\S+", text[quantity.end : limit]), PHRASE_WORDS):
        end = quantity.end + word.end()
    return " ".join(text[quantity.start : end].split())


@dataclass(frozen=True)
class Resolution:
    draft: BriefDraft
    invalid_citations: int


def resolve(cited: CitedDraft, article: CitedArticle) -> Resolution:
    """The brief the model's ids stand for, in the article's own words."""
    invalid = 0
    claims: list[ClaimDraft] = []
    for claim in cited.claims:
        sentence = article.sentence(claim.sentence)
        invalid += sentence is None
        evidence = evidence_span(sentence.text) if sentence else ""
        claims.append(ClaimDraft(text=claim.text, attributed_to=claim.by, evidence=evidence))
    numbers: list[NumberDraft] = []
    seen: set[int] = set()
    for number in cited.numbers:
        listed = article.listed_quantity(number.number)
        if listed is None:
            invalid += 1
            continue
        if listed.id in seen:  # the same quantity cited twice
            continue
        seen.add(listed.id)
        quantity = listed.quantity
        # Money and percentages carry their unit in their wording (£, %); a plain count's
        # unit is what the model says it counts, else the word after it.
        unit = (number.unit or quantity.unit) if quantity.kind in _KEEPS_MODEL_UNIT else quantity.unit
        numbers.append(
            NumberDraft(value=quantity.value, unit=unit, text=quantity.text, context=number.what)
        )
    draft = BriefDraft(
        title=cited.title,
        summary=cited.summary,
        actors=[ActorDraft(name=a.name, role=a.role) for a in cited.actors],
        claims=claims,
        numbers=numbers,
        open_questions=list(cited.questions),
    )
    return Resolution(draft, invalid)


def evidence_span(sentence: str) -> str:
    """The sentence, or its first ``MAX_EVIDENCE_CHARS`` cut at a word: still a span."""
    if len(sentence) <= MAX_EVIDENCE_CHARS:
        return sentence
    cut = sentence[:MAX_EVIDENCE_CHARS]
    return cut[: cut.rfind(" ")].rstrip() if " " in cut else cut
