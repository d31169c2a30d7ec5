"""``find_quantities``: every quantity of a text, from the digit and word parsers, with
years, counted nouns and ranges settled."""

from __future__ import annotations

import itertools

from briefer.quantities.context import (
    _AND_GAP_RE,
    _HYPHEN_GAP_RE,
    _WORD_GAP_RE,
    Quantity,
    _Cand,
    _is_unit_word,
    _next_word,
    _prev_word,
)
from briefer.quantities.digits import (
    _cjk_candidates,
    _date_candidates,
    _duration_candidates,
    _numeric_candidates,
    _score_candidates,
)
from briefer.quantities.tables import _YEAR_CONTEXT
from briefer.quantities.units import counted_noun, normalize_unit
from briefer.quantities.words import _word_candidates
from briefer.vocabulary import looks_plural
from briefer.writing_systems import parsable

# --- assembling -------------------------------------------------------------------------


def _resolve_overlaps(cands: list[_Cand]) -> list[_Cand]:
    """Left to right, the longest candidate at each start, none overlapping."""
    chosen: list[_Cand] = []
    for cand in sorted(cands, key=lambda c: (c.start, -c.end)):
        if not chosen or cand.start >= chosen[-1].end:
            chosen.append(cand)
    return chosen


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?\n\"“‘'("


def _is_year(text: str, cand: _Cand) -> bool:
    """A bare 1800-2100 is a year unless a plural noun follows ("2000 people").

    Even then it is a year after "in", "since", "by", "until", a month, ..., or at the
    start of a sentence ("In 2015 profits rose", "2015 marks ..."): news style writes
    counts of a thousand or more with a comma.
    """
    prev = _prev_word(text, cand.start)
    if prev is not None and prev.lower() in _YEAR_CONTEXT:
        return True
    if _at_sentence_start(text, cand.start):
        return True
    nxt = _next_word(text, cand.end)
    return not (_is_unit_word(nxt) and nxt is not None and looks_plural(nxt))


def _settle(text: str, cand: _Cand) -> None:
    """Say what a candidate counts, and decide whether it is a year."""
    if cand.year_like and _is_year(text, cand):
        cand.kind, cand.unit = "year", None
        return
    if cand.kind == "date":
        return
    cand.counts = counted_noun(cand.kind, cand.unit, text[cand.start : cand.end], text[cand.end :])
    if cand.kind in ("number", "ordinal") and cand.unit is None:
        cand.unit = normalize_unit(cand.counts)


def _link_ranges(text: str, cands: list[_Cand]) -> None:
    """Share scale, currency, percent and unit across ranges.

    "10-15%", "$10-15m", "2 to 3 million people", "between 10 and 15 soldiers": the first
    number takes what only the second states; with a hyphen, a bare second number also
    takes the first's currency or percent sign.
    """
    for a, b in itertools.pairwise(cands):
        gap = text[a.end : b.start]
        hyphen = _HYPHEN_GAP_RE.fullmatch(gap) is not None
        between = _AND_GAP_RE.fullmatch(gap) is not None and (
            (_prev_word(text, a.start) or "").lower() == "between"
        )
        if hyphen or between or _WORD_GAP_RE.fullmatch(gap):
            _inherit(a, b, hyphen)


def _inherit(a: _Cand, b: _Cand, hyphen: bool) -> None:
    if a.kind not in ("number", "money") or b.kind not in ("number", "money", "percent"):
        return
    b_raw = b.value / b.scale
    scales_up = b.scale > 1 or a.kind == "number"  # pence: "10-15p", not "£1-50p"
    shares_scale = a.scale == 1 and b.scale != 1 and not b.prefixed and b.kind != "percent"
    if shares_scale and scales_up and a.value <= b_raw:
        a.value *= b.scale
        a.scale = b.scale
    if a.kind == "number" and a.unit is None:
        a.unit = b.unit
        if b.kind in ("money", "percent"):
            a.kind, a.counts = b.kind, b.unit  # a sum or share counts its currency or %
    if hyphen and b.kind == "number" and a.kind in ("money", "percent"):
        b.kind, b.unit, b.counts = a.kind, a.unit, a.unit


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text``, left to right, non-overlapping, with exact offsets.

    Rules, in short:

    * ``text`` of a quantity covers the number with its scale, currency and percent
      wording (``"£1.2bn"``, ``"12.5 per cent"``, ``"50 thousand"``) but not the counted
      noun; ``counts`` is then that noun as written (up to two words right after it, not
      a stopword: ``"145 drones"`` -> ``"drones"``, ``"700,000 Kremlin soldiers"`` ->
      ``"Kremlin soldiers"``, ``"24-hour"`` -> ``"hour"``; see ``counted_noun``) and
      ``unit`` its normalised form (``"drone"``, ``"kremlin soldier"``).
    * Ranges give two quantities: ``"10-15"``, ``"10 to 15"``, ``"between 10 and 15"``;
      the first shares what only the second states (``"10-15%"`` is two percents,
      ``"2 to 3 million"`` is 2,000,000 and 3,000,000).
    * ``kind``: ``"year"`` for a bare 1800-2100 (see ``_is_year``) or a decade
      (``"1990s"``); ``"ordinal"`` for ``"21st"``, ``"second"``, ``"twenty-first"``;
      ``"date"`` for ``"12 March"``, ``"March 12th"`` (value: the day; unit: the month);
      ``"money"``, ``"percent"``; else ``"number"``.
    * Lone ``"one"`` is skipped when it is a pronoun (``"one of the"``, ``"no one"``,
      ``"one day"``; see ``_keep_one``); ``"a"``/``"an"`` count only before a scale word
      (``"a million"``, ``"a dozen"``).
    * Digits glued to letters or other digits are skipped: ``"F-16"``, ``"COVID-19"``,
      ``"G7"``, ``"3D"``, ``"10:30"``, ``"9/11"``, ``"1080p"``; except scores out of 5,
      10, 20 or 100 (``"9/10"``: kind ``"score"``, value 9 -- the score, not the ratio
      0.9) and times with decimal seconds (``"1:35.782"``: kind ``"time"``, 95.782
      seconds); a clock time without decimals (``"10:30"``) stays skipped.
    * Pence are money in pounds: ``"175p"``, ``"175 pence"`` -> 1.75, unit ``"GBP"``.
    * Digits grouped by a space (``"2 226"``) are one number only when the first group
      has 1-3 digits and no leading zero and every further group exactly 3, so
      ``"in 2015 300 people"`` stays a year and a count.
    """
    plain = parsable(text)  # other scripts' digits as ASCII, same offsets
    cands = _resolve_overlaps(
        _numeric_candidates(plain)
        + _date_candidates(plain)
        + _word_candidates(plain)
        + _score_candidates(plain)
        + _duration_candidates(plain)
        + _cjk_candidates(text, plain)
    )
    for cand in cands:
        _settle(plain, cand)
    _link_ranges(plain, cands)
    return [
        Quantity(float(c.value), c.unit, text[c.start : c.end], c.start, c.end, c.kind, c.counts)
        for c in cands
    ]


def parse_number(text: str) -> float | None:
    """The value of the one number expression in ``text``, or None.

    Handles everything :func:`find_quantities` finds (``"700,000"``, ``"$1.2m"``,
    ``"half a million"``, ``"one hundred and forty-five"``, ``"12.5 per cent"``,
    ``"minus 3"``, ...). Words around the number are tolerated (``"about 70 world
    leaders"`` -> 70.0); None when the text holds no quantity or more than one
    (``"10-15"``, ``"12 March 2015"``).
    """
    found = find_quantities(text)
    return found[0].value if len(found) == 1 else None
