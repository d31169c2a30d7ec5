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
from collections import Counter
from dataclasses import dataclass

from briefer.article_index import Sentence
from briefer.articles import Article
from briefer.citations import CitedArticle, evidence_span, resolve
from briefer.evals.metrics import score_case
from briefer.grounding import ground
from briefer.headline import cut_at_word, lead_headline
from briefer.schema import (
    ActorDraft,
    Brief,
    BriefDraft,
    BriefMeta,
    CitedDraft,
    ClaimDraft,
    NumberDraft,
)
from briefer.vocabulary import TITLES as NAME_TITLES

LEAD_CLAIMS = 6
LEAD_NUMBERS = 10
LEAD_ACTORS = 6
LEAD_MODEL = "lead-baseline"
LEAD_BACKEND = "none"
TITLE_CHARS = 160  # BriefDraft.title
CLAIM_CHARS = 300  # ClaimDraft.text
SUMMARY_CHARS = 600  # BriefDraft.summary
NAME_CHARS = 80  # ActorDraft.name

# A sentence that has one of these reports someone's words: not the article's own claim.
QUOTE_MARKS = frozenset('"“”„«»‘')  # not ’ or ': they are apostrophes too
REPORTING_WORDS = ("said", "says", "say", "told", "tells", "according to", "added", "stated")
_REPORTING = re.compile(r"\b(?:" + "|".join(REPORTING_WORDS).replace(" ", r"\s+") + r")\b",
                        re.IGNORECASE)
# Capitalised words that are no actor wherever they stand.
NOT_NAMES = frozenset(str.split(
    """a an the this that these those he she it we they i you his her its our their there
    here but and or so yet if when while as at in on of for to from by with after before
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december"""
))

# A lone nationality adjective ("Russian", "Ukrainians", "Scottish") names no actor.
_NATIONALITY = re.compile(r"[A-Z][a-z]+(?:ians?|icans?|eans?|ese|ish)")
# A word, not inside another ("iCloud" is one lower-case word); inner dots only before a
# capital ("U.S."), so "Ansa.it" is the word "Ansa." and then "it".
_WORD = re.compile(r"(?<![\w'’.])[^\W\d_](?:[\w&'’-]|\.(?=[A-Z]))*\.?")
_POSSESSIVE = re.compile(r"['’]s$")
_OPENERS = ("\"", "“", "‘", "'", "(", "[", ":")  # a word after one of these opens a quote


@dataclass(frozen=True)
class _Word:
    text: str  # without a possessive or a closing dot ("Putin's" -> "Putin")
    capital: bool
    opening: bool  # first of its sentence or quote: capitalised whatever it is
    joined: bool  # only spaces since the previous word


def has_speaker(sentence: str) -> bool:
    """Whether a sentence quotes or reports someone (a quote mark or a reporting word)."""
    return any(mark in sentence for mark in QUOTE_MARKS) or bool(_REPORTING.search(sentence))


def lead_claims(sentences: tuple[Sentence, ...]) -> list[ClaimDraft]:
    chosen = [s for s in sentences if not has_speaker(s.text)][:LEAD_CLAIMS]
    claims = []
    for sentence in chosen:
        span = evidence_span(sentence.text)
        claims.append(ClaimDraft(text=cut_at_word(span, CLAIM_CHARS), attributed_to=None, evidence=span))
    return claims


def lead_numbers(cited: CitedArticle) -> list[NumberDraft]:
    """The first listed quantities, resolved exactly as the pipeline resolves cited ids."""
    ids = cited.excerpt().listed_ids[:LEAD_NUMBERS]
    answer = CitedDraft(title="", summary="", actors=[], claims=[], numbers=ids, questions=[])
    return resolve(answer, cited).draft.numbers


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


def lead_actors(sentences: tuple[Sentence, ...]) -> list[ActorDraft]:
    """The most frequent names; a name's counts go to the most frequent longer name ending
    with it ("Putin" to "Vladimir Putin"); ties go to the name seen first."""
    words = [sentence_words(s.text) for s in sentences]
    common = {w.text.lower() for ws in words for w in ws if not w.capital}
    named = {w.text for ws in words for w in ws if w.capital and not w.opening}
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for sentence in words:
        for name in name_runs(sentence, common, named):
            counts[name] += 1
            first_seen.setdefault(name, len(first_seen))
    merged: Counter[str] = Counter()
    for name, count in counts.items():
        longer = [n for n in counts if n.endswith(" " + name)]
        owner = max(longer, key=lambda n: (counts[n], -first_seen[n])) if longer else name
        merged[owner] += count
    ranked = sorted(merged, key=lambda n: (-merged[n], first_seen[n]))
    return [ActorDraft(name=name, role="") for name in ranked[:LEAD_ACTORS]]


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
