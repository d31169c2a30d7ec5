"""Grounding: check every actor, claim and number of a draft brief against the article.

A number is grounded only when the article has the same value *in a sentence about the
same thing*: matching the value anywhere is not enough ("10,000" may count soldiers in the
article and aircraft in the brief). Evidence must be a span of the article, tolerant of
case, whitespace, quote style and dashes. Nothing is dropped here unless ``strict``; items
are marked, so a reader sees what could not be verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefer.article_index import ArticleIndex, Located, index_of
from briefer.quantities import Quantity, normalize_unit, parse_number, same_value
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
from briefer.vocabulary import content_words, fold_text

__all__ = [
    "ArticleIndex",
    "GroundedItems",
    "ground",
    "ground_actor",
    "ground_claim",
    "ground_number",
    "kind_matches",
]

_CURRENCIES = {"USD", "GBP", "EUR", "JPY", "CNY", "INR", "RUB", "CHF", "CAD", "AUD"}


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
        if not same_value(quantity.value, number.value) or not kind_matches(unit, quantity):
            continue
        if unit in ("%", *_CURRENCIES) or about & index.window(located):
            return True
        if _states(located, number):
            return True
    return False


def _states(located: Located, number: NumberDraft) -> bool:
    """The number's context is the very clause of the article that states it (as a cited
    number's is), even when that clause has no content word ("10,000 of them")."""
    context = fold_text(number.context)
    return fold_text(located.quantity.text) in context and context in fold_text(
        located.sentence.text
    )


def kind_matches(unit: str | None, quantity: Quantity) -> bool:
    """A number in ``unit`` may be this quantity: a percentage only a percentage, money only
    money in the same currency, anything else any kind but those two."""
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


def ground(draft: BriefDraft, article: str, *, strict: bool = False) -> GroundedItems:
    """Check every item of ``draft`` against the article; ``strict`` drops ungrounded ones."""
    index = index_of(article)
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
