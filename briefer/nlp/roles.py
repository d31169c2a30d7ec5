"""An actor's role in the article's own words: the title before a name or the apposition after it.

"Kremlin spokesman Dmitry Peskov" gives "Kremlin spokesman", "Ada Lind, the harbour master,"
gives "the harbour master". Used where the pipeline adds an actor the model did not describe.
"""

from __future__ import annotations

import re

from briefer.article_index import index_of
from briefer.nlp.candidates import ActorCandidate
from briefer.schema import CITED_ROLE_CHARS
from briefer.vocabulary import NOT_COUNTED, TITLES

MAX_ROLE_WORDS = 4
KIND_ROLES = {
    "person": "named in the story",
    "organisation": "organisation in the story",
    "place": "place in the story",
    "group": "group in the story",
}


def role_of(actor: ActorCandidate, text: str) -> str:
    """The role the article gives the actor where it first names it, else its kind."""
    if actor.kind in ("person", "organisation"):
        name_words = {w.lower() for form in (actor.name, *actor.aliases) for w in form.split()}
        for sentence in index_of(text).sentences:
            for form in (actor.name, *actor.aliases):
                at = sentence.text.find(form)
                if at >= 0:
                    role = _after(sentence.text[at + len(form) :]) or _before(
                        sentence.text[:at], name_words
                    )
                    if role:
                        return role[:CITED_ROLE_CHARS]
    return KIND_ROLES[actor.kind]


_TRAILING_WORDS = re.compile(rf"((?:[A-Za-z][\w'’&-]* ){{1,{MAX_ROLE_WORDS}}})$")
# Words that end a title when read backwards from the name: "said Kremlin spokesman X".
_NOT_ROLE = NOT_COUNTED | frozenset({"including", "like", "as", "by", "with", "told", "asked"})


def _before(text: str, name_words: set[str]) -> str:
    """The words right before the name, back to a stopword: a title ("Kremlin spokesman")."""
    match = _TRAILING_WORDS.search(text)
    if not match:
        return ""
    words: list[str] = []
    for word in reversed(match.group(1).split()):
        if word.lower() in _NOT_ROLE or word.lower() in name_words:
            break
        words.insert(0, word)
    # A title has a lower-case word or a hyphen ("spokesman", "President-elect"); capitals
    # alone are another name run ("Ukrainian President" aside, which says "President").
    if not words or not any(w[0].islower() or "-" in w or w.lower() in TITLES for w in words):
        return ""
    return " ".join(words)


_APPOSITION = re.compile(r"^,\s+((?:the|a|an)\s+[^,.;:()\"“”]{3,60}?)\s*[,.;]")


def _after(text: str) -> str:
    match = _APPOSITION.match(text)
    return match.group(1) if match else ""
