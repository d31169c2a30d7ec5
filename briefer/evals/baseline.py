"""The lead baseline: a brief made from the article's first sentences, with no model.

Every eval run scores it beside the model, so a figure reads against what copying the
lead of the article already gets. It is deterministic and reuses the pipeline's own
pieces (``briefer.citations``: the numbered sentences, the listed quantities and how a
cited quantity becomes a number; ``briefer.grounding``: the flags), so the metrics score
it unchanged. For an article:

* claims: the first ``LEAD_CLAIMS`` sentences without a speaker (no quote mark, no
  ``REPORTING_WORDS``); text and evidence = the sentence, ``attributed_to`` null;
* numbers: the first ``LEAD_NUMBERS`` quantities the prompt would list for the whole
  article, in its order (informative first, durations last), resolved as cited numbers;
* actors: the ``LEAD_ACTORS`` most frequent runs of capitalised words, split at
  ``NOT_NAMES`` (articles, pronouns, prepositions, days, months); leading titles dropped;
  no lone nationality adjective ("Russian"); a word opening a sentence or a quote only
  when the article writes it capitalised elsewhere and never in lower case; "Putin"
  counts for "Vladimir Putin"; role "";
* title: the first sentence, cut at a word; summary: the first two sentences
  (``briefer.headline.lead_headline``, the pipeline's fallback too); open questions: none.
"""

from __future__ import annotations

import re

from briefer.article_index import Sentence
from briefer.articles import Article
from briefer.citations import CitedArticle, evidence_span, resolve
from briefer.evals.metrics import score_case
from briefer.grounding import ground
from briefer.headline import lead_headline
from briefer.nlp.name_runs import counted_names
from briefer.schema import (
    ActorDraft,
    Brief,
    BriefDraft,
    BriefMeta,
    CitedDraft,
    ClaimDraft,
    NumberDraft,
)
from briefer.vocabulary import QUOTE_MARKS, REPORTING_WORDS, cut_at_word

LEAD_CLAIMS = 6
LEAD_NUMBERS = 10
LEAD_ACTORS = 6
LEAD_MODEL = "lead-baseline"
LEAD_BACKEND = "none"
TITLE_CHARS = 160  # BriefDraft.title
CLAIM_CHARS = 300  # ClaimDraft.text
SUMMARY_CHARS = 600  # BriefDraft.summary

# A sentence that has a quote mark or a reporting word reports someone's words: not the
# article's own claim.
_REPORTING = re.compile(
    r"\b(?:" + "|".join(REPORTING_WORDS).replace(" ", r"\s+") + r")\b", re.IGNORECASE
)


def has_speaker(sentence: str) -> bool:
    """Whether a sentence quotes or reports someone (a quote mark or a reporting word)."""
    return any(mark in sentence for mark in QUOTE_MARKS) or bool(_REPORTING.search(sentence))


def lead_claims(sentences: tuple[Sentence, ...]) -> list[ClaimDraft]:
    chosen = [s for s in sentences if not has_speaker(s.text)][:LEAD_CLAIMS]
    claims = []
    for sentence in chosen:
        span = evidence_span(sentence.text)
        claims.append(
            ClaimDraft(text=cut_at_word(span, CLAIM_CHARS), attributed_to=None, evidence=span)
        )
    return claims


def lead_numbers(cited: CitedArticle) -> list[NumberDraft]:
    """The first listed quantities, resolved exactly as the pipeline resolves cited ids."""
    ids = cited.excerpt().listed_ids[:LEAD_NUMBERS]
    answer = CitedDraft(title="", summary="", actors=[], claims=[], numbers=ids, questions=[])
    return resolve(answer, cited).draft.numbers


def lead_actors(sentences: tuple[Sentence, ...]) -> list[ActorDraft]:
    """The most frequent names (``briefer.nlp.name_runs.counted_names``)."""
    ranked = counted_names([s.text for s in sentences])
    return [ActorDraft(name=counted.name, role="") for counted in ranked[:LEAD_ACTORS]]


def lead_draft(text: str) -> BriefDraft:
    """The lead baseline's brief of an article's text (see the module docstring)."""
    cited = CitedArticle(text)
    sentences = cited.sentences
    title, summary = lead_headline(text, title_chars=TITLE_CHARS, summary_chars=SUMMARY_CHARS)
    return BriefDraft(
        title=title,
        summary=summary,
        actors=lead_actors(sentences),
        claims=lead_claims(sentences),
        numbers=lead_numbers(cited),
        open_questions=[],
    )


def lead_brief(article: Article) -> Brief:
    """The lead baseline as a ``Brief``, grounded as the pipeline grounds a model's."""
    draft = lead_draft(article.text)
    items = ground(draft, article.text)
    meta = BriefMeta(
        model=LEAD_MODEL,
        backend=LEAD_BACKEND,
        prompt_version="-",
        prompt_hash="-",
        calls=0,
        grounding=items.counts,
    )
    return items.brief(draft, article.ref(), meta)


def score_lead(article: Article, gold: BriefDraft) -> dict[str, float | None]:
    """Every metric of the lead baseline's brief of ``article`` against ``gold``."""
    return score_case(lead_brief(article), gold, article.text).values
