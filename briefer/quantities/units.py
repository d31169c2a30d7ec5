"""Units: what a quantity counts, normalised so two spellings compare equal, and when two
values are the same number."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from itertools import islice

from briefer.quantities.tables import _ATTACHED_UNITS, _PENCE
from briefer.vocabulary import NOT_COUNTED, singular

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
    words[-1] = singular(words[-1])
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
    words_a = {singular(w) for w in na.split()}
    words_b = {singular(w) for w in nb.split()}
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


def _tail_meaning(tail: str) -> tuple[Decimal, str, str | None]:
    """(multiplier, kind, unit) of percent or currency wording after a number."""
    unit = normalize_unit(tail)
    if unit in ("%", "pp"):
        return Decimal(1), "percent", unit
    pence = " ".join(tail.lower().split()) == "pence"
    return (_PENCE if pence else Decimal(1)), "money", unit


# --- what a quantity counts -------------------------------------------------------------

_COUNTED_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*")
_GLUED_LETTERS = re.compile(r"\d([A-Za-z]+)$")
_TRAILING = ",.;:!?)]\"”’'"


def _not_counted(word: str) -> bool:
    """A stopword ("of", "said"), but not an acronym that spells one ("17 US states")."""
    return word.lower() in NOT_COUNTED and not (len(word) > 1 and word.isupper())


def _spelled_plural(word: str) -> bool:
    """Plural by its spelling alone ("leaders", "basis"; not "people", "Police"): a noun
    phrase "Kremlin soldiers" ends in such a word, a name "Northumbria Police" need not."""
    return len(word) > 3 and word.endswith("s") and not word.endswith("ss")


def counted_noun(kind: str, unit: str | None, number: str, rest: str) -> str | None:
    """What a quantity counts, as the text writes it: ``unit`` for money and percentages,
    else a unit glued to the digits or up to two plain words in ``rest`` (the text after it).

    "145 drones, mostly" -> "drones"; "70 world leaders after" -> "world leaders";
    "700,000 Kremlin soldiers have" -> "Kremlin soldiers"; "10,000 of them" -> None;
    "a 323-page report" -> "page"; "21km" -> "km"; "5mln people" -> "people".
    """
    if kind in ("money", "percent"):
        return unit
    if kind == "time":
        return "seconds"
    if kind == "score":
        return "points"
    glued_unit = _GLUED_LETTERS.search(number)
    if glued_unit and glued_unit.group(1).lower() in _ATTACHED_UNITS:  # "21km", not "5mln", "1st"
        return glued_unit.group(1)
    if rest.startswith("-"):  # "323-page", "24-year-old" (an age, in years)
        glued = _COUNTED_WORD.match(rest[1:])
        if glued is None:
            return None
        return "years" if glued.group(0).lower().startswith("year-old") else glued.group(0)
    words: list[str] = []
    for raw in islice(re.finditer(r"\S+", rest), 2):
        token = raw.group(0)
        word = token.rstrip(_TRAILING)
        if not _COUNTED_WORD.fullmatch(word) or _not_counted(word):
            break
        if words and not (_spelled_plural(word) and not _spelled_plural(words[0])):
            break  # a second word only completes "world leaders", "Kremlin soldiers"
        if not words and word[0].isupper() and word != token:
            break  # a name ("9/10 Ladival", "two Northumbria officers") counts nothing alone
        words.append(word)
        if word != token:  # punctuation ends the noun phrase
            break
    if words and words[0][0].isupper() and len(words) == 1:
        return None  # "two Northumbria officers": the name alone is not what is counted
    return " ".join(words) or None
