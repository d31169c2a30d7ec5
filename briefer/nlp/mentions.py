"""Who the article names, and where: entities, cleaned and merged into actors.

With spaCy (:mod:`briefer.nlp.model`) the actors are the PERSON, ORG, GPE and NORP entities
(LOC and FAC ones only as the subject or agent of a verb, where they act), each cleaned
(no "the", no possessive, no leading title) and dropped when it is junk (no letter, one
letter, all lower case, a date or number read as a name; words glued to a link or a
headline by scraped copy are cut at the seam). Mentions of one actor merge:

* a person's surname or first name alone, or with a title ("Putin", "Mr Putin"), goes to
  the full name it is the end (or start) of ("Vladimir Putin"), the nearest one before it
  when two share it; any other entity spelled like a person's name or surname ("Trump"
  read as an ORG) goes to the person too;
* an acronym goes to the name it abbreviates ("UN", "U.N." to "United Nations"), and an
  organisation of two words or more to a longer one it starts ("Home Retail" to "Home
  Retail Group");
* a role the article gives a person or organisation, as words before the name ("Russian
  President Vladimir Putin") or as an appositive ("Vladimir Putin, the Russian
  president", "the regulator, NHS Improvement"), makes a later "the Russian president"
  a mention of that actor, when no other actor has it;
* a nationality counts as a group only when it heads a noun phrase or is plural ("the
  Russians"), not as an adjective ("Russian troops").

Without spaCy, the capitalised-name runs of :mod:`briefer.nlp.name_runs` stand in.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from briefer.article_index import index_of
from briefer.nlp.candidates import ActorCandidate, ActorKind
from briefer.nlp.model import parse, sentence_ids
from briefer.nlp.name_runs import NOT_NAMES, counted_names
from briefer.vocabulary import TITLES, name_key

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

__all__ = ["ActorMentions", "Mention", "actor_mentions"]

KINDS: dict[str, ActorKind] = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "NORP": "group",
}
TIE_ORDER: tuple[ActorKind, ...] = ("organisation", "place", "group", "person")
ACTING_ONLY = frozenset({"LOC", "FAC"})  # actors only where they act
ACTING_DEPS = frozenset({"nsubj", "nsubjpass", "agent"})
ACRONYM_SKIPS = frozenset({"of", "and", "for", "the", "on", "in"})
# Words of a multi-word name that say it is an organisation (the rules fallback only).
ORGANISATION_WORDS = frozenset(
    [
        "ministry",
        "department",
        "agency",
        "council",
        "committee",
        "commission",
        "party",
        "company",
        "corporation",
        "inc",
        "ltd",
        "plc",
        "group",
        "bank",
        "university",
        "college",
        "school",
        "association",
        "union",
        "court",
        "police",
        "army",
        "office",
        "institute",
        "foundation",
        "board",
        "authority",
        "service",
        "news",
        "times",
        "post",
        "bbc",
    ]
)


@dataclass(frozen=True)
class Mention:
    """One mention of an actor: where it is and which actor (by its fullest name)."""

    start: int
    end: int
    sentence: int
    text: str
    actor: str
    kind: ActorKind


@dataclass(frozen=True)
class ActorMentions:
    actors: tuple[ActorCandidate, ...]
    mentions: tuple[Mention, ...] = ()  # in reading order; empty without spaCy


@dataclass
class _Cluster:
    kind: ActorKind
    forms: list[str] = field(default_factory=list)  # each mention's surface, in order
    mentions: list[tuple[int, int, int]] = field(default_factory=list)  # start, end, sentence
    roles: set[tuple[str, ...]] = field(default_factory=set)
    kinds: Counter[ActorKind] = field(default_factory=Counter)  # as the NER labelled each

    def add(
        self, form: str, start: int, end: int, sentence: int, kind: ActorKind | None = None
    ) -> None:
        self.forms.append(form)
        self.mentions.append((start, end, sentence))
        if kind is not None:
            self.kinds[kind] += 1

    @property
    def final_kind(self) -> ActorKind:
        """A person stays one; anything else is what the NER said most often (a tie goes
        to an organisation, then a place: the small model calls many of them a group)."""
        if self.kind == "person" or not self.kinds:
            return self.kind
        return max(self.kinds, key=lambda k: (self.kinds[k], -TIE_ORDER.index(k)))

    @property
    def name(self) -> str:
        """The fullest form: most name words, then most used, then first used."""
        counts = Counter(self.forms)
        order = {form: i for i, form in reversed(list(enumerate(self.forms)))}
        return min(counts, key=lambda f: (-len(name_key(f)), -counts[f], order[f]))


@dataclass(frozen=True)
class _Raw:
    span: Span
    form: str  # cleaned surface ("Putin", not "Mr Putin's")
    key: tuple[str, ...]
    label: str
    sentence: int
    start: int  # character offsets of ``form`` in the article
    end: int


@lru_cache(maxsize=8)
def actor_mentions(text: str) -> ActorMentions:
    """The actors of ``text`` (most mentioned first) and, with spaCy, each mention."""
    doc = parse(text)
    if doc is None:
        return ActorMentions(_rule_actors(text))
    starts = [s.start for s in index_of(text).sentences]
    sentence_of = sentence_ids(doc, starts)
    clusters = _cluster(_raw_mentions(doc, sentence_of))
    _add_role_mentions(doc, sentence_of, clusters)
    return _result(clusters)


# --- entities --------------------------------------------------------------------------


def _raw_mentions(doc: Doc, sentence_of: Sequence[int]) -> list[_Raw]:
    raws = []
    for ent in doc.ents:
        if ent.label_ not in KINDS:
            continue
        span = _cleaned(ent)
        if span is None:
            continue
        skipped, text = _unglued(span.text)
        form = " ".join(text.split())  # as printed, whatever the spacing
        if _is_junk_text(form):
            continue
        if ent.label_ == "NORP" and not _heads_a_phrase(span):
            continue
        if ent.label_ in ACTING_ONLY and span.root.dep_ not in ACTING_DEPS:
            continue
        start = span.start_char + skipped
        sentence = sentence_of[span.start]
        raws.append(_Raw(span, form, name_key(form), ent.label_, sentence, start, span.end_char))
    return raws


# Scraped copy loses the space between a link or headline and the next sentence
# ("Share this linkThe International Committee...", "Jonathan lost?Buhari"); the NER
# then reads the glued words as one name. Only a sentence's opening word or a closing
# mark marks the seam: camel-case names ("WhatsApp", "AstraZeneca") stay whole.
_GLUE = re.compile(
    r"(?:(?<=[a-z])(?:The|An?|How|What|Why|Who|When|Where|This|These|Those|But)(?=\s|$)"
    r"|(?<=\w[?!)])(?=[A-Z]))"
)
_OPENING_WORD = re.compile(r"^(?:The|An?|How|What|Why|Who|When|Where|This|These|Those|But)\b\s*")


def _unglued(text: str) -> tuple[int, str]:
    """The part of an entity after its last seam (its offset in ``text``, and it), with
    the sentence's opening word dropped; the whole text when it has no seam."""
    seams = [m.start() for m in _GLUE.finditer(text)]
    if not seams:
        return 0, text
    offset = seams[-1]
    rest = text[offset:]
    dropped = _OPENING_WORD.match(rest)
    skip = dropped.end() if dropped else 0
    return offset + skip, rest[skip:]


