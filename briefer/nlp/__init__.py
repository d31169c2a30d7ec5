"""Candidates for a brief, found in the article before the model is asked.

The model chooses among them and writes; names, speakers, sentences and numbers come from
the article. spaCy's small English pipeline finds names and speakers when it is installed
(``briefer.nlp.model``); without it the same lists come from rules over the text.
"""

from __future__ import annotations

from functools import lru_cache

from briefer.citations import CitedArticle
from briefer.nlp.actors import find_actors
from briefer.nlp.candidates import Candidates, Shown, Speaker
from briefer.nlp.gaps import find_gaps
from briefer.nlp.model import parser_label
from briefer.nlp.number_rank import rank_numbers
from briefer.nlp.salience import rank_claims
from briefer.nlp.speakers import find_speakers
from briefer.schema import CitedClaim, CitedDraft
from briefer.vocabulary import QUOTE_MARKS, cut_at_word

__all__ = ["Candidates", "filled_claims", "find_candidates", "speaker_of", "with_rule_speakers"]

CLAIM_CHARS = 140  # CitedClaim.text


@lru_cache(maxsize=8)
def find_candidates(text: str) -> Candidates:
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


def filled_claims(answer: CitedDraft, cited: CitedArticle, shown: Shown) -> CitedDraft:
    """The answer with one claim a sentence, as many as it gave.

    Small models cite one sentence several times; the repeats go, and the best-ranked
    candidates the answer left out take their places, in the article's own words and with
    the rules' speaker.
    """
    kept: list[CitedClaim] = []
    for claim in answer.claims:
        if all(k.sentence != claim.sentence for k in kept):
            kept.append(claim)
    for candidate in shown.claims:
        if len(kept) >= len(answer.claims):
            break
        sentence = cited.sentence(candidate.sentence)
        if sentence is None or any(k.sentence == candidate.sentence for k in kept):
            continue
        kept.append(
            CitedClaim(
                text=cut_at_word(sentence.text, CLAIM_CHARS),
                by=candidate.speaker,
                sentence=candidate.sentence,
            )
        )
    return answer.model_copy(update={"claims": kept})
