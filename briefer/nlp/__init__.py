"""Candidates for a brief, found in the article before the model is asked.

The model chooses among them and writes; names, speakers, sentences and numbers come from
the article. spaCy's small English pipeline finds names and speakers when it is installed
(``briefer.nlp.model``); without it the same lists come from rules over the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from briefer.citations import CitedArticle
from briefer.derived import DerivedStore
from briefer.nlp.actors import find_actors
from briefer.nlp.candidates import Candidates, Shown, Speaker
from briefer.nlp.gaps import find_gaps
from briefer.nlp.model import parser_label
from briefer.nlp.number_rank import rank_numbers
from briefer.nlp.roles import role_of
from briefer.nlp.salience import rank_claims
from briefer.nlp.speakers import find_speakers
from briefer.nlp.store import candidates_key, from_json, to_json
from briefer.schema import (
    CITED_CLAIM_CHARS,
    CITED_NAME_CHARS,
    CitedActor,
    CitedClaim,
    CitedDraft,
)
from briefer.vocabulary import QUOTE_MARKS, content_words, cut_at_word, fold_text, stem

__all__ = [
    "Candidates",
    "Finder",
    "chosen_actors",
    "chosen_claims",
    "find_candidates",
    "says_its_sentence",
    "speaker_of",
    "useful_questions",
    "with_rule_speakers",
]

# Actors a brief names: on the dev split the top six candidates score best (actors F1 0.73
# against the gold; four 0.64, eight 0.70).
WANTED_ACTORS = 6
WANTED_CLAIMS = 8
CLAIM_SUPPORT = 0.6  # share of a written claim's content words its sentence must have
MIN_QUESTION_WORDS = 3
_QUESTION_WORD = re.compile(r"[^\W\d_]{2,}")


# Another way to find an article's candidates (``briefer.nlp.warm.WarmFinder``, the warm
# spaCy worker); None means "find them here".
Finder = Callable[[str], Candidates | None]


def find_candidates(
    text: str, store: DerivedStore | None = None, find: Finder | None = None
) -> Candidates:
    """The article's candidates: from ``store`` when an earlier run kept them, else from
    ``find`` when it answers, else found in this process (and kept in ``store``)."""
    if store is None:
        return _found_by(find, text)
    key = candidates_key(text)
    kept = store.derived(key)
    candidates = from_json(kept) if kept else None
    if candidates is None:
        candidates = _found_by(find, text)
        store.put_derived(key, to_json(candidates))
    return candidates


def _found_by(find: Finder | None, text: str) -> Candidates:
    found = find(text) if find is not None else None
    return found if found is not None else _found(text)


@lru_cache(maxsize=8)
def _found(text: str) -> Candidates:
    """Every list the prompts show, for the whole article (chunks take their part)."""
    cited = CitedArticle(text)
    actors = find_actors(text)
    speakers = find_speakers(text)
    named = {sentence: speaker.name for sentence, speaker in speakers.items()}
    return Candidates(
        actors=actors,
        speakers=speakers,
        claims=rank_claims(text, speakers=named, actor_names=[a.name for a in actors]),
        numbers=rank_numbers(cited),
        gaps=find_gaps(text, speakers=named),
        parser=parser_label(),
    )


def speaker_of(claimed_by: str | None, found: Speaker | None, sentence_text: str) -> str | None:
    """Who a claim is attributed to: the rule's speaker when it is confident, no one when
    the sentence has no cue at all, else the model's answer (a quote the rules could not
    place, an unconfident guess)."""
    if found is not None and found.confident:
        return found.name
    if found is None and not _has_quote(sentence_text):
        return None
    return claimed_by


def _has_quote(text: str) -> bool:
    return any(mark in text for mark in QUOTE_MARKS)


def with_rule_speakers(
    answer: CitedDraft, cited: CitedArticle, candidates: Candidates
) -> CitedDraft:
    """The model's answer with each claim's ``by`` decided by :func:`speaker_of`."""
    claims = []
    for claim in answer.claims:
        sentence = cited.sentence(claim.sentence)
        if sentence is None:  # resolution counts the invalid id
            claims.append(claim)
            continue
        by = speaker_of(claim.by, candidates.speakers.get(claim.sentence), sentence.text)
        claims.append(claim.model_copy(update={"by": by}))
    return answer.model_copy(update={"claims": claims})


def chosen_claims(answer: CitedDraft, cited: CitedArticle, shown: Shown) -> CitedDraft:
    """Claims from the best-ranked candidate sentences, in the model's words where it wrote
    one for the sentence, else in the article's own.

    Measured on the dev split, the top of the salience ranking holds more of the gold
    claims than the sentences the 1.5B model picks among the same candidates (which also
    cites one sentence several times and copies the title as a claim). With too few
    candidates to fill a brief, the model's own choice stands, one claim a sentence.
    """
    written = _written_claims(answer, cited)
    if not shown.claims_decide:
        return answer.model_copy(update={"claims": list(written.values())})
    claims = []
    for candidate in shown.claims[:WANTED_CLAIMS]:
        sentence = cited.sentence(candidate.sentence)
        if sentence is None:
            continue
        own = written.get(candidate.sentence)
        claims.append(
            own
            or CitedClaim(
                text=cut_at_word(sentence.text, CITED_CLAIM_CHARS),
                by=candidate.speaker,
                sentence=candidate.sentence,
            )
        )
    return answer.model_copy(update={"claims": claims})


def _written_claims(answer: CitedDraft, cited: CitedArticle) -> dict[int, CitedClaim]:
    """The first claim the model wrote for each sentence, unless it is the title again or
    says what its sentence does not (``says_its_sentence``)."""
    title = fold_text(answer.title)
    written: dict[int, CitedClaim] = {}
    texts: set[str] = set()
    for claim in answer.claims:
        text = fold_text(claim.text)
        sentence = cited.sentence(claim.sentence)
        if claim.sentence in written or text in texts or text == title:
            continue
        if sentence is not None and not says_its_sentence(claim.text, sentence.text):
            continue
        written[claim.sentence] = claim
        texts.add(text)
    return written


def says_its_sentence(claim: str, sentence: str) -> bool:
    """Most of the claim's content words (stemmed) are its sentence's: the 1.5B model
    sometimes writes, for a cited sentence, a claim it does not make ("the conversation
    was part of a broader campaign strategy")."""
    words = {stem(w) for w in content_words(claim)}
    if not words:
        return True
    found = {stem(w) for w in content_words(sentence)}
    if not any(w.isascii() for w in found):  # a claim in English of another script's sentence
        return True
    return len(words & found) >= CLAIM_SUPPORT * len(words)


def useful_questions(questions: Sequence[str]) -> list[str]:
    """The model's questions without the junk it sometimes writes instead ("],", a word
    of the prompt): a question has at least three words."""
    return [q for q in questions if len(_QUESTION_WORD.findall(q)) >= MIN_QUESTION_WORDS]


def chosen_actors(answer: CitedDraft, text: str, candidates: Candidates) -> CitedDraft:
    """The model's actors, then the best-ranked candidates it left out, ``WANTED_ACTORS``
    in all; an added actor's role is the article's own words for it (``roles.role_of``)."""
    actors = list(answer.actors[:WANTED_ACTORS])
    named = {fold_text(a.name) for a in actors}
    for candidate in candidates.actors:
        if len(actors) >= WANTED_ACTORS:
            break
        forms = {fold_text(f) for f in (candidate.name, *candidate.aliases)}
        if forms & named or len(candidate.name) > CITED_NAME_CHARS:
            continue
        actors.append(CitedActor(name=candidate.name, role=role_of(candidate, text)))
        named |= forms
    return answer.model_copy(update={"actors": actors})
