"""Counted facts: what a number counts, how it is qualified, and when two of them conflict.

Shared by sources that disagree (``disagreements``) and stories followed across days
(``followup``): both ask whether two numbers state *the same counted thing* and, if so,
whether their values are *consistent*. Deterministic and conservative: a pair that might
count different things is never compared.

The same counted thing (:func:`same_thing`):

* the same kind (a count, a sum of money in one currency, a percentage);
* for counts, counted nouns whose singular words are a subset of one another ("troops" /
  "Russian troops", not "Russian troops" / "Ukrainian troops"); sums and percentages are
  only matched on context;
* no clashing outcome near the number ("killed" vs "injured", "raised" vs "cost": the
  outcome word nearest to each number, see ``OUTCOMES``);
* shared context words around the number (``MIN_SHARED`` of them; ``MIN_SHARED_UNNAMED``
  when it names no counted noun and no outcome is shared), generic words (weekdays,
  "officials") not counting.

Consistent values (:func:`consistent`):

* within ``REL_TOL`` (2 %) of each other when written with different precision ("10,000"
  and "10,150"); the same precision with other digits differs ("7.6 million" and "7.7
  million"), and so do whole counts below 1,000 ("12 dead" vs "13 dead");
* or, when either is hedged ("about", "some", "an estimated"), equal after rounding to the
  coarser precision written ("about 10,000" vs "10,200"; "about 62,000" vs "60,000");
* bounds ("at least", "more than", "up to", "nearly") are ranges: "at least 10,000" is
  consistent with 12,000, "up to 10,000" is not.

Across days (:func:`same_value`) bounds are set aside: a toll of "at least 40" that becomes
"at least 95" has changed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from briefer.quantities import normalize_unit
from briefer.vocabulary import content_words, fold_text, singular, stem

Bound = Literal["exact", "about", "at_least", "at_most", "nearly"]
Kind = Literal["count", "money", "percent"]

REL_TOL = 0.02
EXACT_BELOW = 1000  # whole counts below this must be equal
MIN_SHARED = 1
MIN_SHARED_UNNAMED = 2  # neither number names what it counts: more context must agree
WINDOW_WORDS = 7  # context words taken on each side of the number, within its clause
NEARLY_FLOOR = 0.9  # "nearly 10,000" is at least 9,000

_BOUND_WORDS: tuple[tuple[str, Bound], ...] = (
    ("at least", "at_least"), ("more than", "at_least"), ("over", "at_least"),
    ("upwards of", "at_least"), ("in excess of", "at_least"), ("no fewer than", "at_least"),
    ("no less than", "at_least"), ("up to", "at_most"), ("as many as", "at_most"),
    ("at most", "at_most"), ("fewer than", "at_most"), ("less than", "at_most"),
    ("under", "at_most"), ("no more than", "at_most"), ("nearly", "nearly"),
    ("almost", "nearly"), ("just under", "nearly"), ("close to", "nearly"),
    ("about", "about"), ("around", "about"), ("some", "about"), ("roughly", "about"),
    ("approximately", "about"), ("an estimated", "about"), ("estimated", "about"),
    ("circa", "about"), ("an approximate", "about"), ("or so", "about"),
)  # fmt: skip
_AFTER_BOUNDS: tuple[tuple[str, Bound], ...] = (
    ("or more", "at_least"), ("plus", "at_least"), ("or fewer", "at_most"),
    ("or less", "at_most"), ("or so", "about"),
)  # fmt: skip

OUTCOMES: dict[str, str] = {
    word: outcome
    for outcome, words in {
        "dead": "killed dead death died die kill fatality fatal toll body bodies",
        "hurt": "injured injury wounded hurt hospitalised hospitalized treated",
        "missing": "missing unaccounted",
        "held": "arrested detained arrest charged held",
        "moved": "evacuated displaced fled homeless",
        "saved": "rescued saved",
        "raised": "raised donated pledged collected",
        "spent": "cost spent spend budget bill",
        "fined": "fined fine penalty compensation",
        "earned": "profit revenue earned sale sales turnover",
        "lost": "loss lost deficit debt",
    }.items()
    for word in words.split()
}
_GENERIC = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "week",
        "day",
        "year",
        "month",
        "today",
        "yesterday",
        "official",
        "figure",
        "report",
        "according",
        "latest",
        "new",
        "estimate",
        "people",
        "least",
        "more",
        "than",
        "about",
        "around",
        "some",
        "nearly",
        "almost",
        "over",
        "under",
        "up",
    }
)  # fmt: skip  ("march" is left out: the verb and the noun matter more than the month)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


@dataclass(frozen=True)
class Fact:
    """One number as a comparison needs it."""

    value: float
    kind: Kind
    unit: str | None  # normalised: "troop", "russian soldier", "GBP", "%"; None: not named
    text: str  # as written, with its qualifier: "at least 10,000"
    bound: Bound
    context: frozenset[str]  # stems of the content words near the number (not generic ones
    # nor the counted noun)
    outcome: str | None  # the outcome class of the nearest outcome word, if any

    @property
    def label(self) -> str:
        """What it counts, for people: the counted noun, else the shared context."""
        return self.unit if self.kind == "count" and self.unit else ""


def make_fact(value: float, counts: str | None, text: str, context: str) -> Fact | None:
    """The fact of a number written ``text`` counting ``counts`` in the clause ``context``;
    None for what is never compared (a bare year-like number, a score, a duration)."""
    unit = normalize_unit(counts)
    kind: Kind = (
        "money" if unit in _CURRENCY_UNITS else "percent" if unit in ("%", "pp") else "count"
    )
    if kind == "count" and unit is None and _looks_like_year(value):
        return None
    if kind == "count" and unit in ("point", "second", "minute", "hour", "day", "week"):
        return None
    folded = " ".join(fold_text(context).split())
    at = folded.find(fold_text(text))
    before = folded[:at] if at >= 0 else ""
    after = folded[at + len(text) :] if at >= 0 else ""
    unit_words: set[str] = set((unit or "").split()) | {
        singular(w) for w in (counts or "").lower().split()
    }
    bound = _bound(before, _past_noun(after, unit_words))
    near_before = _WORD.findall(before)[-WINDOW_WORDS:]
    near_after = _WORD.findall(after)[:WINDOW_WORDS]
    words = content_words(" ".join(near_before + near_after))
    # Stemmed, so "marched" meets "march" and "deployed" meets "deployment".
    kept = (w for w in words if w not in _GENERIC and w not in unit_words)
    context_words = frozenset(stem(w) for w in kept)
    written = f"{_bound_word(before, bound)}{text}".strip() if at >= 0 else text
    return Fact(
        value,
        kind,
        unit,
        written,
        bound,
        context_words,
        _outcome(near_before, near_after, unit_words),
    )


_CURRENCY_UNITS = frozenset(
    {"USD", "GBP", "EUR", "JPY", "INR", "RUB", "CNY", "UAH", "CAD", "AUD", "HKD"}
)


def _looks_like_year(value: float) -> bool:
    return value == int(value) and 1800 <= value <= 2100


def _bound(before: str, after: str) -> Bound:
    tail = " " + before.rstrip(" ,") + " "
    for phrase, bound in sorted(_BOUND_WORDS, key=lambda pair: -len(pair[0])):
        if tail.endswith(f" {phrase} "):
            return bound
    head = " " + after.lstrip(" -")
    for phrase, bound in _AFTER_BOUNDS:
        if head.startswith((f" {phrase} ", f" {phrase},", f" {phrase}.")) or head == f" {phrase}":
            return bound
    return "exact"


def _past_noun(after: str, unit_words: set[str]) -> str:
    """The text after the number, past its counted noun ("troops or more" → " or more")."""
    words = after.split(" ")
    while words and (not words[0] or singular(words[0].strip(",.")) in unit_words):
        if words[0] and words[0][-1:] in ",.":
            return " " + " ".join(words)
        words = words[1:]
    return " " + " ".join(words) if words else ""


def _bound_word(before: str, bound: Bound) -> str:
    if bound == "exact":
        return ""
    tail = " " + before.rstrip(" ,") + " "
    for phrase, _ in sorted(_BOUND_WORDS, key=lambda pair: -len(pair[0])):
        if tail.endswith(f" {phrase} "):
            return phrase + " "
    return ""


def _outcome(before: list[str], after: list[str], unit_words: set[str]) -> str | None:
    """The outcome class of the outcome word nearest the number, counted in content words
    (after it on a tie: "34 people were injured" after "twelve died and")."""

    def content(words: list[str]) -> list[str]:
        kept = (singular(w) for w in words if content_words(w))
        return [w for w in kept if w not in unit_words]

    near_before, near_after = list(reversed(content(before))), content(after)
    for distance in range(max(len(near_before), len(near_after))):
        for side in (near_after, near_before):
            if distance < len(side):
                found = OUTCOMES.get(side[distance])
                if found:
                    return found
    return None


# -- the same counted thing --------------------------------------------------------------


def same_thing(a: Fact, b: Fact) -> bool:
    """Whether two facts state the same counted thing (see the module docstring)."""
    if a.kind != b.kind:
        return False
    if a.kind == "money" and a.unit != b.unit:
        return False
    if a.kind == "percent" and a.unit != b.unit:
        return False
    if a.kind == "count":
        if (a.unit is None) != (b.unit is None):
            return False
        if a.unit and b.unit and not _nouns_nest(a.unit, b.unit):
            return False
    if a.outcome and b.outcome and a.outcome != b.outcome:
        return False
    named = a.kind == "count" and a.unit is not None
    anchored = a.outcome is not None and a.outcome == b.outcome  # both "cost", both "killed"
    needed = MIN_SHARED if named or anchored else MIN_SHARED_UNNAMED
    return len(a.context & b.context) >= needed


def _nouns_nest(a: str, b: str) -> bool:
    words_a, words_b = set(a.split()), set(b.split())
    return a.split()[-1] == b.split()[-1] and (words_a <= words_b or words_b <= words_a)


def thing_label(a: Fact, b: Fact) -> str:
    """``"troop"``; for a sum or a share, the context both share (``"repair (GBP)"``)."""
    if a.kind == "count" and a.unit and b.unit:
        return a.unit if len(a.unit) <= len(b.unit) else b.unit
    shared = " ".join(sorted(a.context & b.context)[:3])
    if a.kind == "count":
        return shared
    return f"{shared} ({a.unit})" if shared else str(a.unit)


# -- consistent values -------------------------------------------------------------------


def consistent(a: Fact, b: Fact) -> bool:
    """Whether the two values can both be true (same thing assumed; see the docstring)."""
    low_a, high_a = _range(a)
    low_b, high_b = _range(b)
    if _close(a, b, a.value, b.value):
        return True
    if a.bound == "exact" and b.bound == "exact":
        return False
    return _overlap(low_a, high_a, low_b, high_b) or _rounds_equal(a, b)


def _range(fact: Fact) -> tuple[float, float]:
    value = fact.value
    if fact.bound == "at_least":
        return value * (1 - REL_TOL), math.inf
    if fact.bound == "at_most":
        return -math.inf, value * (1 + REL_TOL)
    if fact.bound == "nearly":
        return value * NEARLY_FLOOR, value * (1 + REL_TOL)
    if fact.bound == "about":
        step = precision(value) / 2
        return value - step, value + step
    return value * (1 - REL_TOL), value * (1 + REL_TOL)


def _overlap(low_a: float, high_a: float, low_b: float, high_b: float) -> bool:
    if (math.isinf(low_a) and math.isinf(low_b)) or (math.isinf(high_a) and math.isinf(high_b)):
        return True  # two lower (or two upper) bounds never contradict
    return low_a <= high_b and low_b <= high_a


def _close(a: Fact, b: Fact, x: float, y: float) -> bool:
    """Equal, or within ``REL_TOL`` when written with different precision ("10,000" and
    "10,150"; not "7.6 million" and "7.7 million": the same precision, other digits)."""
    if x == y:
        return True
    if a.kind == "count" and _whole(x) and _whole(y) and max(abs(x), abs(y)) < EXACT_BELOW:
        return False
    if precision(x) == precision(y):
        return False
    return math.isclose(x, y, rel_tol=REL_TOL)


def _rounds_equal(a: Fact, b: Fact) -> bool:
    """Either is hedged and both are equal once rounded to the coarser precision written
    ("about 62,000" and "60,000" are both 60,000 to the nearest 10,000)."""
    if "about" not in (a.bound, b.bound) or not {a.bound, b.bound} <= {"about", "exact"}:
        return False  # a bound is a range: rounding does not widen it
    step = max(precision(a.value), precision(b.value))
    return _round(a.value, step) == _round(b.value, step)


def _round(value: float, step: float) -> float:
    return math.floor(value / step + 0.5) * step


def _whole(x: float) -> bool:
    return x == int(x)


def precision(value: float) -> float:
    """The place of the last non-zero digit written: 10,000 → 10,000; 10,200 → 100;
    4,500,000 → 100,000; 12.5 → 0.1."""
    if value == 0:
        return 1.0
    if not _whole(value):
        decimals = len(f"{value:.6f}".rstrip("0").split(".")[1])
        return float(10**-decimals)
    whole = abs(int(value))
    step = 1
    while whole % (step * 10) == 0:
        step *= 10
    return float(step)


def same_value(a: Fact, b: Fact) -> bool:
    """The same number, bounds aside: within tolerance or equal once rounded to a hedged
    one's precision. Across days "at least 40" then "at least 95" is a change, though the
    two bounds are consistent."""
    return _close(a, b, a.value, b.value) or _rounds_equal(a, b)


def conflict(a: Fact, b: Fact) -> bool:
    """The same counted thing with values that cannot both be true."""
    return same_thing(a, b) and not consistent(a, b)


__all__ = [
    "OUTCOMES",
    "REL_TOL",
    "Fact",
    "conflict",
    "consistent",
    "make_fact",
    "precision",
    "same_thing",
    "same_value",
    "thing_label",
]