def _cleaned(ent: Span) -> Span | None:
    """The entity without a leading "the" or title and a trailing possessive or mark."""
    start, end = ent.start, ent.end
    doc = ent.doc
    while start < end and (doc[start].lower_ == "the" or doc[start].lower_.rstrip(".") in TITLES):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct):
        end -= 1
    if start == end:
        return None
    return doc[start:end]


def _is_junk_text(form: str) -> bool:
    """No name: one letter or none, all lower case, only days, months and numbers."""
    letters = [c for c in form if c.isalpha()]
    if len(letters) <= 1 or form.islower():
        return True
    words = [w.strip(".,").lower() for w in form.split()]
    return all(w in NOT_NAMES or not any(c.isalpha() for c in w) for w in words)


def _heads_a_phrase(span: Span) -> bool:
    """A nationality heading a noun phrase or plural ("the Russians"), not an adjective."""
    root = span.root
    if root.tag_ in ("NNPS", "NNS"):
        return True
    return root.pos_ in ("PROPN", "NOUN") and root.dep_ not in ("amod", "compound")


# --- merging ---------------------------------------------------------------------------


def _cluster(raws: list[_Raw]) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    by_key: dict[tuple[str, ...], _Cluster] = {}
    persons = [r for r in raws if r.label == "PERSON" and len(r.key) >= 2]
    # Full names first, so a surname seen before its full name still finds it.
    for raw in persons:
        cluster = by_key.get(raw.key) or _same_person(raw.key, by_key)
        if cluster is None:
            cluster = by_key[raw.key] = _Cluster("person")
            clusters.append(cluster)
        by_key.setdefault(raw.key, cluster)
        cluster.roles |= _roles_of(raw.span)
    full_keys = list(by_key)
    # People first, so "Trump" the ORG finds "Trump" the PERSON whichever comes first.
    for raw in sorted(raws, key=lambda r: r.label != "PERSON"):
        if raw.label == "PERSON" and len(raw.key) >= 2:
            by_key[raw.key].add(raw.form, raw.start, raw.end, raw.sentence)
            continue
        cluster = _person_for(raw, full_keys, by_key, raws) or by_key.get(raw.key)
        if cluster is None and raw.label == "ORG":
            cluster = _same_organisation(raw.key, by_key)
        if cluster is None:
            cluster = by_key[raw.key] = _Cluster(KINDS[raw.label])
            clusters.append(cluster)
        cluster.add(raw.form, raw.start, raw.end, raw.sentence, KINDS[raw.label])
        if raw.label == "ORG":
            cluster.roles |= _roles_of(raw.span, person=False)
    return _merge_acronyms(clusters)


