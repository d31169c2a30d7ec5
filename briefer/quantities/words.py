"""Written-out numbers: "seventy", "one hundred and forty-five", "half a million",
"two-thirds", ordinals; and when a lone "one" or "second" is no number."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from briefer.quantities.context import (
    _DIGIT_BEFORE_RE,
    _JOIN_RE,
    _MINUS_BEFORE_RE,
    _WORD_RE,
    _before,
    _Cand,
    _is_unit_word,
    _next_word,
    _prev_word,
)
from briefer.quantities.tables import (
    _AFTER_A,
    _CARDINAL_WORDS,
    _FRACTIONS,
    _ONE_IDIOM_AFTER,
    _ONE_PRONOUN_BEFORE,
    _ONES,
    _ORD_ONES,
    _ORD_SCALES,
    _ORD_TENS,
    _SCALES,
    _SECOND_NOT_ORDINAL_BEFORE,
    _STARTERS,
    _TAIL_RE,
    _TENS,
)
from briefer.quantities.units import _tail_meaning

# --- written-out numbers ----------------------------------------------------------------


@dataclass
class _WordState:
    total: Decimal = Decimal(0)
    group: Decimal = Decimal(0)  # the part below the last scale word
    factor: Decimal = Decimal(1)
    cap: int = 10**15  # scale words must decrease: "two million five thousand"
    last: str = ""  # class of the last word taken
    kind: str = "number"
    done: bool = False


def _take(st: _WordState, words: list[str], i: int) -> int:
    """Feed ``words[i]`` (and look-ahead) to the state; how many words it took (0: stop)."""
    w = words[i]
    after_group = st.last in ("", "hundred", "scale")
    of_next = words[i + 1 : i + 2] == ["of"]
    fraction = w in _FRACTIONS and (w not in _ORD_SCALES or of_next)  # "one hundredth of"
    if fraction and st.last == "ones" and st.total == 0 and 1 <= st.group <= 10:
        st.group /= _FRACTIONS[w]
        st.last, st.done = "fraction", True
    elif w in _ONES and (after_group or (st.last == "tens" and 0 < _ONES[w] < 10)):
        st.group += _ONES[w]
        st.last = "ones"
    elif w in _TENS and after_group:
        st.group += _TENS[w]
        st.last = "tens"
    elif w == "hundred" and st.last in ("a", "ones", "tens") and 0 < st.group < 100:
        st.group *= 100
        st.last = "hundred"
    elif w in _SCALES and st.last in ("a", "ones", "tens", "hundred", "half"):
        if _SCALES[w] >= st.cap or st.group <= 0:
            return 0
        st.total += st.group * _SCALES[w]
        st.group, st.cap, st.last = Decimal(0), _SCALES[w], "scale"
    elif w == "dozen" and st.last in ("a", "ones", "tens"):
        st.group *= 12
        st.last, st.done = "dozen", True
    elif w in _ORD_ONES and (after_group or (st.last == "tens" and _ORD_ONES[w] < 10)):
        st.group += _ORD_ONES[w]
        st.last, st.kind, st.done = "ordinal", "ordinal", True
    elif w in _ORD_TENS and after_group:
        st.group += _ORD_TENS[w]
        st.last, st.kind, st.done = "ordinal", "ordinal", True
    elif w in _ORD_SCALES and st.last in ("", "ones", "tens"):
        st.group = max(st.group, Decimal(1)) * _ORD_SCALES[w]
        st.last, st.kind, st.done = "ordinal", "ordinal", True
    elif w == "and" and i + 1 < len(words):
        return _take_and(st, words, i)
    else:
        return 0
    return 1


def _take_and(st: _WordState, words: list[str], i: int) -> int:
    """'and' inside a number: "hundred and five", "two and a half"."""
    if st.last in ("ones", "tens") and words[i + 1 : i + 3] == ["a", "half"]:
        st.group += Decimal("0.5")
        st.last = "half"
        return 3
    if st.last in ("hundred", "scale") and words[i + 1] not in _SCALES:
        taken = _take(st, words, i + 1)
        return 1 + taken if taken else 0
    return 0


def _parse_words(words: list[str]) -> tuple[int, Decimal, str, Decimal] | None:
    """The written number at the start of ``words`` (lower-case, already joined).

    Returns (words used, value, kind, thousand-or-more scale) or None.
    """
    if words[0] in ("a", "an") and len(words) > 1 and words[1] in _FRACTIONS:
        if words[2:3] != ["of"]:
            return None
        return 2, Decimal(1) / _FRACTIONS[words[1]], "number", Decimal(1)  # "a third of"
    st = _WordState()
    i = 0
    if words[0] in ("a", "an", "half"):
        i = 2 if words[0] == "half" else 1
        if words[0] == "half":
            if words[1:2] not in (["a"], ["an"]):
                return None
            st.factor = Decimal("0.5")
        if len(words) <= i or words[i] not in _AFTER_A:
            return None
        st.group, st.last = Decimal(1), "a"
    start_i = i
    before_and: tuple[int, _WordState] | None = None
    while i < len(words) and not st.done:
        if words[i] == "and":
            before_and = (i, replace(st))
        taken = _take(st, words, i)
        if taken == 0:
            break
        i += taken
    if before_and is not None and i < len(words) and words[i] in _AFTER_A:
        i, st = before_and  # "ten thousand and twenty thousand": two numbers
    if i == start_i:
        return None
    scale = Decimal(st.cap) if st.cap < 10**15 else Decimal(1)
    return i, (st.total + st.group) * st.factor, st.kind, scale


def _joined_words(text: str, tokens: list[re.Match[str]], i: int, limit: int = 16) -> list[str]:
    """Lower-cased words from ``tokens[i]`` on, while separated by spaces or a hyphen."""
    words = [tokens[i].group(0).lower()]
    for k in range(i + 1, min(len(tokens), i + limit)):
        if not _JOIN_RE.fullmatch(text, tokens[k - 1].end(), tokens[k].start()):
            break
        words.append(tokens[k].group(0).lower())
    return words


def _keep_one(text: str, start: int, end: int) -> bool:
    """Whether a lone "one" counts something.

    "one" is a number only when a noun-like word follows directly ("one soldier",
    "one-year") and it is not a pronoun use: not after "no", "any", "every", "each",
    "some", "the", "this", "that", "at", ... ("no one", "the one", "at one point") and
    not before "of", a stopword, or "day", "another", "way", "thing", "hand", "else"
    ("one of the", "one day", "one another"). A text that is just "one" is 1.
    """
    if not text[:start].strip() and not text[end:].strip(" .,;:!?"):
        return True
    prev, nxt = _prev_word(text, start), _next_word(text, end)
    if prev is not None and prev.lower() in _ONE_PRONOUN_BEFORE:
        return False
    return _is_unit_word(nxt) and nxt is not None and nxt.lower() not in _ONE_IDIOM_AFTER


def _keep_second(text: str, start: int, end: int) -> bool:
    """Whether a lone "second" is the ordinal, not the unit of time.

    Not after a number ("30 second", "one second"), nor after "a", "per", "split",
    "every" unless a noun follows ("a second term" is ordinal, "wait a second" is not).
    """
    prev = _prev_word(text, start)
    if _DIGIT_BEFORE_RE.search(_before(text, start, 10)):
        return False
    if prev is None:
        return True
    if prev.lower() in _CARDINAL_WORDS:
        return False
    return prev.lower() not in _SECOND_NOT_ORDINAL_BEFORE or _is_unit_word(_next_word(text, end))


def _word_candidate(
    text: str, start: int, end: int, words: list[str], parsed: tuple[Decimal, str, Decimal]
) -> _Cand | None:
    """A parsed written number, checked for pronoun uses and given its sign and tail."""
    value, kind, scale = parsed
    if words == ["one"] and not _keep_one(text, start, end):
        return None
    if words == ["second"] and not _keep_second(text, start, end):
        return None
    cand = _Cand(start, end, value, kind, scale=scale)
    minus = _MINUS_BEFORE_RE.search(_before(text, start, 20))
    if minus:
        cand.start -= len(minus.group(0))
        cand.value = -cand.value
    tail = _TAIL_RE.match(text, end)
    if tail and kind == "number":
        cand.end = tail.end()
        multiplier, cand.kind, cand.unit = _tail_meaning(tail.group(0))
        cand.value *= multiplier
        if multiplier != 1 and cand.scale == 1:
            cand.scale = multiplier
    return cand


def _word_candidates(text: str) -> list[_Cand]:
    tokens = list(_WORD_RE.finditer(text))
    out: list[_Cand] = []
    i = 0
    while i < len(tokens):
        if tokens[i].group(0).lower() not in _STARTERS:
            i += 1
            continue
        words = _joined_words(text, tokens, i)
        parsed = _parse_words(words)
        if parsed is None:
            i += 1
            continue
        used = parsed[0]
        start, end = tokens[i].start(), tokens[i + used - 1].end()
        cand = _word_candidate(text, start, end, words[:used], parsed[1:])
        if cand is None:
            i += 1
            continue
        out.append(cand)
        i += used
    return out
