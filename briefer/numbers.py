"""Quantities in news text: find them, parse them, compare them.

Used by grounding (is the number a model reported really in the article, with the right
value and what it counts?) and by the eval metrics (matching ``(value, unit)`` pairs of a
model brief against a gold brief). Pure functions over the standard library.

What is recognised (see :func:`find_quantities` for the exact rules):

* digits with thousands separators and decimals: ``700,000``, ``1,234.5``, ``2 226``
  (a space, no-break or thin space before exactly three digits; see ``_SPACED_RE``);
  vulgar fractions ``11½``, ``¾``;
* scale words and suffixes: ``50 thousand``, ``1.2 million``, ``3bn``, ``5k``, ``$1.2m``,
  ``£446million``;
* written-out numbers: ``seventy``, ``twenty-five``, ``one hundred and forty-five``,
  ``a dozen``, ``half a million``, ``two and a half million``, ``two-thirds``;
* percentages (``12.5%``, ``12.5 per cent``; ``percentage points`` -> unit ``pp``),
  money (``£3bn``, ``US$40``, ``40 dollars``, ``€5 billion``; pence in pounds: ``175p``
  and ``175 pence`` are 1.75 GBP), negatives (``-3``,
  ``−3``, ``minus 3``), years (``in 2015``, ``the 1990s``), ordinals (``21st``,
  ``second``), day-month dates (``12 March``, ``March 12th``), scores (``9/10`` -> 9)
  and race times (``1:35.782`` -> 95.782 seconds); written fractions include
  ``four-hundredths`` (0.04) and ``seven thousandths`` (0.007).

Values are computed with :class:`decimal.Decimal`, so ``4.1m`` is exactly ``4100000.0``.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from briefer.writing_systems import ascii_digits, cjk_dates, cjk_numbers, has_cjk, parsable

__all__ = [
    "Quantity",
    "find_quantities",
    "normalize_unit",
    "parse_number",
    "same_value",
    "units_compatible",
]


@dataclass(frozen=True)
class Quantity:
    """One quantity found in a text.

    ``value`` is the plain value (``"50 thousand"`` -> 50000.0, ``"12.5%"`` -> 12.5);
    ``unit`` is normalised (:func:`normalize_unit`): ``"%"``, ``"pp"``, a currency code
    such as ``"USD"``, the month of a date, or the word right after the number
    (``"145 drones"`` -> ``"drone"``), else None. ``text`` is the exact source span, so
    ``source[start:end] == text``. ``kind`` is one of ``"number"``, ``"percent"``,
    ``"money"``, ``"year"``, ``"ordinal"``, ``"date"``, ``"score"`` (``"9/10"``: value 9,
    no unit) and ``"time"`` (``"1:35.782"``: value 95.782, unit ``"second"``).
    """

    value: float
    unit: str | None
    text: str
    start: int
    end: int
    kind: str


# --- vocabulary -------------------------------------------------------------------------


def _w(words: str) -> list[str]:
    """Split a space-separated word list (keeps the tables below short)."""
    return words.split()


_ONES = {
    word: i
    for i, word in enumerate(
        _w(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen"
            " fourteen fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {
    word: 10 * i
    for i, word in enumerate(_w("twenty thirty forty fifty sixty seventy eighty ninety"), 2)
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_ORD_ONES = {
    word: i
    for i, word in enumerate(
        _w(
            "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
            " thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
        ),
        1,
    )
}
_ORD_TENS = {
    word: 10 * i
    for i, word in enumerate(
        _w("twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth"), 2
    )
}
_ORD_SCALES = {"hundredth": 100, "thousandth": 10**3, "millionth": 10**6, "billionth": 10**9}
_FRACTIONS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fourth": 4,
    "fourths": 4,
    "fifth": 5,
    "fifths": 5,
    "sixth": 6,
    "sixths": 6,
    "seventh": 7,
    "sevenths": 7,
    "eighth": 8,
    "eighths": 8,
    "ninth": 9,
    "ninths": 9,
    "tenth": 10,
    "tenths": 10,
    "hundredth": 100,  # "one hundredth", "a hundredth of"; a lone "hundredth" is ordinal
    "hundredths": 100,
    "thousandth": 1000,
    "thousandths": 1000,
    "millionth": 10**6,
    "millionths": 10**6,
}
_CARDINAL_WORDS = frozenset(_ONES) | frozenset(_TENS) | frozenset(_SCALES) | {"hundred", "dozen"}
_NUMBER_WORDS = (
    _CARDINAL_WORDS | frozenset(_ORD_ONES) | frozenset(_ORD_TENS) | frozenset(_ORD_SCALES)
)
# Words that may open a written number ("a"/"an"/"half" only before a scale word).
_STARTERS = (
    frozenset(_ONES)
    | frozenset(_TENS)
    | frozenset(_ORD_ONES)
    | frozenset(_ORD_TENS)
    | frozenset(_ORD_SCALES)
    | {"a", "an", "half"}
)
_AFTER_A = frozenset(_SCALES) | {"hundred", "dozen"}

# Multipliers after digits, as a separate word ("1.2 million") or attached ("3bn").
_SCALE_WORDS = {"hundred": 100, "dozen": 12, **_SCALES, "mn": 10**6, "mln": 10**6}
_SCALE_WORDS |= {"bn": 10**9, "bln": 10**9, "tn": 10**12, "trn": 10**12}
_SCALE_SUFFIXES = {"k": 10**3, "m": 10**6, "mn": 10**6, "mln": 10**6, "b": 10**9, "bn": 10**9}
_SCALE_SUFFIXES |= {"bln": 10**9, "tn": 10**12, "trn": 10**12}
_SCALE_SUFFIXES |= _SCALES  # "£446million", "£50billion"
# Pence: "175p" and "175 pence" are money in pounds (1.75 GBP). Not after these video
# resolutions ("1080p").
_PENCE = Decimal("0.01")
_RESOLUTIONS = frozenset(_w("144 240 360 480 576 720 1080 1440 2160 4320"))
# Vulgar fractions, alone or after whole digits ("11½" -> 11.5).
_VULGAR = {
    "½": (1, 2),
    "⅓": (1, 3),
    "⅔": (2, 3),
    "¼": (1, 4),
    "¾": (3, 4),
    "⅕": (1, 5),
    "⅖": (2, 5),
    "⅗": (3, 5),
    "⅘": (4, 5),
    "⅙": (1, 6),
    "⅚": (5, 6),
    "⅛": (1, 8),
    "⅜": (3, 8),
    "⅝": (5, 8),
    "⅞": (7, 8),
}
_VULGAR_CLASS = "[" + "".join(_VULGAR) + "]"
# Measurement units written straight after digits ("7.62mm", "5km").
_ATTACHED_UNITS = frozenset(
    _w("km kg mm cm mph kph kmh ft mi lb lbs kw mw gw kwh mwh gwh ml bp bps h hr hrs min mins c f")
)

_MONTHS = {
    name: name
    for name in _w(
        "january february march april may june july august september october november december"
    )
}
_MONTHS |= {full[:3]: full for full in list(_MONTHS)} | {"sept": "september"}
_MONTH_NAMES = list(_MONTHS)[:12]  # january ... december, for dates given as numbers
_MONTH_ALT = "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))

_STOPWORDS = frozenset(
    _w("""a an the and or but nor of in on at to for from by with without as into onto over
    under about above below after before since until till during through throughout
    between among amid against across around near via per than then so if when while
    where whether that this these those which who whom whose what how why it its they
    them their he him his she her we us our you your i me my is are was were be been
    being am has have had having do does did will would shall should can could may might
    must not no yes also only just even still yet more most less least very too all any
    each every some such other another both either neither few many much several own
    same again further once here there up down out off""")
)
_YEAR_CONTEXT = frozenset(
    _w(
        "in since by until till during before after through throughout early late mid circa"
        " spring summer autumn fall winter"
    )
) | frozenset(_MONTHS)
_PLURAL_INVARIANTS = frozenset({"people", "police", "personnel", "cattle"})

# "one" is a pronoun, not a count, after these words or before these.
_ONE_PRONOUN_BEFORE = frozenset(
    _w("no any every each some the this that which at as little last another such")
)
_ONE_IDIOM_AFTER = frozenset({"day", "another", "way", "thing", "hand", "else"})
_SECOND_NOT_ORDINAL_BEFORE = frozenset({"a", "per", "split", "every"})

# --- units ------------------------------------------------------------------------------

_UNIT_ALIASES: dict[str, str] = {}


def _alias(target: str, *names: str) -> None:
    for name in names:
        _UNIT_ALIASES[name] = target


_alias("%", "%", "percent", "per cent", "per-cent", "pct", "percentage")
_alias("pp", "pp", "ppt", "ppts", "percentage point", "percentage points")
_alias("USD", "$", "us$", "usd", "dollar", "dollars", "us dollar", "us dollars")
_alias("USD", "u.s. dollar", "u.s. dollars")
_alias("GBP", "£", "gbp", "pound", "pounds", "pound sterling", "pounds sterling", "sterling")
_alias("GBP", "pence", "penny", "pennies")  # values in pence are given in pounds
_alias("EUR", "€", "eur", "euro", "euros")
_alias("JPY", "¥", "jpy", "yen")
_alias("INR", "₹", "inr", "rupee", "rupees")
_alias("RUB", "₽", "rub", "rouble", "roubles", "ruble", "rubles")
_alias("CNY", "cny", "yuan", "renminbi")
_alias("UAH", "uah", "hryvnia", "hryvnias")
_alias("CAD", "c$", "cad")
_alias("AUD", "a$", "aud")
_alias("HKD", "hk$", "hkd")
_CURRENCIES = frozenset(v for v in _UNIT_ALIASES.values() if v not in ("%", "pp"))
# Units of measure, so "metres" and "m" compare equal (added after the currencies).
_alias("m", "m", "metre", "metres", "meter", "meters")
_alias("km", "km", "kilometre", "kilometres", "kilometer", "kilometers")
_alias("cm", "cm", "centimetre", "centimetres", "centimeter", "centimeters")
_alias("kg", "kg", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes")
_alias("year", "year-old", "years-old", "year old", "years old")
_SPECIAL_UNITS = _CURRENCIES | {"%", "pp"}

_IRREGULAR = {
    "men": "man",
    "women": "woman",
    "children": "child",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
    "lives": "life",
    "wives": "wife",
    "knives": "knife",
    "halves": "half",
    "wolves": "wolf",
    "thieves": "thief",
    "leaves": "leaf",
}
_INVARIANT = frozenset(
    _w(
        "people police news series species means sheep deer fish aircraft staff personnel data"
        " media gas chaos headquarters crossroads cattle"
    )
)
_SINGULAR_MEN = frozenset({"omen", "specimen", "abdomen", "regimen", "semen", "stamen", "acumen"})


def _singular(word: str) -> str:
    """A simple English singulariser for counted nouns (lower-cased)."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if w in _INVARIANT or len(w) <= 3:
        return w
    if w.endswith("men") and w not in _SINGULAR_MEN:
        return w[:-3] + "man"
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return w[:-2]
    if w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("s"):
        return w[:-1]
    return w