def _same_person(key: tuple[str, ...], by_key: dict[tuple[str, ...], _Cluster]) -> _Cluster | None:
    """A known full name with the same first and last word ("Donald J Trump")."""
    for other, cluster in by_key.items():
        if other[0] == key[0] and other[-1] == key[-1]:
            return cluster
    return None


def _same_organisation(
    key: tuple[str, ...], by_key: dict[tuple[str, ...], _Cluster]
) -> _Cluster | None:
    """An organisation whose name of two words or more starts the other's ("Home Retail"
    and "Home Retail Group"); one word is too little ("NHS", "NHS Improvement")."""
    if len(key) < 2:
        return None
    for other, cluster in by_key.items():
        short, long = sorted((key, other), key=len)
        if cluster.kind == "organisation" and len(short) >= 2 and long[: len(short)] == short:
            return cluster
    return None


def _person_for(
    raw: _Raw,
    full_keys: list[tuple[str, ...]],
    by_key: dict[tuple[str, ...], _Cluster],
    raws: list[_Raw],
) -> _Cluster | None:
    """The person a one-word name (any label) stands for: a full name ending with it (the
    nearest one named before it if several), else the one full name starting with it."""
    if len(raw.key) != 1:
        return None
    word = raw.key[0]
    ending = [k for k in full_keys if k[-1] == word]
    if len(ending) > 1:
        before = [r.key for r in raws if r.key in ending and r.span.start < raw.span.start]
        return by_key[before[-1] if before else ending[0]]
    if ending:
        return by_key[ending[0]]
    starting = [k for k in full_keys if k[0] == word]
    if len(starting) == 1 and raw.label == "PERSON":
        return by_key[starting[0]]
    return None


def _merge_acronyms(clusters: list[_Cluster]) -> list[_Cluster]:
    """Clusters named by an acronym ("UN", "U.N.", "Nato") joined to the one they abbreviate."""
    long_forms: dict[str, _Cluster] = {}
    for cluster in clusters:
        key = name_key(cluster.name)
        if cluster.kind != "person" and len(key) >= 2:
            long_forms.setdefault("".join(w[0] for w in key if w not in ACRONYM_SKIPS), cluster)
    kept = []
    for cluster in clusters:
        owner = long_forms.get(_acronym_letters(cluster.name) or "")
        if owner is None or owner is cluster or cluster.kind == "person":
            kept.append(cluster)
            continue
        for form, mention in zip(cluster.forms, cluster.mentions, strict=True):
            owner.add(form, *mention)
        owner.kinds.update(cluster.kinds)
    return kept


def _acronym_letters(form: str) -> str | None:
    """The letters of a form that reads as an acronym: one word, or letters with dots."""
    key = name_key(form)
    letters = "".join(key)
    if len(letters) < 2 or not (len(key) == 1 or all(len(w) == 1 for w in key)):
        return None
    return letters if form[0].isupper() else None


# --- roles -----------------------------------------------------------------------------


