"""Citations: the article as numbered sentences and listed quantities, and back.

The model is shown the article's sentences as ``[1] …``, ``[2] …`` and the quantities they
state as ``3: 50 thousand Russian [7]``; it answers with ids (``CitedDraft``). ``resolve``
turns those ids back into the article's own words: a claim's evidence is the cited
sentence; a number's value and wording are those the quantity parser read, its unit the
noun after it ("soldiers", or the currency or %), and its context the clause of the sentence
that states it. So evidence and numbers are exact by construction, and the model writes
only what needs judgement (which claims and numbers matter, who says what) in few tokens.
An id the article does not have is flagged (the claim keeps no evidence and grounding marks
it unverified; the number is left out and counted), never a crash.

The list puts the informative quantities first (money, percentages, scores, race times and
counts of a named thing; then bare numbers; durations such as "24 hours" last): on the
dev split of the gold set, durations are 26 % of the listed quantities but 15 % of the
numbers the gold briefs keep, and small models tend to keep the first ids of a list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

from briefer.article_index import ArticleIndex, Sentence, index_of
from briefer.chunking import sentence_spans
from briefer.errors import InputError
from briefer.quantities import Quantity
from briefer.schema import (
    MAX_CONTEXT_CHARS,
    MAX_EVIDENCE_CHARS,
    ActorDraft,
    BriefDraft,
    CitedDraft,
    ClaimDraft,
    NumberDraft,
)
from briefer.vocabulary import singular
from briefer.writing_systems import CJK, dominant_script

# Quantities worth listing: years, dates and ordinals are not "numbers that matter" in a
# brief (the prompt said so before citations), and listing them would cost prompt tokens.
LISTED_KINDS = frozenset({"number", "percent", "money", "score", "time"})
MAX_LISTED = 48  # per prompt; news puts what matters first, so the first ones are kept
PHRASE_WORDS = 2  # words after a quantity shown with it: "145 drones, mostly"
# A word of a phrase; Chinese and Japanese write none, so a few of their characters count
# as one ("１２３人が死亡" shows "１２３人が死亡", not the rest of the sentence).
_PHRASE_WORD = re.compile(rf"[{CJK}]{{1,4}}|[^\s{CJK}]+")
_CJK_CHAR = re.compile(f"[{CJK}]")
# An article whose sentences average this many characters had no sentence end found.
UNSPLIT_SENTENCE_CHARS = 600


@dataclass(frozen=True)
class Listed:
    """A quantity of the article as the prompt lists it, and what the brief will say of it."""

    id: int
    quantity: Quantity
    sentence: int
    phrase: str
    unit: str | None
    context: str

    @property
    def label(self) -> str:
        """How the prompt lists it: the number and what it counts, else the words after it.

        A unit the number is written with ("21km", "15%") is shown once, as written.
        """
        if self.unit is None:
            return self.phrase
        text = self.quantity.text
        return text if text.casefold().endswith(self.unit.casefold()) else f"{text} {self.unit}"

    @property
    def tier(self) -> int:
        """0 informative, 1 a bare number, 2 a duration (listed last)."""
        if self.quantity.kind != "number":
            return 0
        if self.unit is None:
            return 1
        return 2 if singular(self.unit) in _DURATIONS else 0


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

    def __init__(self, article: str | ArticleIndex) -> None:
        self.index = index_of(article) if isinstance(article, str) else article
        self.text = self.index.text

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return self.index.sentences

    @cached_property
    def listed(self) -> tuple[Listed, ...]:
        found: list[Listed] = []
        for located in self.index.quantities:
            quantity, sentence = located.quantity, located.sentence
            if quantity.kind not in LISTED_KINDS:
                continue
            found.append(
                Listed(
                    id=len(found) + 1,
                    quantity=quantity,
                    sentence=sentence.id,
                    phrase=_phrase(self.text, quantity, sentence.end),
                    unit=quantity.counts,
                    context=_clause(self.text, sentence, quantity),
                )
            )
        return tuple(found)

    def require_sentences(self, label: str) -> None:
        """Refuse an article in a script whose sentence ends briefer does not know.

        Without them the article is one sentence a paragraph: citations and grounding would
        have nothing to point at. Latin text is briefed whatever its punctuation.
        """
        text = self.text
        if len(text) / max(len(self.sentences), 1) < UNSPLIT_SENTENCE_CHARS:
            return
        script = dominant_script(text)
        if script != "Latin":
            raise InputError(
                f"{label}: {script} text is not supported (briefer finds no sentence ends in it); "
                "give an article in a language briefer reads (see README, Languages)"
            )

    def excerpt(self, start: int = 0, end: int | None = None) -> Excerpt:
        """What the prompt for ``text[start:end]`` shows: overlapping sentences, clipped."""
        end = len(self.text) if end is None else end
        shown = tuple(
            Sentence(s.id, a, b, self.text[a:b])
            for s in self.sentences
            if s.start < end and s.end > start
            for a, b in [(max(s.start, start), min(s.end, end))]
        )
        ids = {s.id for s in shown}
        listed = [n for n in self.listed if n.sentence in ids and start <= n.quantity.start < end]
        listed.sort(key=lambda n: n.tier)  # stable: reading order within a tier
        return Excerpt(shown, tuple(listed[:MAX_LISTED]))

    def sentence(self, sentence_id: int) -> Sentence | None:
        if 1 <= sentence_id <= len(self.sentences):
            return self.sentences[sentence_id - 1]
        return None

    def listed_quantity(self, listed_id: int) -> Listed | None:
        if 1 <= listed_id <= len(self.listed):
            return self.listed[listed_id - 1]
        return None


def _phrase(text: str, quantity: Quantity, limit: int) -> str:
    """The quantity and the words after it, as the article writes them ("24-year-old man")."""
    end = quantity.end
    for word in islice(_PHRASE_WORD.finditer(text[quantity.end : limit]), PHRASE_WORDS):
        end = quantity.end + word.end()
    return " ".join(text[quantity.start : end].split())


_DURATIONS = frozenset(
    {
        "second",
        "minute",
        "hour",
        "day",
        "night",
        "week",
        "weekend",
        "month",
        "year",
        "decade",
        "century",
    }
)
# Not the comma of "700,000"; the CJK and Arabic commas and colons are breaks too.
_CLAUSE_BREAK = re.compile(r"[,;:](?=\s)|[、，；：،؛]|[()\[\]]|\s[–—-]\s")
MIN_CLAUSE_WORDS = 4
_CONTEXT_STRIP = " .,;:–—-"


def _clause(text: str, sentence: Sentence, quantity: Quantity) -> str:
    """The clause of ``sentence`` that states ``quantity`` (at least a few words), verbatim."""
    breaks = [m for m in _CLAUSE_BREAK.finditer(text, sentence.start, sentence.end)]
    starts = [sentence.start, *(m.end() for m in breaks)]
    ends = [*(m.start() for m in breaks), sentence.end]
    index = next(
        (i for i, (a, b) in enumerate(zip(starts, ends, strict=True)) if a <= quantity.start < b),
        len(starts) - 1,
    )
    first = last = index
    while len(text[starts[first] : ends[last]].split()) < MIN_CLAUSE_WORDS:
        if first > 0:
            first -= 1
        elif last < len(ends) - 1:
            last += 1
        else:
            break
    start, end = starts[first], ends[last]
    if end - start <= MAX_CONTEXT_CHARS:
        return " ".join(text[start:end].split()).strip(_CONTEXT_STRIP)
    # Too long: a window around the number, whole words only.
    half = (MAX_CONTEXT_CHARS - (quantity.end - quantity.start)) // 2
    window_start = max(start, min(quantity.start - half, end - MAX_CONTEXT_CHARS))
    window_end = min(end, window_start + MAX_CONTEXT_CHARS)
    window = text[window_start:window_end]
    words = window.split()
    spaced = _CJK_CHAR.search(window) is None  # Chinese and Japanese: any cut is at a word
    if window_start > start and spaced:
        words = words[1:]
    if window_end < end and spaced:
        words = words[:-1]
    return " ".join(words).strip(_CONTEXT_STRIP)


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
    for number_id in cited.numbers:
        listed = article.listed_quantity(number_id)
        if listed is None:
            invalid += 1
            continue
        if listed.id in seen:  # the same quantity cited twice
            continue
        seen.add(listed.id)
        numbers.append(
            NumberDraft(
                value=listed.quantity.value,
                unit=listed.unit,
                text=listed.quantity.text,
                context=listed.context,
            )
        )
    draft = BriefDraft(
        title=cited.title,
        summary=whole_sentences(cited.summary),
        actors=[ActorDraft(name=a.name, role=a.role) for a in cited.actors],
        claims=claims,
        numbers=numbers,
        open_questions=list(cited.questions),
    )
    return Resolution(draft, invalid)


def whole_sentences(text: str) -> str:
    """``text`` without a last sentence the length bound cut off (when a whole one is left)."""
    text = text.strip()
    if not text or text[-1] in '.!?"”’)':
        return text
    spans = sentence_spans(text)
    return text[: spans[-2][1]] if len(spans) > 1 else text


def evidence_span(sentence: str) -> str:
    """The sentence, or its first ``MAX_EVIDENCE_CHARS`` cut at a word: still a span."""
    if len(sentence) <= MAX_EVIDENCE_CHARS:
        return sentence
    cut = sentence[:MAX_EVIDENCE_CHARS]
    return cut[: cut.rfind(" ")].rstrip() if " " in cut else cut
