"""Sources that disagree: one counted thing, two sources of a story, inconsistent values.

Computed from each source article's own quantities (as ``citations`` lists them, with the
clause that states them), never from the merged brief and never asked of the model; the
rules of "the same counted thing" and "consistent" are ``briefer.counted``'s. Articles of
the same site are not compared with each other (a live page's updates are not sources).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from briefer.articles import Article
from briefer.citations import CitedArticle
from briefer.counted import Fact, conflict, consistent, make_fact, same_thing, thing_label
from briefer.schema import Brief, Disagreement, ReportedNumber
from briefer.urls import redact_url

MAX_DISAGREEMENTS = 6


@dataclass(frozen=True)
class SourceText:
    """One article of a story, as the comparison needs it."""

    source: str  # the site, else the title: how a reader tells the sources apart
    text: str
    url: str | None = None


@dataclass(frozen=True)
class _Stated:
    fact: Fact
    context: str
    source: SourceText


def source_facts(source: SourceText) -> list[_Stated]:
    """The facts of one article: every listed quantity with the clause stating it."""
    stated: list[_Stated] = []
    for listed in CitedArticle(source.text).listed:
        quantity = listed.quantity
        fact = make_fact(quantity.value, listed.unit, quantity.text, listed.context)
        if fact is not None:
            stated.append(_Stated(fact, listed.context, source))
    return stated


def find_disagreements(sources: Sequence[SourceText]) -> list[Disagreement]:
    """Pairs of sources that report one counted thing with inconsistent values.

    A pair is kept only when neither source also states a value consistent with the
    other's (a source that writes "12,000, up from 10,000" does not disagree with one that
    writes 10,000); one disagreement per thing and pair of values, in source order.
    """
    facts = [source_facts(source) for source in sources]
    found: list[Disagreement] = []
    seen: set[tuple[str, float, float]] = set()
    for i, j in combinations(range(len(sources)), 2):
        if sources[i].source == sources[j].source:
            continue
        for first in facts[i]:
            for second in facts[j]:
                if not conflict(first.fact, second.fact):
                    continue
                if _agrees_elsewhere(first, facts[j]) or _agrees_elsewhere(second, facts[i]):
                    continue
                label = thing_label(first.fact, second.fact)
                low, high = sorted((first.fact.value, second.fact.value))
                key = (label, low, high)
                if key in seen:
                    continue
                seen.add(key)
                found.append(
                    Disagreement(counts=label, values=[_reported(first), _reported(second)])
                )
    return found[:MAX_DISAGREEMENTS]


def _agrees_elsewhere(stated: _Stated, others: Sequence[_Stated]) -> bool:
    """The other source states this same thing with a consistent value too."""
    return any(
        same_thing(stated.fact, other.fact) and consistent(stated.fact, other.fact)
        for other in others
    )


def _reported(stated: _Stated) -> ReportedNumber:
    url = redact_url(stated.source.url) if stated.source.url else None
    return ReportedNumber(
        value=stated.fact.value,
        text=stated.fact.text,
        source=stated.source.source,
        url=url,
        context=stated.context,
    )


def group_sources(articles: Sequence[Article]) -> list[SourceText]:
    """The articles of a story as sources: told apart by site, else by title."""
    return [
        SourceText(a.source or a.title or f"source {n}", a.text, a.url)
        for n, a in enumerate(articles, start=1)
    ]


def with_disagreements(brief: Brief, articles: Sequence[Article]) -> Brief:
    """``brief`` with the disagreements of its source articles (none for a single one)."""
    if len(articles) < 2:
        return brief
    found = find_disagreements(group_sources(articles))
    return brief.model_copy(update={"disagreements": found}) if found else brief


__all__ = [
    "MAX_DISAGREEMENTS",
    "SourceText",
    "find_disagreements",
    "group_sources",
    "source_facts",
    "with_disagreements",
]