def normalize_unit(unit: str | None) -> str | None:
    """Normalise a unit so two spellings of it compare equal.

    Lower-cases, strips surrounding spaces and punctuation, collapses inner spaces, then
    maps percent wordings to ``"%"``, percentage points to ``"pp"``, currency symbols,
    words and codes to ISO codes (``"USD"``, ``"GBP"``, ``"EUR"``, ...), and otherwise
    singularises the last word (``"Russian soldiers"`` -> ``"russian soldier"``).
    Empty or None gives None.
    """
    if unit is None:
        return None
    text = " ".join(unit.lower().split()).strip(" .,;:!?\"'()[]")
    if not text:
        return None
    if text in _UNIT_ALIASES:
        return _UNIT_ALIASES[text]
    words = text.split(" ")
    words[-1] = _singular(words[-1])
    return " ".join(words)


def units_compatible(a: str | None, b: str | None) -> bool:
    """Whether two units may describe the same quantity.

    After :func:`normalize_unit`: compatible when either is None, when equal, when one's
    words are a subset of the other's (``"soldier"`` / ``"russian soldier"``) or when the
    head (last) noun is the same (``"russian soldier"`` / ``"ukrainian soldier"``).
    Currencies, ``"%"`` and ``"pp"`` only match themselves.
    """
    na, nb = normalize_unit(a), normalize_unit(b)
    if na is None or nb is None or na == nb:
        return True
    if na in _SPECIAL_UNITS or nb in _SPECIAL_UNITS:
        return False
    words_a = {_singular(w) for w in na.split()}
    words_b = {_singular(w) for w in nb.split()}
    if words_a <= words_b or words_b <= words_a:
        return True
    return na.split()[-1] == nb.split()[-1]


