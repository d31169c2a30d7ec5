"""A quantity found in a text, one being built, and the words around it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from briefer.quantities.tables import _CARDINAL_WORDS, _SCALE_WORDS
from briefer.vocabulary import NOT_COUNTED


@dataclass(frozen=True)
class Quantity:
    """One quantity found in a text.

    ``value`` is the plain value (``"50 thousand"`` -> 50000.0, ``"12.5%"`` -> 12.5).
    ``counts`` is what it counts as the text writes it: the currency code or ``"%"`` /
    ``"pp"``, ``"seconds"`` for a race time, ``"points"`` for a score, else up to two words
    right after it (``"700,000 Kremlin soldiers"`` -> ``"Kremlin soldiers"``, ``"5mln
    people"`` -> ``"people"``; see :func:`~briefer.quantities.units.counted_noun`), or
    None. ``unit`` is the comparable key (:func:`normalize_unit` of ``counts``; the month
    of a date; shared across a range: ``"2 to 3 million people"`` -> both ``"people"``).
    ``text`` is the exact source span, so ``source[start:end] == text``. ``kind`` is one of
    ``"number"``, ``"percent"``, ``"money"``, ``"year"``, ``"ordinal"``, ``"date"``,
    ``"score"`` (``"9/10"``: value 9, no unit) and ``"time"`` (``"1:35.782"``: value
    95.782, unit ``"second"``).
    """

    value: float
    unit: str | None
    text: str
    start: int
    end: int
    kind: str
    counts: str | None = None


# --- candidates -------------------------------------------------------------------------


@dataclass
class _Cand:
    """A quantity being built: mutable while units, years and ranges are settled."""

    start: int
    end: int
    value: Decimal
    kind: str = "number"
    unit: str | None = None
    scale: Decimal = Decimal(1)  # the thousand-or-more (or pence) multiplier in the wording
    prefixed: bool = False  # written with a currency symbol before the digits
    year_like: bool = False  # four bare digits, 1800-2100
    counts: str | None = None


_WORD_RE = re.compile(r"[^\W\d_]+")
_JOIN_RE = re.compile(r"\s+|-")
_NEXT_WORD_RE = re.compile(r"(?:[^\S\n]+|-)([^\W\d_]+)")
_PREV_WORD_RE = re.compile(r"([^\W\d_]+)(?:[^\S\n]+|-)\Z")
_MINUS_BEFORE_RE = re.compile(r"(?<!\w)minus\s+\Z", re.IGNORECASE)
_HYPHEN_WORD_BEFORE_RE = re.compile(r"([^\W_]+)[-–—]\Z")
_DIGIT_BEFORE_RE = re.compile(r"[0-9][ \t]*\Z")
_GLUED_BEFORE_RE = re.compile(r"[0-9][/:]\Z")
_GLUED_AFTER_RE = re.compile(r"[/:][0-9]")
_HYPHEN_GAP_RE = re.compile(r"[ \t]*[-–—−][ \t]*")
_WORD_GAP_RE = re.compile(r"[ \t]+(?:to|or)[ \t]+", re.IGNORECASE)
_AND_GAP_RE = re.compile(r"[ \t]+and[ \t]+", re.IGNORECASE)


def _before(text: str, start: int, width: int = 60) -> str:
    return text[max(0, start - width) : start]


def _next_word(text: str, end: int) -> str | None:
    """The word directly after ``end`` (one space or a hyphen between), if any."""
    m = _NEXT_WORD_RE.match(text, end)
    return m.group(1) if m else None


def _prev_word(text: str, start: int) -> str | None:
    """The word directly before ``start`` (one space or a hyphen between), if any."""
    m = _PREV_WORD_RE.search(_before(text, start))
    return m.group(1) if m else None


def _is_unit_word(word: str | None) -> bool:
    """Whether a word may name what a number counts (not a stopword or number word)."""
    if word is None:
        return False
    w = word.lower()
    return w not in NOT_COUNTED and w not in _CARDINAL_WORDS and w not in _SCALE_WORDS
