"""Grounding: check every actor, claim and number of a draft brief against the article.

A number is grounded only when the article has the same value *in a sentence about the
same thing*: matching the value anywhere is not enough ("10,000" may count soldiers in the
article and aircraft in the brief). Evidence must be a span of the article, tolerant of
case, whitespace, quote style and dashes. Nothing is dropped here unless ``strict``; items
are marked, so a reader sees what could not be verified.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from briefer.chunking import sentence_spans
from briefer.numbers import Quantity, find_quantities, normalize_unit, parse_number, same_value
from briefer.schema import (
    Actor,
    ArticleRef,
    Brief,
    BriefDraft,
    BriefMeta,
    Claim,
    ClaimDraft,
    GroundingCounts,
    Number,
    NumberDraft,
)
from briefer.writing_systems import script_words

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "\u00a0": " ",
    }
)
_TITLES = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "dame",
    "lord",
    "lady",
    "prof",
    "professor",
    "president",
    "prime",
    "minister",
    "president-elect",
    "king",
    "queen",
    "pope",
    "general",
    "gen",
    "senator",
    "sen",
    "rep",
    "judge",
    "chancellor",
    "the",
}
_STOPWORDS = {
    "the",
    "and",
    "for",
    "that",
    "with",
    "from",
    "this",
    "have",
    "has",
    "had",
    "was",
    "were",
    "are",
    "been",
    "their",
    "they",
    "them",
    "its",
    "his",
    "her",
    "not",
    "but",
    "about",
    "over",
    "into",
    "than",
    "said",
    "says",
    "number",
    "total",
    "some",
    "more",
    "of",
    "in",
    "on",
    "at",
    "by",
    "to",
    "as",
    "an",
    "a",
    "or",
    "is",
    "be",
    "it",
    "who",
    "which",
    "what",
    "when",
    "since",
    "after",
    "before",
    "per",
    "all",
    "also",
    "other",
}
_CURRENCIES = {"USD", "GBP", "EUR", "JPY", "CNY", "INR", "RUB", "CHF", "CAD", "AUD"}


def normalize_text(text: str) -> str:
    """Lowercase, NFKC, one quote and dash style, collapsed whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return " ".join(text.split())


def content_words(text: str) -> set[str]:
    normalized = normalize_text(text)
    words = re.findall(r"[a-z][a-z'-]{2,}", normalized)
    return {_stem(word) for word in words if word not in _STOPWORDS} | script_words(normalized)


def _stem(word: str) -> str:
    word = word.strip("'-")
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@dataclass(frozen=True)
class _Located:
    quantity: Quantity
    window: set[str]  # content words of its sentence and the one before


class ArticleIndex:
    """What grounding looks things up in, computed once per article."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.normalized = normalize_text(text)

    @cached_property
    def words(self) -> set[str]:
        return set(re.findall(r"[\w'-]+", self.normalized))

    @cached_property
    def quantities(self) -> list[_Located]:
        sentences = sentence_spans(self.text)
        located: list[_Located] = []
        for quantity in find_quantities(self.text):
            index = _sentence_of(sentences, quantity.start)
            first = sentences[max(index - 1, 0)][0] if sentences else 0
            last = sentences[index][1] if sentences else len(self.text)
            located.append(_Located(quantity, content_words(self.text[first:last])))
        return located

    def contains_span(self, span: str) -> bool:
        needle = normalize_text(span).strip(" \"'.,;:…")
        return bool(needle) and needle in self.normalized

    def mentions_name(self, name: str) -> bool:
        if self.contains_span(name):
            return True
        tokens = [t for t in re.findall(r"[\w'-]+", normalize_text(name)) if t not in _TITLES]
        return bool(tokens) and all(_name_token_present(t, self.words) for t in tokens)


def _name_token_present(token: str, words: set[str]) -> bool:
    return token in words or f"{token}'s" in words or token.rstrip("s") in words


def _sentence_of(sentences: list[tuple[int, int]], offset: int) -> int:
    for index, (_, end) in enumerate(sentences):
        if offset < end:
            return index
    return max(len(sentences) - 1, 0)


def ground_actor(name: str, role: str, index: ArticleIndex) -> Actor:
    return Actor(name=name, role=role, grounded=index.mentions_name(name))


def ground_claim(claim: ClaimDraft, index: ArticleIndex) -> Claim:
    evidence_found = index.contains_span(claim.evidence)
    speaker_found = claim.attributed_to is None or index.mentions_name(claim.attributed_to)
    return Claim(**claim.model_dump(), grounded=evidence_found and speaker_found)


def ground_number(number: NumberDraft, index: ArticleIndex) -> Number:
    """Mark a number grounded when the article states its value about the same thing.

    When the model copied the number's wording from the article but got the value wrong
    ("50 thousand" as 50), the value is re-derived from the wording.
    """
    value = _value_from_wording(number, index)
    fixed = number.model_copy(update={"value": value})
    return Number(**fixed.model_dump(), grounded=_supported(fixed, index))


def _value_from_wording(number: NumberDraft, index: ArticleIndex) -> float:
    if not index.contains_span(number.text):
        return number.value
    parsed = parse_number(number.text)
    return number.value if parsed is None or same_value(parsed, number.value) else parsed


def _supported(number: NumberDraft, index: ArticleIndex) -> bool:
    unit = normalize_unit(number.unit)
    about = content_words(f"{number.unit or ''} {number.context}")
    for located in index.quantities:
        quantity = located.quantity
        if not same_value(quantity.value, number.value) or not _kind_matches(unit, quantity):
            continue
        if unit in ("%", *_CURRENCIES) or about & located.window:
            return True
    return False


def _kind_matches(unit: str | None, quantity: Quantity) -> bool:
    if unit == "%":
        return quantity.kind == "percent"
    if unit in _CURRENCIES:
        return quantity.kind == "money" and quantity.unit == unit
    return quantity.kind not in ("percent", "money") or unit is None


@dataclass(frozen=True)
class GroundedItems:
    actors: list[Actor]
    claims: list[Claim]
    numbers: list[Number]
    counts: GroundingCounts

    def brief(self, draft: BriefDraft, article: ArticleRef, meta: BriefMeta) -> Brief:
        """The brief: ``draft``'s title, summary and questions with these checked items."""
        return Brief(
            title=draft.title,
            summary=draft.summary,
            actors=self.actors,
            claims=self.claims,
            numbers=self.numbers,
            open_questions=draft.open_questions,
            article=article,
            meta=meta,
        )


def ground(draft: BriefDraft, article_text: str, *, strict: bool = False) -> GroundedItems:
    """Check every item of ``draft`` against ``article_text``; ``strict`` drops ungrounded ones."""
    index = ArticleIndex(article_text)
    actors = [ground_actor(a.name, a.role, index) for a in draft.actors]
    claims = [ground_claim(c, index) for c in draft.claims]
    numbers = [ground_number(n, index) for n in draft.numbers]
    items: list[Actor | Claim | Number] = [*actors, *claims, *numbers]
    grounded = sum(1 for item in items if item.grounded)
    counts = GroundingCounts(grounded=grounded, ungrounded=len(items) - grounded)
    if strict:
        actors = [a for a in actors if a.grounded]
        claims = [c for c in claims if c.grounded]
        numbers = [n for n in numbers if n.grounded]
        counts = GroundingCounts(grounded=grounded, ungrounded=0, dropped=len(items) - grounded)
    return GroundedItems(actors, claims, numbers, counts)
