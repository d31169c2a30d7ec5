"""Who each sentence reports as speaking: rule-based quote attribution over the parse.

The rules, in the manner of the Gender Gap Tracker's quote extractor (our own code):

* a reporting verb (``REPORTING_LEMMAS``) with a nominal subject, before or after it
  ("X said", "said X", "X told reporters", "X, who said", "X smiled and added"): cue
  ``reporting-verb``; a named subject is confident, a noun phrase ("the ministry", "a
  spokesman for X") is kept as the article's words and is not;
* "according to X": cue ``according-to``, confident;
* a pronoun subject ("he said") is the nearest person named before it: cue ``pronoun``,
  confident only within the same paragraph and ``PRONOUN_REACH`` sentences;
* every sentence of a quote that one of its sentences attributes gets that speaker, and
  a paragraph that opens with a quote and has no cue of its own continues the speaker of
  the paragraph before: cue ``quote-continuation``, confident as the speaker it continues.

No cue, no entry. A surname is given as the fullest form the actors have (:mod:`briefer.nlp.mentions`).
Without spaCy the same cues are matched on capitalised names (``_rule_speakers``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from briefer.article_index import Sentence, index_of
from briefer.nlp.candidates import Speaker, SpeakerCue
from briefer.nlp.mentions import ActorMentions, Mention, actor_mentions
from briefer.nlp.model import parse, sentence_ids
from briefer.nlp.name_runs import counted_names
from briefer.nlp.quotes import opens_with_quote, paragraph_ids, quote_groups
from briefer.vocabulary import name_key

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

__all__ = ["REPORTING_LEMMAS", "find_speakers"]

# The one list of reporting verbs, as lemmas.
REPORTING_LEMMAS = frozenset(
    [
        "say",
        "tell",
        "add",
        "warn",
        "claim",
        "state",
        "explain",
        "insist",
        "argue",
        "note",
        "announce",
        "confirm",
        "deny",
        "admit",
        "suggest",
        "write",
        "report",
        "reply",
        "respond",
        "ask",
        "urge",
        "acknowledge",
        "declare",
        "stress",
        "comment",
        "conclude",
        "predict",
        "estimate",
        "tweet",
        "complain",
        "allege",
        "testify",
        "vow",
        "promise",
        "caution",
        "reveal",
        "recall",
        "describe",
        "maintain",
    ]
)
PRONOUNS = frozenset({"he", "she", "they"})
PRONOUN_REACH = 2  # sentences back a pronoun's person may be and still be confident
RELATIVE = frozenset({"who", "that", "which"})
# "the company said": a definite description of an organisation named before it.
ORGANISATION_NOUNS = frozenset(
    [
        "company",
        "firm",
        "group",
        "agency",
        "ministry",
        "department",
        "regulator",
        "newspaper",
        "paper",
        "supermarket",
        "retailer",
        "bank",
        "club",
        "party",
        "union",
        "charity",
        "council",
        "organisation",
        "organization",
        "authority",
        "board",
        "court",
        "network",
        "broadcaster",
        "airline",
        "operator",
        "insurer",
        "lender",
        "manufacturer",
        "carrier",
        "watchdog",
        "body",
        "institute",
        "university",
        "school",
        "team",
        "league",
        "federation",
        "association",
        "commission",
        "committee",
    ]
)
MAX_SUBJECT_WORDS = 8


@dataclass(frozen=True)
class _Found:
    name: str
    cue: SpeakerCue
    confident: bool


def find_speakers(text: str) -> dict[int, Speaker]:
    """The speaker of each sentence (by ``index_of(text)`` sentence id) that has a cue."""
    sentences = index_of(text).sentences
    doc = parse(text)
    cues = _rule_speakers(sentences) if doc is None else _parsed_speakers(doc, text, sentences)
    return _spread_over_quotes(text, sentences, cues)


# --- over the parse --------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    mentions: ActorMentions
    paragraph_of: dict[int, int]
    cues: dict[int, list[_Found]]  # every cue so far, by sentence id, in reading order


def _parsed_speakers(doc: Doc, text: str, sentences: Sequence[Sentence]) -> dict[int, list[_Found]]:
    sentence_of = sentence_ids(doc, [s.start for s in sentences])
    context = _Context(actor_mentions(text), paragraph_ids(text, sentences), {})
    for token in doc:
        sid = sentence_of[token.i]
        answer = _according_to(token, context) or _reporting_subject(token, sid, context)
        if answer is not None:
            context.cues.setdefault(sid, []).append(answer)
    return context.cues


def _according_to(token: Token, context: _Context) -> _Found | None:
    if token.lower_ != "according":
        return None
    for to in token.children:
        if to.lower_ == "to":
            for obj in to.children:
                if obj.dep_ == "pobj":
                    found = _phrase_speaker(obj, context)
                    return _Found(found.name, "according-to", True)
    return None


def _reporting_subject(token: Token, sid: int, context: _Context) -> _Found | None:
    if token.lemma_.lower() not in REPORTING_LEMMAS or token.pos_ not in ("VERB", "AUX"):
        return None
    if any(c.dep_ == "neg" for c in token.children):
        return None  # "did not reply" reports no words
    subject = _subject_of(token)
    if subject is None:
        return None
    if subject.lower_ in PRONOUNS:
        return _pronoun_speaker(subject, sid, context)
    if subject.pos_ == "PRON":
        return None  # "I said", "it said", "we said": the quote's own voice or no one
    return _phrase_speaker(subject, context)


def _subject_of(verb: Token) -> Token | None:
    """Who does the reporting: the verb's active subject, or its passive agent ("as
    revealed by the Post"); that of the verb it is conjoined to ("smiled and added");
    the noun a relative clause hangs on ("Putin, who said"). A passive subject is what
    was said, not who said it."""
    for depth in range(3):
        for child in verb.children:
            if child.dep_ == "nsubj":
                if child.lower_ in RELATIVE and verb.dep_ == "relcl":
                    return verb.head
                return child
            if child.dep_ == "agent" and depth == 0:
                objects = [c for c in child.children if c.dep_ == "pobj"]
                return objects[0] if objects else None
        if any(c.dep_ == "nsubjpass" for c in verb.children):
            return None
        if verb.dep_ != "conj" or verb.head is verb:
            return None
        verb = verb.head
    return None


def _mention_at(token: Token, mentions: ActorMentions) -> Mention | None:
    offset = token.idx
    for mention in mentions.mentions:
        if mention.start <= offset < mention.end:
            return mention
    return None


def _phrase_speaker(head: Token, context: _Context) -> _Found:
    """A noun phrase as a speaker: the actor it names (itself or in an appositive:
    "the regulator, NHS Improvement,"), else the organisation a definite description
    refers back to ("the company"), else the phrase as the article words it."""
    mentions = context.mentions
    named = _mention_at(head, mentions)
    if named is not None:
        return _Found(named.actor, "reporting-verb", True)
    appositives = [t for t in head.subtree if t.dep_ == "appos" and t is not head]
    named_appositives = [m for t in appositives if (m := _mention_at(t, mentions)) is not None]
    if named_appositives:  # a person first: "the head of the ICRC, Marianne Gasser,"
        best = min(named_appositives, key=lambda m: m.kind != "person")
        return _Found(best.actor, "reporting-verb", True)
    if head.pos_ == "PROPN":
        return _Found(_phrase_text(head, mentions), "reporting-verb", True)
    described = _described_organisation(head, mentions)
    if described is not None:
        return _Found(described, "reporting-verb", False)
    return _Found(_phrase_text(head, mentions), "reporting-verb", False)


def _described_organisation(head: Token, mentions: ActorMentions) -> str | None:
    """ "The company" / "the supermarket": the organisation named last before it."""
    if head.lemma_.lower() not in ORGANISATION_NOUNS:
        return None
    modifiers = [c for c in head.children if c.i < head.i]
    if (
        not modifiers
        or modifiers[0].lower_ != "the"
        or any(c.dep_ != "amod" for c in modifiers[1:])
    ):
        return None  # only "the (adjective) company", not "the White Helmets group"
    before = [m for m in mentions.mentions if m.kind == "organisation" and m.end <= head.idx]
    return before[-1].actor if before else None


def _phrase_text(head: Token, mentions: ActorMentions) -> str:
    """The noun phrase as written, without a relative clause, an appositive or what
    follows a comma; a surname given as its fullest form."""
    kept = [t for t in head.subtree if not _outside_phrase(t, head)]
    words = [t for t in kept if t.i <= head.i or t.dep_ in ("prep", "pobj", "compound")]
    phrase = head.doc[words[0].i : words[-1].i + 1].text if words else head.text
    if len(phrase.split()) > MAX_SUBJECT_WORDS:
        phrase = head.text
    return _fullest(" ".join(phrase.split()).strip(" ,"), mentions)


def _outside_phrase(token: Token, head: Token) -> bool:
    for ancestor in [token, *token.ancestors]:
        if ancestor is head:
            return False
        if ancestor.dep_ in ("relcl", "appos", "acl", "punct"):
            return True
    return False


def _fullest(name: str, mentions: ActorMentions) -> str:
    """The fullest form of a name that is an actor's name or alias, or the one person's
    surname ("Lind" for "Ada Lind", when no other person is a Lind); else the name."""
    key = name_key(name)
    if not key:
        return name
    for actor in mentions.actors:
        if any(name_key(form) == key for form in (actor.name, *actor.aliases)):
            return actor.name
    if len(key) == 1:
        people = [a.name for a in mentions.actors if a.kind == "person"]
        owners = [n for n in people if name_key(n)[-1] == key[0]]
        if len(owners) == 1:
            return owners[0]
    return name


def _pronoun_speaker(pronoun: Token, sid: int, context: _Context) -> _Found | None:
    """The speaker of a sentence or two back in the paragraph ("Smith said ... He
    added"), else the nearest person named before the pronoun."""
    paragraph_of = context.paragraph_of
    for back in range(sid, max(sid - 1 - PRONOUN_REACH, 0), -1):
        if paragraph_of.get(back) != paragraph_of.get(sid):
            break
        if context.cues.get(back):
            last = context.cues[back][-1]
            return _Found(last.name, "pronoun", last.confident)
    people = context.mentions.mentions
    before = [m for m in people if m.kind == "person" and m.start < pronoun.idx]
    if not before:
        return None
    nearest = before[-1]
    close = (
        paragraph_of.get(nearest.sentence) == paragraph_of.get(sid)
        and sid - nearest.sentence <= PRONOUN_REACH
    )
    return _Found(nearest.actor, "pronoun", close)


# --- quotes ----------------------------------------------------------------------------


def _spread_over_quotes(
    text: str, sentences: Sequence[Sentence], cues: dict[int, list[_Found]]
) -> dict[int, Speaker]:
    """A sentence's own cue (its first confident one, else its first); then the quotes:
    each uncued sentence of a quote gets the quote's last cue, and a quote with no cue
    that opens its sentence continues the last speaker of the sentence before."""
    speakers = {sid: _own_speaker(sid, found) for sid, found in cues.items() if found}
    last: dict[int, Speaker] = {
        sid: Speaker(sid, found[-1].name, found[-1].cue, found[-1].confident)
        for sid, found in cues.items()
        if found
    }
    by_id = {s.id: s for s in sentences}
    paragraph_of = paragraph_ids(text, sentences)
    for group in quote_groups(text, sentences):
        cued = [last[sid] for sid in group if sid in last]
        source: Speaker | None = cued[-1] if cued else None
        first = group[0]
        if (
            source is None
            and opens_with_quote(by_id[first])
            and first - 1 in last
            and paragraph_of[first] - paragraph_of[first - 1] <= 1
        ):
            source = last[first - 1]
        if source is None:
            continue
        for sid in group:
            if sid not in speakers:
                speakers[sid] = Speaker(sid, source.name, "quote-continuation", source.confident)
                last[sid] = speakers[sid]
    return dict(sorted(speakers.items()))


def _own_speaker(sid: int, found: list[_Found]) -> Speaker:
    best = next((f for f in found if f.confident), found[0])
    return Speaker(sid, best.name, best.cue, best.confident)


# --- without spaCy ---------------------------------------------------------------------

_RULE_VERBS = r"(?:said|says|told|added|warned|claimed|stated|explained|insisted|argued)"


def _rule_speakers(sentences: Sequence[Sentence]) -> dict[int, list[_Found]]:
    """The cues matched on the capitalised names of each sentence (no parse)."""
    known = {c.name: c.name for c in counted_names([s.text for s in sentences])}
    for counted in counted_names([s.text for s in sentences]):
        for alias in counted.aliases:
            known.setdefault(alias, counted.name)
    names = sorted(known, key=len, reverse=True)
    if not names:
        return {}
    name = "(" + "|".join(re.escape(n) for n in names) + ")"
    patterns: tuple[tuple[SpeakerCue, re.Pattern[str]], ...] = (
        ("according-to", re.compile(rf"\baccording to (?:\w+ )?{name}\b", re.IGNORECASE)),
        ("reporting-verb", re.compile(rf"\b{name}(?:'s?)?,? {_RULE_VERBS}\b")),
        ("reporting-verb", re.compile(rf"\b{_RULE_VERBS} (?:[A-Z]\w+ )?{name}\b")),
    )
    found: dict[int, list[_Found]] = {}
    for sentence in sentences:
        for cue, pattern in patterns:
            match = pattern.search(sentence.text)
            if match is not None:
                speaker = known.get(match.group(1), match.group(1))
                found[sentence.id] = [_Found(speaker, cue, True)]
                break
    return found
