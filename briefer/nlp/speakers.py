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

No cue, no entry. A surname is given as the fullest form :func:`find_actors` found.
Without spaCy the same cues are matched on capitalised names (``_rule_speakers``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from briefer.article_index import Sentence, index_of
from briefer.chunking import paragraph_spans
from briefer.nlp.actors import ActorMentions, Mention, actor_mentions
from briefer.nlp.candidates import Speaker, SpeakerCue
from briefer.nlp.model import parse, sentence_ids
from briefer.nlp.name_runs import counted_names
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
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
RELATIVE = frozenset({"who", "that", "which"})
OPENING_QUOTES = frozenset('"“')
QUOTE_MARKS = re.compile(r'["“”]')
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
    direct = _rule_speakers(sentences) if doc is None else _parsed_speakers(doc, text, sentences)
    return _spread_over_quotes(text, sentences, direct)


# --- over the parse --------------------------------------------------------------------


def _parsed_speakers(doc: Doc, text: str, sentences: Sequence[Sentence]) -> dict[int, _Found]:
    sentence_of = sentence_ids(doc, [s.start for s in sentences])
    mentions = actor_mentions(text)
    paragraph_of = _paragraph_ids(text, sentences)
    found: dict[int, _Found] = {}
    for token in doc:
        sid = sentence_of[token.i]
        if sid in found:
            continue
        answer = _according_to(token, mentions) or _reporting_subject(
            token, mentions, sid, paragraph_of, found
        )
        if answer is not None:
            found[sid] = answer
    return found


def _according_to(token: Token, mentions: ActorMentions) -> _Found | None:
    if token.lower_ != "according":
        return None
    for to in token.children:
        if to.lower_ == "to":
            for obj in to.children:
                if obj.dep_ == "pobj":
                    return _Found(_subject_name(obj, mentions), "according-to", True)
    return None


def _reporting_subject(
    token: Token,
    mentions: ActorMentions,
    sid: int,
    paragraph_of: dict[int, int],
    found: dict[int, _Found],
) -> _Found | None:
    if token.lemma_.lower() not in REPORTING_LEMMAS or token.pos_ not in ("VERB", "AUX"):
        return None
    subject = _subject_of(token)
    if subject is None:
        return None
    if subject.lower_ in PRONOUNS:
        return _pronoun_speaker(subject, mentions, sid, paragraph_of, found)
    if subject.pos_ == "PRON":
        return None  # "I said", "it said", "we said": the quote's own voice or no one
    named = _mention_at(subject, mentions)
    if named is not None:
        return _Found(named.actor, "reporting-verb", True)
    if subject.pos_ == "PROPN":
        return _Found(_subject_name(subject, mentions), "reporting-verb", True)
    return _Found(_subject_name(subject, mentions), "reporting-verb", False)


def _subject_of(verb: Token) -> Token | None:
    """The verb's subject; that of the verb it is conjoined to ("smiled and added"); the
    noun a relative clause hangs on ("Putin, who said")."""
    for _ in range(3):
        subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
        if subjects:
            subject = subjects[0]
            if subject.lower_ in RELATIVE and verb.dep_ == "relcl":
                return verb.head
            return subject
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


def _subject_name(head: Token, mentions: ActorMentions) -> str:
    """A subject as the article names it: the actor it mentions, else its noun phrase
    (without a relative clause, an appositive or what follows a comma)."""
    named = _mention_at(head, mentions)
    if named is not None:
        return named.actor
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


def _pronoun_speaker(
    pronoun: Token,
    mentions: ActorMentions,
    sid: int,
    paragraph_of: dict[int, int],
    found: dict[int, _Found],
) -> _Found | None:
    """A speaker a few sentences back in the paragraph ("Smith said ... He added"), else
    the nearest person named before the pronoun."""
    for back in range(sid - 1, max(sid - 1 - PRONOUN_REACH, 0), -1):
        if paragraph_of.get(back) != paragraph_of.get(sid):
            break
        if back in found:
            return _Found(found[back].name, "pronoun", found[back].confident)
    before = [m for m in mentions.mentions if m.kind == "person" and m.start < pronoun.idx]
    if not before:
        return None
    nearest = before[-1]
    close = (
        paragraph_of.get(nearest.sentence) == paragraph_of.get(sid)
        and sid - nearest.sentence <= PRONOUN_REACH
    )
    return _Found(nearest.actor, "pronoun", close)


def _paragraph_ids(text: str, sentences: Sequence[Sentence]) -> dict[int, int]:
    spans = paragraph_spans(text)
    ids: dict[int, int] = {}
    p = 0
    for sentence in sentences:
        while p + 1 < len(spans) and spans[p][1] <= sentence.start:
            p += 1
        ids[sentence.id] = p
    return ids


# --- quotes ----------------------------------------------------------------------------


def _quote_groups(text: str, sentences: Sequence[Sentence]) -> list[list[int]]:
    """Runs of sentence ids inside one quotation (straight or curly double quotes,
    counted within each paragraph)."""
    groups: list[list[int]] = []
    paragraph_of = _paragraph_ids(text, sentences)
    inside = False
    current: list[int] = []
    last_paragraph = -1
    for sentence in sentences:
        if paragraph_of[sentence.id] != last_paragraph:
            if current:
                groups.append(current)
            current, inside = [], False
            last_paragraph = paragraph_of[sentence.id]
        marks = len(QUOTE_MARKS.findall(sentence.text))
        if inside or marks:
            current.append(sentence.id)
        if marks % 2:
            inside = not inside
        if not inside and current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _spread_over_quotes(
    text: str, sentences: Sequence[Sentence], found: dict[int, _Found]
) -> dict[int, Speaker]:
    speakers = {sid: Speaker(sid, f.name, f.cue, f.confident) for sid, f in found.items()}
    by_id = {s.id: s for s in sentences}
    paragraph_of = _paragraph_ids(text, sentences)
    for group in _quote_groups(text, sentences):
        cued = [speakers[sid] for sid in group if sid in speakers]
        if cued:
            source: Speaker | None = cued[-1]
        elif by_id[group[0]].text[:1] in OPENING_QUOTES:
            source = _speaker_before(group[0], speakers, paragraph_of)
        else:
            source = None  # a quote continues the previous speaker only when it opens so
        if source is None:
            continue
        for sid in group:
            if sid not in speakers:
                speakers[sid] = Speaker(sid, source.name, "quote-continuation", source.confident)
    return dict(sorted(speakers.items()))


def _speaker_before(
    sid: int, speakers: dict[int, Speaker], paragraph_of: dict[int, int]
) -> Speaker | None:
    """The speaker of the sentence just before, if it ends this paragraph or the last."""
    if sid - 1 not in paragraph_of or paragraph_of[sid] - paragraph_of[sid - 1] > 1:
        return None
    return speakers.get(sid - 1)


# --- without spaCy ---------------------------------------------------------------------

_RULE_VERBS = r"(?:said|says|told|added|warned|claimed|stated|explained|insisted|argued)"


def _rule_speakers(sentences: Sequence[Sentence]) -> dict[int, _Found]:
    """The cues matched on the capitalised names of each sentence (no parse)."""
    known = {c.name: c.name for c in counted_names([s.text for s in sentences])}
    for counted in counted_names([s.text for s in sentences]):
        for alias in counted.aliases:
            known.setdefault(alias, counted.name)
    names = sorted(known, key=len, reverse=True)
    if not names:
        return {}
    name = "(" + "|".join(re.escape(n) for n in names) + ")"
    patterns = (
        ("according-to", re.compile(rf"\baccording to (?:\w+ )?{name}\b", re.IGNORECASE)),
        ("reporting-verb", re.compile(rf"\b{name}(?:'s?)?,? {_RULE_VERBS}\b")),
        ("reporting-verb", re.compile(rf"\b{_RULE_VERBS} (?:[A-Z]\w+ )?{name}\b")),
    )
    found: dict[int, _Found] = {}
    for sentence in sentences:
        for cue, pattern in patterns:
            match = pattern.search(sentence.text)
            if match is not None:
                cue_name: SpeakerCue = "according-to" if cue == "according-to" else "reporting-verb"
                found[sentence.id] = _Found(
                    known.get(match.group(1), match.group(1)), cue_name, True
                )
                break
    return found
