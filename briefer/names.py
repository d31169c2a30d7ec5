"""Names in a title or summary, and whether the article names them (``briefer.headline``).

A name is a run of capitalised words joined by spaces (titles and function words split
it). A word opening a sentence, a quote or a Title-Case title counts only when it is not a
common English word (:func:`briefer.faithfulness.is_common_word`). The article names it
when :meth:`~briefer.article_index.ArticleIndex.mentions_name` finds it, or word by word:
an acronym ("UN") spelt with dots ("U.N.") or as the initials of the article's capitalised
words ("United Nations"); a country by its nationality ("China" for "Chinese", "Syrian"
for "Syria"), a capital standing for its government ("Damascus") by its country.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from briefer.article_index import ArticleIndex
from briefer.chunking import sentence_spans
from briefer.faithfulness import is_common_word
from briefer.vocabulary import STOPWORDS, TITLES, name_tokens

__all__ = [
    "ACRONYM",
    "ACRONYM_SKIP",
    "CAPITALS",
    "NATIONALITY",
    "NOT_NAMES",
    "Word",
    "capitalised_runs",
    "is_name_word",
    "is_title",
    "is_title_case",
    "name_found",
    "names_in",
    "sentences_of",
    "words_of",
]

# A word, not inside another; inner dots only before a capital ("U.S."), apostrophes and
# hyphens inside ("O'Brien", "Kazim-Richards").
WORD = re.compile(r"(?<![\w'’.])[^\W\d_](?:[\w&'’-]|\.(?=[A-Z]))*\.?")
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")
_OPENERS = ('"', "“", "‘", "'", "(", "[", ":", ";", "—", "–")
_BREAKS = re.compile(r"[,;:.!?()\[\]\"“”‘’]|\s[-–—]\s")  # punctuation that ends a phrase
NATIONALITY = re.compile(r"[A-Z][a-z]+(?:ians?|icans?|eans?|ese|ish|is)")
ACRONYM = re.compile(r"(?:[A-Z]\.){2,}|[A-Z]{2,6}")
# Capitalised words that name nothing; weekdays and months are checked like names.
NOT_NAMES = STOPWORDS | frozenset({"the", "a", "an"})
ACRONYM_SKIP = frozenset({"of", "and", "for", "the", "de", "du", "la", "le"})


# Capitals that news writes for their governments ("Damascus accused ..."), by country.
CAPITALS = {
    capital: country
    for country, capitals in {
        "afghanistan": "kabul",
        "argentina": "buenos",
        "australia": "canberra",
        "belarus": "minsk",
        "belgium": "brussels",
        "brazil": "brasilia",
        "britain": "london",
        "canada": "ottawa",
        "china": "beijing",
        "cuba": "havana",
        "egypt": "cairo",
        "france": "paris",
        "germany": "berlin",
        "greece": "athens",
        "hungary": "budapest",
        "india": "delhi",
        "indonesia": "jakarta",
        "iran": "tehran",
        "iraq": "baghdad",
        "israel": "jerusalem",
        "italy": "rome",
        "japan": "tokyo",
        "jordan": "amman",
        "kenya": "nairobi",
        "korea": "pyongyang seoul",
        "lebanon": "beirut",
        "libya": "tripoli",
        "nigeria": "abuja",
        "pakistan": "islamabad",
        "philippines": "manila",
        "poland": "warsaw",
        "qatar": "doha",
        "russia": "moscow",
        "saudi": "riyadh",
        "spain": "madrid",
        "sudan": "khartoum",
        "syria": "damascus",
        "taiwan": "taipei",
        "thailand": "bangkok",
        "turkey": "ankara",
        "ukraine": "kyiv kiev",
        "us": "washington",
        "venezuela": "caracas",
        "vietnam": "hanoi",
    }.items()
    for capital in capitals.split()
}


@dataclass(frozen=True)
class Word:
    text: str  # without a possessive or a closing dot ("Putin's" -> "Putin")
    raw: str
    capital: bool
    opening: bool  # first of its sentence or quote: capitalised whatever it is
    joined: bool  # only spaces since the previous word
    possessive: bool
    broken_after: bool = False  # punctuation before the next word


def words_of(sentence: str) -> list[Word]:
    words: list[Word] = []
    matches = list(WORD.finditer(sentence))
    for i, match in enumerate(matches):
        previous_end = matches[i - 1].end() if i else 0
        gap = sentence[previous_end : match.start()]
        following = sentence[match.end() : matches[i + 1].start()] if i + 1 < len(matches) else "."
        raw = match.group(0)
        bare = _POSSESSIVE.sub("", raw)
        text = bare if "." in bare[:-1] else bare.rstrip(".")
        words.append(
            Word(
                text=text.rstrip("'’-"),
                raw=raw,
                capital=raw[0].isupper(),
                opening=not words or gap.rstrip(" \t").endswith(_OPENERS),
                joined=bool(words) and bool(gap) and not gap.strip(" \t"),
                possessive=bare != raw,
                broken_after=bool(_BREAKS.search(following)) or raw.endswith("."),
            )
        )
    return words


def sentences_of(text: str) -> Iterator[list[Word]]:
    for start, end in sentence_spans(text) or [(0, len(text))]:
        yield words_of(text[start:end])


def is_title_case(text: str) -> bool:
    """Every longer word capitalised: a headline in Title Case ("Putin Warns West")."""
    long = [w for w in WORD.findall(text) if len(w) >= 4 and w.lower() not in STOPWORDS]
    return len(long) >= 3 and all(w[0].isupper() for w in long)


def is_title(word: Word) -> bool:
    return word.text.lower() in TITLES or word.text.lower().split("-")[0] in TITLES


def is_name_word(word: Word, title_case: bool) -> bool:
    lower = word.text.lower()
    if ACRONYM.fullmatch(word.text):  # "US" is no pronoun
        return True
    if not word.capital or lower in NOT_NAMES or is_title(word):
        return False
    if word.opening or title_case:  # capitalised whatever it is
        return not is_common_word(lower, "o200k_base")  # the pipeline's own table
    return True


def names_in(text: str) -> list[str]:
    """The names a title or summary states: runs of capitalised words joined by spaces,
    ended by punctuation or a possessive ("Russia's Steinhoff" is two)."""
    title_case = is_title_case(text)
    names: list[str] = []
    for words in sentences_of(text):
        run: list[str] = []
        for word in words:
            if not is_name_word(word, title_case):
                names.extend([" ".join(run)] if run else [])
                run = []
                continue
            if run and not word.joined:
                names.append(" ".join(run))
                run = []
            run.append(word.text)
            if word.possessive or word.broken_after:
                names.append(" ".join(run))
                run = []
        names.extend([" ".join(run)] if run else [])
    return list(dict.fromkeys(names))


# --- names ------------------------------------------------------------------------------


def _acronym_found(acronym: str, index: ArticleIndex) -> bool:
    """ "UN" as a word of the article ("UN", "U.N.") or the initials of a run of its
    capitalised words ("United Nations")."""
    letters = acronym.replace(".", "").lower()
    undotted = re.sub(r"(?<=\b\w)\.", "", index.folded)
    if re.search(rf"\b{re.escape(letters)}\b", undotted):
        return True
    return any(
        "".join(t[0] for t in run if t not in ACRONYM_SKIP) == letters
        for run in capitalised_runs(index.text)
    )


@lru_cache(maxsize=8)
def capitalised_runs(text: str) -> tuple[tuple[str, ...], ...]:
    """The article's runs of capitalised words joined by spaces ("of", "and" inside), as
    name tokens: ("united", "nations"), ("vladimir", "putin")."""
    runs: list[list[str]] = []
    for start, end in sentence_spans(text):
        current: list[str] = []
        for word in words_of(text[start:end]):
            inside = word.text in ACRONYM_SKIP and bool(current)
            if (word.capital or inside) and (word.joined or not current):
                current.extend(name_tokens(word.text))
            else:
                runs.append(current)
                current = name_tokens(word.text) if word.capital else []
            if word.broken_after or word.possessive:
                runs.append(current)
                current = []
        runs.append(current)
    return tuple(tuple(run) for run in runs if run)


def _token_found(token: str, index: ArticleIndex) -> bool:
    if ACRONYM.fullmatch(token):
        return _acronym_found(token, index)
    if index.mentions_name(token):
        return True
    return any(_same_country(place, index) for place in _places(token))


def _places(token: str) -> list[str]:
    """The country a place word stands for: itself, or a capital's country ("Damascus")."""
    lower = token.lower()
    return [lower, *([CAPITALS[lower]] if lower in CAPITALS else [])]


def _same_country(place: str, index: ArticleIndex) -> bool:
    """A country and its nationality share a stem: "Syrian" for "Syria", "China" for
    "Chinese", "Scottish" for "Scotland"; one side must look like a nationality."""
    if place in index.name_words:
        return True
    stem = place[:4]
    if len(place) < 4:
        return False
    nationality = bool(NATIONALITY.fullmatch(place.capitalize()))
    return any(
        word.startswith(stem) and (nationality or NATIONALITY.fullmatch(word.capitalize()))
        for word in index.name_words
    )


def name_found(name: str, index: ArticleIndex) -> bool:
    """The article names it: as a whole (:meth:`ArticleIndex.mentions_name`) or word by word."""
    if index.mentions_name(name):
        return True
    return all(_token_found(token, index) for token in name.split())
