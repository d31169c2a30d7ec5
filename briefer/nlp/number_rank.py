"""Number candidates: the listed quantities ranked by how much a brief gains from each.

Tiers, then reading order within a tier (news states what matters first):

0. money, percentages, scores, race times, and counts of a named thing
   ("145 drones", "90 new stores");
1. bare numbers, with no counted noun ("shot down 62", "the total to 845");
2. small counts written as words ("two leaders", "one expert"): often a figure of speech;
3. labels and other non-amounts: a number naming a thing ("type 2 diabetes",
   "Progress 59", "font size 12", "14 pt"), a list marker, an age ("24-year-old",
   "aged 35") and durations ("24 hours", "eight weeks"). Years, dates and ordinals are
   never listed (``citations.LISTED_KINDS``).

A results table (``TABLE_ROWS`` or more consecutive short sentences stating quantities of
the same kinds and units: "1. Hamilton (Britain) Mercedes 1:35.782") keeps only its first row's
quantities in their tier; the other rows go last. A quantity stated again (same value and
unit, or a value of at least ``BIG`` with no unit: "an army of 50,000" after "50,000
soldiers") is
ranked once, at its first mention.
"""

from __future__ import annotations

import re

from briefer.article_index import ArticleIndex
from briefer.citations import CitedArticle, Listed
from briefer.vocabulary import singular

__all__ = ["number_tier", "rank_numbers", "table_rows"]

BIG = 100  # a bare number this large repeats an earlier one of its value; "six" may not
TABLE_ROWS = 4  # consecutive rows alike make a table
ROW_WORDS = 15  # a row is a short sentence

INFORMATIVE, BARE, WORDED, LAST = 0, 1, 2, 3
_INFORMATIVE_KINDS = frozenset({"money", "percent", "score", "time"})
_DURATIONS = frozenset(
    str.split("second minute hour day night week weekend month year decade century")
)
# A word before a number that makes the number a name or a label, not an amount.
_LABEL_BEFORE = re.compile(
    r"(?:\b(?:type|types|size|font|level|phase|stage|grade|category|class|step|number|no|"
    r"nos|chapter|section|article|page|pages|room|flight|route|line|platform|gate|channel|"
    r"version|series|model|mark|tier|band|division|league|season|episode|act|verse|item|"
    r"question|rule|clause|paragraph|exhibit|lot|unit|apollo|progress|soyuz|covid|windows|"
    r"iphone|galaxy|ios|android)\.?|#|№)\s*\Z",
    re.IGNORECASE,
)
_FONT_UNIT = re.compile(r"\A\s?(?:pt|px|em)\b", re.IGNORECASE)
_AGE_AFTER = re.compile(r"\A[-\s]*years?[-\s]+old\b|\A[-\s]*(?:yo|y/o)\b", re.IGNORECASE)
_AGE_BEFORE = re.compile(r"\b(?:aged|age|ages)\s*\Z", re.IGNORECASE)
# A list marker: the number opens its line or sentence, followed by ")" or "." and a space.
_LIST_MARKER_AFTER = re.compile(r"\A[.)]\s")
_SMALL_WORDS = frozenset({"one", "two", "a", "an", "single", "couple", "both", "half"})


def _before(cited: CitedArticle, listed: Listed, width: int = 30) -> str:
    start = listed.quantity.start
    return cited.text[max(0, start - width) : start]


def _after(cited: CitedArticle, listed: Listed, width: int = 30) -> str:
    end = listed.quantity.end
    return cited.text[end : end + width]


def _is_label(cited: CitedArticle, listed: Listed) -> bool:
    quantity = listed.quantity
    before, after = _before(cited, listed), _after(cited, listed)
    if _LABEL_BEFORE.search(before) or _FONT_UNIT.match(after):
        return True
    if _AGE_AFTER.match(after) or _AGE_BEFORE.search(before):
        return True
    sentence_start = cited.sentences[listed.sentence - 1].start
    opens = not cited.text[sentence_start : quantity.start].strip()
    return opens and bool(_LIST_MARKER_AFTER.match(after))


def number_tier(cited: CitedArticle, listed: Listed) -> int:
    """The tier of one listed quantity (0 first; see the module docstring)."""
    quantity = listed.quantity
    if _is_label(cited, listed):
        return LAST
    if quantity.kind in _INFORMATIVE_KINDS:
        return INFORMATIVE
    if listed.unit is None:
        return BARE
    if singular(listed.unit.split()[-1]) in _DURATIONS:
        return LAST
    if quantity.text.lower() in _SMALL_WORDS:
        return WORDED
    return INFORMATIVE


def table_rows(index: ArticleIndex) -> frozenset[int]:
    """Ids of the sentences that are rows of a table, its first row aside."""
    kinds: dict[int, tuple[str, ...]] = {}
    for located in index.quantities:
        sentence = located.sentence
        if len(sentence.text.split()) <= ROW_WORDS:
            quantity = located.quantity
            kinds[sentence.id] = (*kinds.get(sentence.id, ()), f"{quantity.kind}:{quantity.unit}")
    rows: set[int] = set()
    run: list[int] = []
    for sentence in index.sentences:
        signature = kinds.get(sentence.id)
        if (
            run
            and signature is not None
            and signature == kinds[run[-1]]
            and sentence.id == run[-1] + 1
        ):
            run.append(sentence.id)
        else:
            if len(run) >= TABLE_ROWS:
                rows.update(run[1:])
            run = [sentence.id] if signature is not None else []
    if len(run) >= TABLE_ROWS:
        rows.update(run[1:])
    return frozenset(rows)


def _key(listed: Listed) -> tuple[float, str]:
    return (abs(listed.quantity.value), listed.quantity.unit or "")


def rank_numbers(cited: CitedArticle) -> tuple[int, ...]:
    """The listed ids, most informative first; a repeated quantity once, at its first mention."""
    seen: set[tuple[float, str]] = set()
    values: set[float] = set()
    first_mentions: list[Listed] = []
    for listed in cited.listed:
        key = _key(listed)
        if key in seen or (listed.unit is None and key[0] >= BIG and key[0] in values):
            continue
        seen.add(key)
        values.add(key[0])
        first_mentions.append(listed)
    rows = table_rows(cited.index)

    def tier(listed: Listed) -> int:
        return LAST if listed.sentence in rows else number_tier(cited, listed)

    ranked = sorted(first_mentions, key=lambda n: (tier(n), n.id))
    return tuple(n.id for n in ranked)