def _roles_of(span: Span, person: bool = True) -> set[tuple[str, ...]]:
    """The roles the article gives an actor at this mention: the words before the name
    ("Russian President Vladimir Putin", "the retailer Argos") and an appositive either
    side ("Vladimir Putin, the Russian president", "the regulator, NHS Improvement").
    Each role also counts by its head noun alone ("the president"): a role mention is
    only taken when one actor has it."""
    roles: set[tuple[str, ...]] = set()
    doc = span.doc
    i = span.start - 1
    before: list[Token] = []
    heads = set(range(span.start, span.end))
    while i >= 0 and doc[i].dep_ in ("compound", "amod") and doc[i].head.i in heads:
        before.insert(0, doc[i])
        heads.add(i)
        i -= 1
    role_nouns = TITLES | {"leader", "chief", "head"}
    if before and (before[-1].lower_ in role_nouns if person else before[-1].pos_ == "NOUN"):
        roles |= {tuple(t.lower_ for t in before), (before[-1].lower_,)}
    nouns = [c for c in span.root.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
    if span.root.dep_ == "appos" and span.root.head.pos_ == "NOUN":
        nouns.append(span.root.head)
    for noun in nouns:
        inside = {t.i for t in span.root.subtree} if noun is span.root.head else set()
        whole = _role_words(t for t in noun.subtree if t.i not in inside)
        core = _role_words([*(t for t in noun.lefts if t.dep_ in ("amod", "compound")), noun])
        roles |= {words for words in (whole, core, (noun.lower_,)) if words}
    return roles


def _role_words(tokens: Iterable[Token]) -> tuple[str, ...]:
    return tuple(t.lower_ for t in tokens if t.dep_ != "det" and not t.is_punct)


def _add_role_mentions(doc: Doc, sentence_of: Sequence[int], clusters: list[_Cluster]) -> None:
    owners: dict[tuple[str, ...], list[_Cluster]] = {}
    for cluster in clusters:
        for role in cluster.roles:
            owners.setdefault(role, []).append(cluster)
    if not owners:
        return
    named = {(m[0]) for c in clusters for m in c.mentions}
    for chunk in doc.noun_chunks:
        if chunk[0].lower_ != "the" or chunk.start_char in named or chunk.root.dep_ == "appos":
            continue  # an appositive gives the role; it is no second mention
        found = owners.get(_role_words(chunk))
        if found is not None and len(found) == 1:
            first = found[0].mentions[0][0] if found[0].mentions else len(doc.text)
            if first < chunk.start_char:  # the role is known only once the name is given
                found[0].add(
                    " ".join(chunk.text.split()),
                    chunk.start_char,
                    chunk.end_char,
                    sentence_of[chunk.start],
                )


def _result(clusters: list[_Cluster]) -> ActorMentions:
    actors = []
    mentions = []
    for cluster in clusters:
        if not cluster.mentions:
            continue
        name = cluster.name
        aliases = tuple(dict.fromkeys(f for f in cluster.forms if f != name))
        first = min(sentence for _, _, sentence in cluster.mentions)
        kind = cluster.final_kind
        actors.append(ActorCandidate(name, kind, len(cluster.mentions), first, aliases))
        for (start, end, sentence), form in zip(cluster.mentions, cluster.forms, strict=True):
            mentions.append(Mention(start, end, sentence, form, name, kind))
    actors.sort(key=lambda a: (-a.mentions, a.first_sentence))
    mentions.sort(key=lambda m: m.start)
    return ActorMentions(tuple(actors), tuple(mentions))


# --- without spaCy ---------------------------------------------------------------------


def _rule_actors(text: str) -> tuple[ActorCandidate, ...]:
    sentences = index_of(text).sentences
    counted = counted_names([s.text for s in sentences])
    titled = _titled_words(text)
    return tuple(
        ActorCandidate(
            c.name, _guess_kind(c.name, titled), c.count, c.first_sentence + 1, c.aliases
        )
        for c in counted
    )


def _titled_words(text: str) -> set[str]:
    """The words written right after a title ("Mr Lind", "President Haddad")."""
    words = text.split()
    return {
        name_key(after)[-1]
        for before, after in itertools.pairwise(words)
        if before.lower().rstrip(".") in TITLES and after[:1].isupper() and name_key(after)
    }


def _guess_kind(name: str, titled: set[str]) -> ActorKind:
    key = name_key(name)
    if name.replace(".", "").isupper() or any(w in ORGANISATION_WORDS for w in key):
        return "organisation"
    if (key and key[-1] in titled) or 2 <= len(key) <= 3:
        return "person"
    return "place"
