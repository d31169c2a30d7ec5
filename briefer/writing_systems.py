"""What briefer's English-first parsers need to know of other writing systems.

The quantity parser (``briefer.quantities``) and the sentence splitter (``chunking``) were
written for English. This module lets them read other scripts without changing what they
do with it:

* :func:`parsable` gives a copy of a text *of the same length* that the quantity parser
  reads: every decimal digit (full-width ``１２３``, Arabic-Indic ``٣٤٥`` and ``۳۴۵``,
  Devanagari, Thai, ...) is the ASCII one, the Arabic decimal and thousands separators and
  the Arabic and full-width percent signs are ASCII, and each Chinese, Japanese or Korean
  character is a NUL. Those scripts put no space between a number and what follows it
  ("１２３人が"), so each of their characters must end a number as a space would (without
  being read as a word after it). The CJK scale characters ``千 万 億 兆`` after a digit
  stay, so ``3万`` is 30,000 (see ``quantities.digits``). Offsets are unchanged: the parser's spans
  index the article's own text, which is what a brief quotes.
* :data:`SENTENCE_STOPS` and :data:`SENTENCE_STARTS` extend the splitter's ends of
  sentences beyond ``. ! ?`` before a capital.
* :func:`script_words` gives the words grounding compares in scripts other than Latin.
* :func:`dominant_script` names the script most letters of a text are in.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from decimal import Decimal

# Ends of sentences that need no space or capital after them: CJK 。！？, the Indic danda
# । ॥, Arabic ؟, Urdu ۔, Armenian ։, Ethiopic ።, Myanmar ။, Khmer ។. (Not the full-width
# ．, which is also a decimal point in full-width digits.)
SENTENCE_STOPS = "。！？।॥؟۔։።။។"
# Closing quotes and brackets that stay with the sentence they end (escaped for a regex
# character class).
SENTENCE_CLOSERS = "\"'”’)\\]」』）〕】〉》"
# What may open a sentence after ". " besides an ASCII capital or digit: Latin-1, Greek,
# Cyrillic, Armenian capitals, and letters of scripts without case (Hebrew, Arabic, Indic,
# Thai, Lao, Georgian, Hangul, kana, CJK ideographs), and full-width digits.
SENTENCE_STARTS = (
    "A-Z0-9\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0400-\u042f\u0531-\u0556"
    "\u05d0-\u05ea\u0620-\u064a\u0660-\u0669\u066e-\u06d3\u06f0-\u06ff\u0900-\u0dff"
    "\u0e01-\u0e4f\u0e81-\u0ecf\u10d0-\u10ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uff10-\uff19"
)
# Letters of Thai and Lao, which end sentences with a space, not a mark.
SPACE_SEPARATED = "\u0e01-\u0e4f\u0e81-\u0ecf"
# Chinese, Japanese and Korean characters: no space between words, or none between a
# number and its counter.
CJK = (
    "\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)
CJK_SCALES = {"千": 10**3, "万": 10**4, "萬": 10**4, "億": 10**8, "亿": 10**8, "兆": 10**12}
# Korean scale syllables are also parts of words ("조각", a piece), so a number before one
# is left unread (kept glued to it) rather than read wrong: "3만" is not 3.
_KOREAN_SCALES = "천만억조"

_ASCII_DIGITS = frozenset("0123456789")
_SEPARATORS = {"٫": ".", "٬": ",", "٪": "%", "％": "%"}
_CJK_CHAR = re.compile(f"[{CJK}]")
# What ``parsable`` changes: a decimal digit that is not ASCII (``\d`` is any), a separator
# or sign of ``_SEPARATORS``, a CJK character.
_FOREIGN = re.compile(rf"[^\x00-\x7f](?<=\d|[٫٬٪％{CJK}])")
_LETTERS = re.compile(r"[^\W\d_]+")
_NON_ASCII_LETTER = re.compile(r"(?![a-zA-Z])[^\W\d_]")


class _AsciiDigits(dict[int, int | str]):
    """A ``str.translate`` table of every decimal digit to ASCII, filled as chars are met."""

    def __missing__(self, code: int) -> int | str:
        char = chr(code)
        digit = unicodedata.decimal(char, None)
        mapped: int | str = _SEPARATORS.get(char, code)
        if digit is not None and not char.isascii():
            mapped = str(digit)
        self[code] = mapped
        return mapped


_TO_ASCII = _AsciiDigits()


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit ASCII, and Arabic separators and percent signs too."""
    return text if text.isascii() else text.translate(_TO_ASCII)


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a Chinese, Japanese or Korean character."""
    return _CJK_CHAR.search(text) is not None


def parsable(text: str) -> str:
    """The copy of ``text`` the quantity parser reads (same length; see the module doc)."""
    if text.isascii() or not _FOREIGN.search(text):  # English, curly quotes or not
        return text
    digits = ascii_digits(text)
    if not _CJK_CHAR.search(digits):
        return digits
    return _CJK_CHAR.sub(_boundary, digits)


def _boundary(match: re.Match[str]) -> str:
    """A NUL for a CJK character, except a scale right after a digit (or after a scale)."""
    char, start = match.group(0), match.start()
    before = match.string[start - 1] if start else "\0"
    after_digit = before in _ASCII_DIGITS
    if (char in CJK_SCALES and (after_digit or before in CJK_SCALES)) or (
        char in _KOREAN_SCALES and after_digit
    ):
        return char
    return "\0"


def script_words(text: str) -> set[str]:
    """Words of ``text`` written wholly outside ASCII: CJK runs as character pairs.

    Letters and the marks that go with them (the vowel signs of Devanagari, ...) make a
    word; a word with any ASCII letter is left to the English rules. Chinese and Japanese
    write no spaces, so a run of CJK characters gives its overlapping pairs ("日本語" gives
    "日本", "本語"): two spans about the same thing share some of them.
    """
    if text.isascii() or not _NON_ASCII_LETTER.search(text):
        return set()
    words: set[str] = set()
    for word in _words(text):
        if any(c.isascii() for c in word):
            continue
        if _CJK_CHAR.match(word):
            words.update(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        elif len(word) >= 2:
            words.add(word)
    return words


def _words(text: str) -> list[str]:
    """Runs of letters and marks, a CJK run cut from a run of other letters."""
    words: list[str] = []
    current: list[str] = []
    cjk = False
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "L" or (category[0] == "M" and current):
            is_cjk = _CJK_CHAR.match(char) is not None
            if current and is_cjk != cjk:
                words.append("".join(current))
                current = []
            current.append(char)
            cjk = is_cjk
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def dominant_script(text: str) -> str:
    """The script most letters of ``text`` are in, as Unicode names it ("Latin", "Tibetan")."""
    counts = Counter(
        unicodedata.name(char, "UNKNOWN").split()[0]
        for match in _LETTERS.finditer(text[:20_000])
        for char in match.group(0)
    )
    if not counts:
        return "Latin"
    name = counts.most_common(1)[0][0]
    return name if name == "CJK" else name.capitalize()


_CJK_DIGITS = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_CJK_SCALE_CLASS = "".join(CJK_SCALES)
_CJK_NUMBER = re.compile(
    rf"(?<![\w.,])(?:{_CJK_DIGITS}[{_CJK_SCALE_CLASS}]+)+(?P<rest>[0-9]+(?![0-9.,]))?"
)
_CJK_PART = re.compile(rf"({_CJK_DIGITS})([{_CJK_SCALE_CLASS}]+)")
_CJK_DATE = re.compile(
    r"(?<![0-9.,])(?P<month>[0-9]{1,2})[月월][ \t]?(?:(?P<day>[0-9]{1,2})[日일](?![0-9]))?"
)


def cjk_numbers(plain: str) -> list[tuple[int, int, Decimal, Decimal]]:
    """Numbers with CJK scales in :func:`parsable` text: (start, end, value, scale).

    ``3万`` is 30,000; ``1億2000万`` 120,000,000; ``2万3千`` 23,000; ``1万5000`` 15,000. The
    scales must fall from part to part; the number ends where they do not.
    """
    found: list[tuple[int, int, Decimal, Decimal]] = []
    for match in _CJK_NUMBER.finditer(plain):
        words = match.group(0)
        value, used, last = Decimal(0), 0, Decimal(10**16)
        for part in _CJK_PART.finditer(words):
            multiplier = math.prod(CJK_SCALES[scale] for scale in part.group(2))
            if part.start() != used or multiplier >= last:
                break
            value += Decimal(part.group(1).replace(",", "")) * multiplier
            used, last = part.end(), Decimal(multiplier)
        rest = words[used:]
        if rest.isdigit() and Decimal(rest) < last:
            value, used = value + Decimal(rest), len(words)
        found.append((match.start(), match.start() + used, value, last))
    return found


def cjk_dates(digits: str) -> list[tuple[int, int, int, int | None]]:
    """Dates "3月12日" and "3월 12일" in :func:`ascii_digits` text: (start, end, month, day)."""
    found: list[tuple[int, int, int, int | None]] = []
    for match in _CJK_DATE.finditer(digits):
        month = int(match.group("month"))
        day = int(match.group("day")) if match.group("day") else None
        if 1 <= month <= 12 and (day is None or 1 <= day <= 31):
            found.append((match.start(), match.end(), month, day))
    return found
