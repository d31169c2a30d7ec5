"""Names found without a parser: runs of capitalised words, as the lead baseline counts them.

The rules fallback of :mod:`briefer.nlp.actors` (no spaCy) and the eval's lead baseline
(``briefer.evals.baseline``) share them: runs of capitalised words split at ``NOT_NAMES``
(articles, pronouns, prepositions, days, months); leading titles dropped; no lone
nationality adjective ("Russian"); a word opening a sentence or a quote only when the
article writes it capitalised elsewhere and never in lower case; "Putin" counts for
"Vladimir Putin".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from briefer.vocabulary import TITLES as NAME_TITLES

NAME_CHARS = 80  # ActorDraft.name

# Capitalised words that are no actor wherever they stand.
NOT_NAMES = frozenset(
    str.split(
        """a an the this that these those he she it we they i you his her its our their there
    here but and or so yet if when while as at in on of for to from by with after before
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december"""
    )
)

# A lone nationality adjective ("Russian", "Ukrainians", "Scottish") names no actor.
_NATIONALITY = re.compile(r"[A-Z][a-z]+(?:ians?|icans?|eans?|ese|ish)")
# A word, not inside another ("iCloud" is one lower-case word); inner dots only before a
# capital ("U.S."), so "Ansa.it" is the word "Ansa." and then "it".
_WORD = re.compile(r"(?<![\w'’.])[^\W\d_](?:[\w&'’-]|\.(?=[A-Z]))*\.?")
_POSSESSIVE = re.compile(r"['’]s$")
_OPENERS = ('"', "“", "‘", "'", "(", "[", ":")  # a word after one of these opens a quote


@dataclass(frozen=True)
class _Word:
    text: str  # without a possessive or a closing dot ("Putin's" -> "Putin")
    capital: bool
    opening: bool  # first of its sentence or quote: capitalised whatever it is
    joined: bool  # only spaces since the previous word


@dataclass(frozen=True)
class CountedName:
    name: str
    count: int  # its own mentions and those of the shorter names ending with it
    first_sentence: int  # index (from 0) of the sentence that first names it
    aliases: tuple[str, ...] = ()  # the shorter names counted for it


def _clean(word: str) -> str:
    word = _POSSESSIVE.sub("", word).rstrip("'’-")
    return word if "." in word[:-1] else word.rstrip(".")  # "U.S." keeps its dot


def sentence_words(sentence: str) -> list[_Word]:
    words: list[_Word] = []
    previous_end = 0
    for match in _WORD.finditer(sentence):
        gap = sentence[previous_end : match.start()]
        opening = not words or gap.rstrip(" \t").endswith(_OPENERS)
        joined = bool(words) and bool(gap) and not gap.strip(" \t")
        words.append(_Word(_clean(match.group(0)), match.group(0)[0].isupper(), opening, joined))
        previous_end = match.end()
    return words


def _is_name_word(word: _Word, common: set[str], named: set[str]) -> bool:
    if not word.capital or word.text.lower() in NOT_NAMES:
        return False
    if word.opening:  # capitalised whatever it is: a name only if written so elsewhere
        return word.text in named and word.text.lower() not in common
    return True


def _as_name(run: list[str]) -> str | None:
    while run and run[0].lower().split("-")[0].rstrip(".") in NAME_TITLES:
        run = run[1:]  # "President-elect Donald Trump" counts as "Donald Trump"
    if not run or (len(run) == 1 and _NATIONALITY.fullmatch(run[0])):
        return None
    name = " ".join(run)
    return name if len(name) <= NAME_CHARS else None


def name_runs(words: list[_Word], common: set[str], named: set[str]) -> list[str]:
    """The names in one sentence: runs of capitalised words joined by spaces.

    A run is split at ``NOT_NAMES`` words; its leading titles are dropped, and a lone
    nationality adjective is no name. A word opening the sentence or a quote counts only
    when the article also writes it capitalised elsewhere (``named``) and never in lower
    case (``common``): not "Almost", "Critics" or "Biologists".
    """
    runs: list[list[str]] = []
    open_run = False
    for word in words:
        if not _is_name_word(word, common, named):
            open_run = False
            continue
        if open_run and word.joined:
            runs[-1].append(word.text)
        else:
            runs.append([word.text])
        open_run = True
    return [name for run in runs if (name := _as_name(run)) is not None]


def counted_names(sentences: Sequence[str]) -> list[CountedName]:
    """The names of the sentences, most frequent first; a name's counts go to the most
    frequent longer name ending with it ("Putin" to "Vladimir Putin"); ties go to the
    name seen first."""
    words = [sentence_words(s) for s in sentences]
    common = {w.text.lower() for ws in words for w in ws if not w.capital}
    named = {w.text for ws in words for w in ws if w.capital and not w.opening}
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    first_sentence: dict[str, int] = {}
    for index, sentence in enumerate(words):
        for name in name_runs(sentence, common, named):
            counts[name] += 1
            first_seen.setdefault(name, len(first_seen))
            first_sentence.setdefault(name, index)
    merged: Counter[str] = Counter()
    owners: dict[str, list[str]] = {}
    for name, count in counts.items():
        longer = [n for n in counts if n.endswith(" " + name)]
        owner = max(longer, key=lambda n: (counts[n], -first_seen[n])) if longer else name
        merged[owner] += count
        owners.setdefault(owner, []).append(name)
    ranked = sorted(merged, key=lambda n: (-merged[n], first_seen[n]))
    return [
        CountedName(
            name,
            merged[name],
            min(first_sentence[n] for n in owners[name]),
            tuple(n for n in owners[name] if n != name),
        )
        for name in ranked
    ]
