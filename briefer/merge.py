"""Merging partial briefs of a long article (the reduce step of map-reduce).

Deterministic first: actors by normalised name, numbers by value + unit + context,
claims and questions by text similarity. The first chunk gives the title and summary
(news puts the story first). Only when a merged list is longer than the schema allows
does the pipeline ask the model to condense it (see ``pipeline.Briefer``): the model sees
the numbered items and answers which to keep (``Selection``), so condensing can drop
items but never rewrites a quote or a number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rapidfuzz import fuzz

from briefer.quantities import normalize_unit, same_value, units_compatible
from briefer.schema import (
    LIST_CAPS,
    MAX_ACTORS,
    MAX_CLAIMS,
    MAX_NUMBERS,
    MAX_QUESTIONS,
    ActorDraft,
    BriefDraft,
    ClaimDraft,
    NumberDraft,
    Selection,
)
from briefer.vocabulary import fold_text, name_key

CLAIM_SIMILARITY = 80.0
SAME_EVIDENCE_CLAIM_SIMILARITY = 50.0
QUESTION_SIMILARITY = 80.0
CONTEXT_SIMILARITY = 60.0

Item = TypeVar("Item")


def merge_drafts(partials: list[BriefDraft]) -> BriefDraft:
    """One draft from several, with duplicates removed; lists may exceed the caps."""
    if not partials:
        raise ValueError("nothing to merge")
    first = partials[0]
    return BriefDraft.model_construct(
        title=first.title,
        summary=first.summary,
        actors=_dedupe([a for p in partials for a in p.actors], _same_actor, _prefer_longer_name),
        claims=_dedupe([c for p in partials for c in p.claims], _same_claim),
        numbers=_dedupe([n for p in partials for n in p.numbers], _same_number),
        open_questions=_dedupe([q for p in partials for q in p.open_questions], _same_question),
    )


def over_caps(draft: BriefDraft) -> bool:
    lengths = list_lengths(draft)
    return any(lengths[field] > cap for field, cap in LIST_CAPS.items())


def truncate_to_caps(draft: BriefDraft) -> BriefDraft:
    """The fallback when no condensing pass is possible: keep the earliest items."""
    return BriefDraft(
        title=draft.title,
        summary=draft.summary,
        actors=draft.actors[:MAX_ACTORS],
        claims=draft.claims[:MAX_CLAIMS],
        numbers=draft.numbers[:MAX_NUMBERS],
        open_questions=draft.open_questions[:MAX_QUESTIONS],
    )


def list_lengths(draft: BriefDraft) -> dict[str, int]:
    return {
        "actors": len(draft.actors),
        "claims": len(draft.claims),
        "numbers": len(draft.numbers),
        "questions": len(draft.open_questions),
    }


def apply_selection(draft: BriefDraft, selection: Selection) -> tuple[BriefDraft, int]:
    """``draft`` condensed as ``selection`` says, and how many of its ids did not exist.

    Lists within their cap are kept whole; a list over its cap keeps the chosen items in
    the order given (ids repeated or out of range are skipped), or its first items when
    nothing valid was chosen.
    """
    invalid = 0

    def pick(items: list[Item], ids: list[int], cap: int) -> list[Item]:
        nonlocal invalid
        if len(items) <= cap:
            return items
        chosen: list[int] = []
        for i in ids:
            if not 1 <= i <= len(items):
                invalid += 1
            elif i not in chosen:
                chosen.append(i)
        return [items[i - 1] for i in chosen[:cap]] or items[:cap]

    condensed = BriefDraft(
        title=selection.title,
        summary=selection.summary,
        actors=pick(draft.actors, selection.actors, MAX_ACTORS),
        claims=pick(draft.claims, selection.claims, MAX_CLAIMS),
        numbers=pick(draft.numbers, selection.numbers, MAX_NUMBERS),
        open_questions=pick(draft.open_questions, selection.questions, MAX_QUESTIONS),
    )
    return condensed, invalid


def _dedupe(
    items: list[Item],
    same: Callable[[Item, Item], bool],
    prefer: Callable[[Item, Item], Item] | None = None,
) -> list[Item]:
    kept: list[Item] = []
    for item in items:
        for position, existing in enumerate(kept):
            if same(existing, item):
                if prefer is not None:
                    kept[position] = prefer(existing, item)
                break
        else:
            kept.append(item)
    return kept


def _same_actor(a: ActorDraft, b: ActorDraft) -> bool:
    key_a, key_b = name_key(a.name), name_key(b.name)
    if key_a == key_b:
        return True
    # "Putin" is "Vladimir Putin" and "Ada Lind" is "Mayor Ada Lind": the shorter name ends
    # the longer. "Alice Ruggles" is not the "Alice Ruggles Trust".
    short, long = sorted((key_a, key_b), key=len)
    return bool(short) and long[len(long) - len(short) :] == short


def _prefer_longer_name(a: ActorDraft, b: ActorDraft) -> ActorDraft:
    return b if len(b.name) > len(a.name) else a


def _same_claim(a: ClaimDraft, b: ClaimDraft) -> bool:
    # Cited evidence is a whole sentence, and one sentence can hold two claims: the same
    # evidence only makes a repeat when the texts are also alike.
    similarity = fuzz.token_set_ratio(fold_text(a.text), fold_text(b.text))
    if fold_text(a.evidence) == fold_text(b.evidence):
        return similarity >= SAME_EVIDENCE_CLAIM_SIMILARITY
    return similarity >= CLAIM_SIMILARITY


def _same_number(a: NumberDraft, b: NumberDraft) -> bool:
    if not same_value(a.value, b.value):
        return False
    if not units_compatible(normalize_unit(a.unit), normalize_unit(b.unit)):
        return False
    return fuzz.token_set_ratio(fold_text(a.context), fold_text(b.context)) >= CONTEXT_SIMILARITY


def _same_question(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(fold_text(a), fold_text(b)) >= QUESTION_SIMILARITY
