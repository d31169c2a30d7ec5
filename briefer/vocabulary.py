"""The English text vocabulary every stage and the evals share: one home per idea.

* Word lists: ``CORE_STOPWORDS`` (function words proper) within ``STOPWORDS`` (every
  closed-class word), ``REPORTING_VERBS`` ("said"), ``REPORTING_WORDS`` (those and
  "according to", "added") and ``QUOTE_MARKS`` (what marks a sentence as reported),
  ``RELATIVE_TIMES`` ("today", "ago"), ``TITLES`` (honorifics and offices before a name).
  A stage that ignores more than function words says which on top
  (``NOT_COUNTED`` for what a number cannot count, ``grounding`` and the faithfulness
  checker their own few).
* Word forms: :func:`singular` (noun number: "soldiers" -> "soldier", "species" stays) and
  :func:`stem` (a light suffix stripper for matching verbs too: "tumbled" -> "tumbl").
* Normalisation, two meanings under two names: :func:`fold_text` keeps punctuation and
  folds case, Unicode forms, quote and dash styles (a span of the article stays a span);
  :func:`bare_words` also drops punctuation (what similarity of titles and texts is
  computed on).
* Names: :func:`name_key`, the tokens two spellings of one name share.

Pure functions over the standard library and ``writing_systems``.
"""

from __future__ import annotations

import re
import unicodedata

from briefer.writing_systems import script_words

__all__ = [
    "CORE_STOPWORDS",
    "NOT_COUNTED",
    "QUOTE_MARKS",
    "RELATIVE_TIMES",
    "REPORTING_VERBS",
    "REPORTING_WORDS",
    "STOPWORDS",
    "TITLES",
    "bare_words",
    "content_words",
    "cut_at_word",
    "fold_text",
    "looks_plural",
    "name_key",
    "name_tokens",
    "singular",
    "stem",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words proper: articles, pronouns, auxiliaries and modals, conjunctions, the
# commonest prepositions. Text similarity ignores only these: in a short claim or question
# "all", "only", "each" still carry meaning (and the eval thresholds were calibrated so).
CORE_STOPWORDS = _words(
    """a an the and or but nor of in on at to for from by with as into onto over under is
    are was were be been being am has have had it its this that these those he she they
    his her their them we our you your i who whom whose which what when where why how
    whether will would could should can may might must do does did not no than then so if
    also after before about up out any more"""
)
# Every other closed-class word: quantifiers, adverbs, the rarer prepositions and pronouns.
STOPWORDS = CORE_STOPWORDS | _words(
    """above across again against all along amid among another around behind below
    between beyond both down during each either even ever every few further having here
    hers him inside just least less like many me mine most much my near neither off once
    only other ours outside own per same several shall since some still such theirs there
    through throughout till too toward towards until upon us very via while within
    without yes yet yours"""
)
REPORTING_VERBS = _words("said says say told tell")
# A sentence that has one of these reports someone's words (the lead baseline, salience).
REPORTING_WORDS = ("said", "says", "say", "told", "tells", "according to", "added", "stated")
QUOTE_MARKS = frozenset('"“”„«»‘')  # not ’ or ': they are apostrophes too
RELATIVE_TIMES = _words("today yesterday tomorrow now ago later")
# Words that never name what a number counts ("10 of them", "5 said", "3 years ago").
NOT_COUNTED = STOPWORDS | REPORTING_VERBS | RELATIVE_TIMES

TITLES = _words(
    """mr mrs ms miss dr sir dame lord lady prof professor president president-elect prime
    minister chancellor secretary king queen prince princess pope general gen colonel col
    captain capt senator sen rep congressman congresswoman judge justice governor gov mayor
    chief spokesman spokeswoman spokesperson"""
)

# --- normalisation ----------------------------------------------------------------------

_TYPOGRAPHY = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "\u00a0": " ",
    }
)
_NOT_WORD = re.compile(r"[^\w\s]+")


def cut_at_word(text: str, limit: int) -> str:
    """``text`` on one line, whole, or its first ``limit`` characters cut back to a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")].rstrip() if " " in cut else cut


def fold_text(text: str) -> str:
    """Lower case, NFKC, one quote and dash style, collapsed whitespace; punctuation kept."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).lower()
    return " ".join(text.split())


def bare_words(text: str) -> str:
    """Lower case, NFKC, no punctuation, single spaces: what similarity is computed on."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_NOT_WORD.sub(" ", text).split())


# --- word forms -------------------------------------------------------------------------

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
_INVARIANT = _words(
    """people police news series species means sheep deer fish aircraft staff personnel data
    media gas chaos headquarters crossroads cattle"""
)
_PLURAL_INVARIANTS = _words("people police personnel cattle")
_SINGULAR_MEN = _words("omen specimen abdomen regimen semen stamen acumen")


def singular(word: str) -> str:
    """The singular of an English noun, lower-cased ("soldiers" -> "soldier", "men" -> "man",
    "species" and "news" unchanged)."""
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


def looks_plural(word: str) -> bool:
    """Whether a noun is plural ("soldiers", "people"; not "news", "bus")."""
    w = word.lower()
    return w in _PLURAL_INVARIANTS or singular(w) != w


def stem(word: str) -> str:
    """A light suffix stripper, so "tumbled"/"tumbles"/"tumbling" compare equal; nouns
    whose plural is their singular stay whole ("species", "series")."""
    if len(word) <= 4 or not word.isalpha() or word in _INVARIANT:
        return word
    if word.endswith(("ies", "ied")) and len(word) > 5:
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    return word.rstrip("e") if len(word) > 3 else word


# --- content words and names ------------------------------------------------------------

# What a sentence is about beyond function words: "the number of", "a total of" say nothing.
_NOT_CONTENT = STOPWORDS | REPORTING_VERBS | _words("number total")
_CONTENT_WORD = re.compile(r"[a-z][a-z'-]{2,}")


def content_words(text: str) -> set[str]:
    """The singular content words of ``text`` (3+ letters, Latin) and its words of other
    scripts (``writing_systems.script_words``): what grounding compares topics on."""
    folded = fold_text(text)
    words = (word.strip("'-") for word in _CONTENT_WORD.findall(folded))
    return {singular(word) for word in words if word and word not in _NOT_CONTENT} | script_words(
        folded
    )


_NAME_PUNCTUATION = re.compile(r"[^\w\s]")


def name_tokens(text: str) -> list[str]:
    """Folded tokens as names are compared: possessive 's and punctuation dropped, hyphens
    split ("Anti-Doping" is two tokens, "Putin's" is "putin", "O'Brien" is "obrien")."""
    text = fold_text(text).replace("&", " and ")
    text = re.sub(r"'s\b", "", text).replace("-", " ").replace("'", "")
    return _NAME_PUNCTUATION.sub(" ", text).split()


def name_key(name: str) -> tuple[str, ...]:
    """A name as comparable tokens (:func:`name_tokens`), titles and honorifics dropped
    (``TITLES``: "President Putin" is "putin", "Mr Trump" is "trump") unless nothing else
    is left; "the" always ("the Kremlin" is "kremlin")."""
    tokens = [token for token in name_tokens(name) if token != "the"]
    kept = [token for token in tokens if token not in TITLES]
    return tuple(kept or tokens)