def same_value(a: float, b: float, rel_tol: float = 0.005) -> bool:
    """Whether two values are the same number.

    Integers below 10,000 in magnitude (counts, years) must be equal exactly; other values
    may differ by ``rel_tol`` of the larger (so ``1.2bn`` matches ``1,203m``).
    """
    if a == b:
        return True
    if _small_int(a) and _small_int(b):
        return False
    return math.isclose(a, b, rel_tol=rel_tol)


def _small_int(x: float) -> bool:
    return math.isfinite(x) and x == int(x) and abs(x) < 10_000


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


def _words_alt(words: list[str]) -> str:
    """A regex alternation of phrases, longest first, any run of spaces between words."""
    phrases = sorted(words, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split(" "))) for p in phrases)


_TAIL_WORDS = [
    "per cent",
    "per-cent",
    "percent",
    "pct",
    "percentage points",
    "percentage point",
    "us dollars",
    "us dollar",
    "u.s. dollars",
    "u.s. dollar",
    "dollars",
    "dollar",
    "pounds sterling",
    "pound sterling",
    "pounds",
    "pound",
    "sterling",
    "euros",
    "euro",
    "usd",
    "gbp",
    "eur",
    "yen",
    "roubles",
    "rouble",
    "rubles",
    "ruble",
    "rupees",
    "rupee",
    "yuan",
    "hryvnias",
    "hryvnia",
    "pence",
]
_TAIL = rf"[ \t]?%|[ \t]+(?:{_words_alt(_TAIL_WORDS)})\b"
_TAIL_RE = re.compile(_TAIL, re.IGNORECASE)


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
    return w not in _STOPWORDS and w not in _CARDINAL_WORDS and w not in _SCALE_WORDS


