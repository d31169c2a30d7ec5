"""The words and symbols quantities are written with: number words, scales, fractions,
months, currency and percent wordings (data only)."""

from __future__ import annotations

import re
from decimal import Decimal

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

_YEAR_CONTEXT = frozenset(
    _w(
        "in since by until till during before after through throughout early late mid circa"
        " spring summer autumn fall winter"
    )
) | frozenset(_MONTHS)

# "one" is a pronoun, not a count, after these words or before these.
_ONE_PRONOUN_BEFORE = frozenset(
    _w("no any every each some the this that which at as little last another such")
)
_ONE_IDIOM_AFTER = frozenset({"day", "another", "way", "thing", "hand", "else"})
_SECOND_NOT_ORDINAL_BEFORE = frozenset({"a", "per", "split", "every"})


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
