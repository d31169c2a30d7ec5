"""Quantities written with digits: numbers with scales, currencies and percent signs,
scores, race times, day-month dates, Chinese and Japanese numbers."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from briefer.quantities.context import (
    _DIGIT_BEFORE_RE,
    _GLUED_AFTER_RE,
    _GLUED_BEFORE_RE,
    _HYPHEN_WORD_BEFORE_RE,
    _WORD_RE,
    _before,
    _Cand,
    _prev_word,
)
from briefer.quantities.tables import (
    _ATTACHED_UNITS,
    _MONTH_ALT,
    _MONTH_NAMES,
    _MONTHS,
    _PENCE,
    _RESOLUTIONS,
    _SCALE_SUFFIXES,
    _SCALE_WORDS,
    _TAIL,
    _VULGAR,
    _VULGAR_CLASS,
    _words_alt,
)
from briefer.quantities.units import _tail_meaning, normalize_unit
from briefer.writing_systems import ascii_digits, cjk_dates, cjk_numbers, has_cjk


def _numeric_re(num: str) -> re.Pattern[str]:
    """Digits ``num`` with sign, currency, vulgar fraction, suffix, scale words and tail."""
    return re.compile(
        rf"""
        (?<![\w.,])
        (?P<minus>minus\s+|[-−])?
        (?P<cur>US\$|HK\$|C\$|A\$|[$£€¥₹₽])?
        (?=[0-9]|{_VULGAR_CLASS})
        (?P<num>{num})?
        (?P<frac>(?(num)[ \t]?){_VULGAR_CLASS})?
        (?![0-9]|[.,][0-9])
        (?P<suffix>[^\W\d_]+)?
        (?P<scales>(?:[ \t]+(?:{_words_alt(list(_SCALE_WORDS))})\b)*)
        (?P<tail>{_TAIL})?
        """,
        re.IGNORECASE | re.VERBOSE,
    )


_NUMERIC_RE = _numeric_re(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
# Thousands separated by a space, no-break space or thin space ("2 226", "12 000 000"):
# the first group is 1-3 digits without a leading zero, so "in 2015 300 people" is two
# numbers; each further group exactly 3 digits, all with the same separator.
_SPACED_RE = _numeric_re(
    r"[1-9][0-9]{0,2}(?P<sep>[ \u00a0\u2009\u202f])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?:\.[0-9]+)?"
)
# A score out of 5, 10, 20 or 100 ("9/10", "4.5/5"): the value is the score.
_SCORE_RE = re.compile(
    r"(?<![\w.,/:])(?P<score>[0-9]{1,3}(?:\.[0-9]+)?)/(?P<out_of>5|10|20|100)(?![\w/]|[.,:][0-9])"
)
# A race or lap time with decimal seconds ("1:35.782", "2:03:59.5"): the value in seconds.
# Without the decimals it is a clock time ("10:30"), not a quantity.
_DURATION_RE = re.compile(
    r"(?<![\w.,:/])(?:(?P<hours>[0-9]{1,2}):(?=[0-5][0-9]:))?(?P<minutes>[0-9]{1,2})"
    r":(?P<seconds>[0-5][0-9]\.[0-9]+)(?![\w:]|[.,][0-9])"
)
_DAY_MONTH_RE = re.compile(
    rf"(?<![\w.,])(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:[ \t]+of)?[ \t]+(?P<month>{_MONTH_ALT})\b"
)
_MONTH_DAY_RE = re.compile(
    rf"\b(?P<month>{_MONTH_ALT})\.?[ \t]+(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?(?![\w%]|[.,:/][0-9])"
)
# --- digits -----------------------------------------------------------------------------


def _glued(text: str, start: int, end: int) -> bool:
    """Whether digits belong to an identifier, time or fraction (F-16, 10:30, 9/11)."""
    if _GLUED_BEFORE_RE.search(_before(text, start, 2)) or _GLUED_AFTER_RE.match(text, end):
        return True
    m = _HYPHEN_WORD_BEFORE_RE.search(_before(text, start, 40))
    if m is None or m.group(1)[0].isdigit():
        return False  # "10-15", "5bn-6bn": a range; "mid-2015": a year
    return any(c.isupper() or c.isdigit() for c in m.group(1))


def _suffix_meaning(suffix: str, num: str) -> tuple[Decimal, str, str | None] | None:
    """(multiplier, kind, unit) for letters glued to digits, or None if they are no unit."""
    s = suffix.lower()
    if s in _SCALE_SUFFIXES:
        return Decimal(_SCALE_SUFFIXES[s]), "number", None
    if s in ("st", "nd", "rd", "th") and num.isdigit():
        return Decimal(1), "ordinal", None
    if s == "s" and re.fullmatch(r"1[89][0-9]0|20[0-9]0", num):
        return Decimal(1), "year", None  # a decade: "the 1990s"
    if s in ("pp", "ppt"):
        return Decimal(1), "percent", "pp"
    if s in _ATTACHED_UNITS:
        return Decimal(1), "number", normalize_unit(s)
    if s == "p" and num not in _RESOLUTIONS:
        return _PENCE, "money", "GBP"  # "175p" is 1.75 GBP; "1080p" is no quantity
    return None


def _numeric_candidate(text: str, m: re.Match[str]) -> _Cand | None:
    """A quantity written with digits, or None when the digits are not one."""
    start, minus = m.start(), m.group("minus")
    if minus in ("-", "−") and _DIGIT_BEFORE_RE.search(_before(text, start, 10)):
        start, minus = start + 1, None  # "10 -15": a range, not a negative
    if _glued(text, start, m.end("frac") if m.group("frac") else m.end("num")):
        return None
    num, frac, suffix = m.group("num") or "", m.group("frac"), m.group("suffix")
    cur, tail = m.group("cur"), m.group("tail")
    if frac and "." in num:
        return None  # "1.5½": not a number
    kind, unit, multiplier = "number", None, Decimal(1)
    if suffix:
        meaning = _suffix_meaning(suffix, num)
        if meaning is None or (cur and meaning[0] == _PENCE):
            return None  # "3D", "4x4", "£5p": not a quantity
        multiplier, kind, unit = meaning
    for word in _WORD_RE.findall(m.group("scales")):
        multiplier *= _SCALE_WORDS[word.lower()]
    if cur:
        kind, unit = "money", normalize_unit(cur)
    if tail:
        tail_multiplier, kind, unit = _tail_meaning(tail)
        multiplier *= tail_multiplier
    digits = Decimal(re.sub(r"[^0-9.]", "", num) or 0)
    if frac:
        numerator, denominator = _VULGAR[frac.strip()]
        digits += Decimal(numerator) / denominator
    value = digits * multiplier * (-1 if minus else 1)
    scale = multiplier if multiplier >= 1000 or multiplier < 1 else Decimal(1)
    year_like = (
        kind == "number"
        and not (minus or frac or suffix or m.group("scales"))
        and re.fullmatch(r"[0-9]{4}", num) is not None
        and 1800 <= int(num) <= 2100
    )
    return _Cand(start, m.end(), value, kind, unit, scale, bool(cur), year_like)


def _numeric_candidates(text: str) -> list[_Cand]:
    matches = itertools.chain(_NUMERIC_RE.finditer(text), _SPACED_RE.finditer(text))
    found = (_numeric_candidate(text, m) for m in matches)
    return [c for c in found if c is not None]


def _score_candidates(text: str) -> list[_Cand]:
    """Scores "9/10": value 9 (the score, not the ratio 0.9), kind "score", no unit.

    Not after "on" ("on 5/10" is a date) and not when the score exceeds what it is out of.
    """
    out = []
    for m in _SCORE_RE.finditer(text):
        score, out_of = Decimal(m.group("score")), Decimal(m.group("out_of"))
        if score <= out_of and (_prev_word(text, m.start()) or "").lower() != "on":
            out.append(_Cand(m.start(), m.end(), score, "score"))
    return out


def _duration_candidates(text: str) -> list[_Cand]:
    """Race times "1:35.782" (95.782 seconds), "2:03:59.5": kind "time", unit "second"."""
    out = []
    for m in _DURATION_RE.finditer(text):
        hours, minutes = int(m.group("hours") or 0), int(m.group("minutes"))
        if m.group("hours") and minutes >= 60:
            continue
        seconds = Decimal(hours * 3600 + minutes * 60) + Decimal(m.group("seconds"))
        out.append(_Cand(m.start(), m.end(), seconds, "time", "second"))
    return out


def _date_candidates(text: str) -> list[_Cand]:
    out = []
    for regex in (_DAY_MONTH_RE, _MONTH_DAY_RE):
        for m in regex.finditer(text):
            day = int(m.group("day"))
            if 1 <= day <= 31:
                month = _MONTHS[m.group("month").lower()]
                out.append(_Cand(m.start(), m.end(), Decimal(day), "date", month))
    return out


def _cjk_candidates(text: str, plain: str) -> list[_Cand]:
    """Chinese and Japanese numbers with scales ("3万", "1億2000万") and dates ("3月12日")."""
    if text.isascii() or not has_cjk(text):
        return []
    out = [
        _Cand(start, end, value, scale=scale)
        for start, end, value, scale in cjk_numbers(plain)
        if end > start  # "0億億" gives an empty span
    ]
    for start, end, month, day in cjk_dates(ascii_digits(text)):
        out.append(_Cand(start, end, Decimal(day or month), "date", _MONTH_NAMES[month - 1]))
    return out