def _looks_plural(word: str) -> bool:
    w = word.lower()
    return w in _PLURAL_INVARIANTS or _singular(w) != w


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


def _tail_meaning(tail: str) -> tuple[Decimal, str, str | None]:
    """(multiplier, kind, unit) of percent or currency wording after a number."""
    unit = normalize_unit(tail)
    if unit in ("%", "pp"):
        return Decimal(1), "percent", unit
    pence = " ".join(tail.lower().split()) == "pence"
    return (_PENCE if pence else Decimal(1)), "money", unit


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
    out = [_Cand(start, end, value, scale=scale) for start, end, value, scale in cjk_numbers(plain)]
    for start, end, month, day in cjk_dates(ascii_digits(text)):
        out.append(_Cand(start, end, Decimal(day or month), "date", _MONTH_NAMES[month - 1]))
    return out


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
    return not (_is_unit_word(nxt) and nxt is not None and _looks_plural(nxt))


def _settle(text: str, cand: _Cand) -> None:
    """Give a candidate its counted-noun unit, and decide whether it is a year."""
    if cand.kind in ("number", "ordinal") and cand.unit is None:
        word = _next_word(text, cand.end)
        if _is_unit_word(word):
            cand.unit = normalize_unit(word)
    if cand.year_like and _is_year(text, cand):
        cand.kind, cand.unit = "year", None


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
            a.kind = b.kind
    if hyphen and b.kind == "number" and a.kind in ("money", "percent"):
        b.kind, b.unit = a.kind, a.unit


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text``, left to right, non-overlapping, with exact offsets.

    Rules, in short:

    * ``text`` of a quantity covers the number with its scale, currency and percent
      wording (``"£1.2bn"``, ``"12.5 per cent"``, ``"50 thousand"``) but not the counted
      noun; ``unit`` is then the next word if it directly follows (one space or a hyphen)
      and is not a stopword or number word, singularised (``"145 drones"`` -> ``"drone"``,
      ``"24-hour"`` -> ``"hour"``).
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
        Quantity(float(c.value), c.unit, text[c.start : c.end], c.start, c.end, c.kind)
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
