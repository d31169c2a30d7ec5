"""The faithfulness score: how well an article supports free text, LLM-free.

:func:`summary_support` scores free text against an article with the ideas of grounding,
SummaC-ZS style: each summary sentence is matched to the article sentences that support it
best (content-word coverage by the best pair of sentences, plus coverage of its content
bigrams by those sentences), sentence scores are averaged (with an optional weight on the
weakest sentence), and numbers and named entities the article does not contain cost a
multiplicative penalty. Every component is a small pure function of its inputs.

The article's sentences and quantities come from its shared index
(:func:`briefer.article_index.index_of`), words and stems from ``briefer.vocabulary``,
quantities from ``briefer.quantities``. Summaries written by old summarisers are lowercased
and tokenised ("dr urho kujala , of the university", "# 2,500" for "£2,500", "study 's"):
:func:`clean_text` undoes what it can, all comparisons are case-insensitive, and entities
in lowercased text are recognised as words that the article lacks and that are not common
English words. The weights and the validation against human labels (FRANK) are
``briefer.evals.faithfulness``; the eval metrics score brief summaries with it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from briefer.article_index import index_of
from briefer.chunking import sentence_spans
from briefer.quantities import Quantity, find_quantities, same_value
from briefer.vocabulary import REPORTING_VERBS, STOPWORDS, fold_text, stem

# Words a summary may add without adding a fact: function words, "said", "one", "new", "now".
# Less a few function words: the FRANK validation below froze the checker with this list
# (evals/README.md, validation looked at once), so it stays as validated.
_NOT_IN_VALIDATED_LIST = frozenset(
    str.split(
        """am another behind beyond either every having him inside least less like many
        much near neither outside several since throughout till toward towards whether yes"""
    )
)
_STOPWORDS = (
    STOPWORDS | REPORTING_VERBS | frozenset({"one", "new", "now"})
) - _NOT_IN_VALIDATED_LIST
# Words an abstractive summary may add without adding a fact.
_PLACEHOLDERS = frozenset({"unk"})  # pre-2018 summarisers' unknown-word token
_COMMON_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "ers")


# --- text -------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Undo summariser tokenisation and scraping artefacts; leaves ordinary prose unchanged.

    ``\\'`` -> ``'``, ``-LRB-``/``-RRB-`` -> brackets, ``# 2,500`` -> ``£2,500``,
    ``50, 000`` -> ``50,000``, ``10.25 m`` -> ``10.25m``, ``8pm`` -> ``8 pm`` and a space
    after a sentence glued to the next (``(AP).Less``).
    """
    text = text.replace("\\'", "'").replace('\\"', '"')
    text = text.replace("-LRB-", "(").replace("-RRB-", ")")
    text = re.sub(r"(?<=[a-z0-9%)][.!?])(?=[A-Z\"'‘“])", " ", text)
    text = re.sub(r"(?<!\w)# ?(?=\d)", "£", text)
    text = re.sub(r"(\d),\s(\d{3})\b", r"\1,\2", text)
    text = re.sub(r"(\d)\s(m|bn|k)\b", r"\1\2", text)
    return re.sub(r"(\d)(am|pm)\b", r"\1 \2", text, flags=re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` by :func:`~briefer.chunking.sentence_spans`, lowercase-tolerant.

    ``sentence_spans`` only splits before a capital or digit, so a lowercased copy of the
    same length gets its sentence-initial letters capitalised first.
    """
    probe = re.sub(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    probe = probe[:1].upper() + probe[1:]
    return [text[start:end] for start, end in sentence_spans(probe)]


def word_tokens(text: str) -> list[str]:
    """Lowercased word tokens; possessive ``'s`` dropped, hyphenated words split."""
    normalized = re.sub(r"'s\b|(?<=s)'(?=\s|$)", " ", fold_text(text))
    return re.findall(r"[a-z0-9]+(?:[.,]\d+)*", normalized)


def content_terms(tokens: Iterable[str]) -> list[str]:
    """Stemmed tokens that carry content: no stopwords, words of 3+ letters or numbers."""
    return [stem(t) for t in tokens if t not in _STOPWORDS and (len(t) >= 3 or t[0].isdigit())]


TokenTable = Literal["cl100k_base", "o200k_base"]


@lru_cache(maxsize=65536)
def _is_token(word: str, encoding: TokenTable) -> bool:
    from briefer.tokens import is_single_token  # reads the BPE file once per process

    return is_single_token(f" {word}".encode(), encoding)


def is_common_word(word: str, encoding: TokenTable = "cl100k_base") -> bool:
    """A common lowercase English word: ``" word"`` (or its bare stem) is one token.

    Lowercased proper names ("pochettino", "kujala", "dorset", "hungary") are rarely single
    tokens of the lowercase BPE vocabulary, so this is the entity test for lowercased text.
    The score was validated with cl100k; the pipeline's name check passes the o200k table
    it has loaded anyway (both agree on names such as "putin", "ukraine", "kursk").
    """
    if word in _STOPWORDS:
        return True
    bases = [word[: -len(s)] for s in _COMMON_SUFFIXES if word.endswith(s)]
    if word.endswith("ies"):
        bases.append(word[:-3] + "y")
    candidates = [word, *bases, *(b + "e" for b in bases)]
    return any(_is_token(c, encoding) for c in candidates if len(c) >= 3)


# --- the article side, computed once per article ----------------------------------------


@dataclass(frozen=True)
class ArticleEvidence:
    """What a summary is checked against: per-sentence terms and bigrams, vocabulary, numbers."""

    sentences: tuple[frozenset[str], ...]
    bigrams: tuple[frozenset[tuple[str, str]], ...]
    vocabulary: frozenset[str]
    tokens: frozenset[str]
    quantities: tuple[Quantity, ...]


@lru_cache(maxsize=32)
def article_evidence(article: str) -> ArticleEvidence:
    """The article's side of the score, from its shared index (sentences and quantities of
    :func:`~briefer.article_index.index_of`, after :func:`clean_text`)."""
    text = clean_text(article)
    index = index_of(text)
    terms = [content_terms(word_tokens(s.text)) for s in index.sentences]
    sentences = tuple(frozenset(t) for t in terms)
    return ArticleEvidence(
        sentences=sentences,
        bigrams=tuple(frozenset(itertools.pairwise(t)) for t in terms),
        vocabulary=frozenset().union(*sentences),
        tokens=frozenset(word_tokens(text)),
        quantities=tuple(located.quantity for located in index.quantities),
    )


# --- the components ---------------------------------------------------------------------


def sentence_support(terms: Sequence[str], evidence: ArticleEvidence) -> float:
    """How well the best two article sentences support one summary sentence, in [0, 1].

    0.75 x the share of the sentence's content terms found in the best article sentence
    plus the best complementary one, + 0.25 x the share of its content bigrams found in
    those two sentences (word order: "police shot a man" vs "a man shot police").
    """
    wanted = set(terms)
    if not wanted:
        return 1.0
    if not evidence.sentences:
        return 0.0
    first = max(range(len(evidence.sentences)), key=lambda i: len(wanted & evidence.sentences[i]))
    rest = wanted - evidence.sentences[first]
    second = max(range(len(evidence.sentences)), key=lambda i: len(rest & evidence.sentences[i]))
    covered = len(wanted) - len(rest - evidence.sentences[second])
    bigrams = set(itertools.pairwise(terms))
    found = evidence.bigrams[first] | evidence.bigrams[second]
    order = len(bigrams & found) / len(bigrams) if bigrams else 1.0
    return 0.75 * covered / len(wanted) + 0.25 * order


def unsupported_numbers(text: str, evidence: ArticleEvidence) -> list[str]:
    """Quantities of ``text`` whose value the article never states (ordinals aside)."""
    missing: list[str] = []
    for quantity in find_quantities(text):
        if quantity.kind == "ordinal":
            continue
        if any(same_value(quantity.value, q.value) for q in evidence.quantities):
            continue
        if fold_text(quantity.text).lstrip("£$€") in evidence.tokens:
            continue
        missing.append(quantity.text)
    return missing


def novel_entities(text: str, evidence: ArticleEvidence) -> list[str]:
    """Names in ``text`` that the article does not contain.

    In cased text a name is a capitalised word (not sentence-initial unless uncommon); in
    lowercased text, any word that is not a common English word. Either way it is novel
    when neither it nor its stem occurs in the article. Unknown-word placeholders ("UNK")
    count as novel.
    """
    cased = _is_cased(text)
    novel: list[str] = []
    for sentence in split_sentences(text):
        for position, match in enumerate(re.finditer(r"[\w'-]+", sentence)):
            raw = match.group()
            for token in word_tokens(raw):
                if token in _PLACEHOLDERS:
                    novel.append(raw)
                    continue
                if token in evidence.tokens or stem(token) in evidence.vocabulary:
                    continue
                if len(token) < 3 or not token.isalpha() or token in _STOPWORDS:
                    continue
                if cased and not raw[:1].isupper():
                    continue
                if (not cased or position == 0) and is_common_word(token):
                    continue
                novel.append(raw)
    return list(dict.fromkeys(novel))


def _is_cased(text: str) -> bool:
    """True when capitals occur beyond sentence starts (and "UNK"): normal prose."""
    body = re.sub(r"\bUNK\b", "", text)
    body = re.sub(r"(^|[.!?]\s+)[\"'‘“(]*[A-Z]", " ", body)
    return bool(re.search(r"[A-Z]", body))


# --- the score --------------------------------------------------------------------------


class SupportWeights(BaseModel):
    """How sentence supports and penalties combine; tuned by :func:`validate_faithfulness`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weakest: float = Field(0.0, ge=0, le=1, description="weight of the min over sentences")
    number_penalty: float = Field(0.0, ge=0, le=1, description="per unsupported number")
    entity_penalty: float = Field(0.0, ge=0, le=1, description="per novel entity")


# Tuned on the tuning half of FRANK (seed 0) by :func:`tune_weights`.
DEFAULT_WEIGHTS = SupportWeights(weakest=0.0, number_penalty=0.25, entity_penalty=0.0)


class SupportScore(BaseModel):
    """A faithfulness score in [0, 1] with the evidence for it."""

    model_config = ConfigDict(frozen=True)

    score: float
    sentence_support: list[float]
    unsupported_numbers: list[str]
    novel_entities: list[str]

    def rescored(self, weights: SupportWeights) -> float:
        return combine(
            self.sentence_support,
            len(self.unsupported_numbers),
            len(self.novel_entities),
            weights,
        )


def combine(
    supports: Sequence[float], numbers: int, entities: int, weights: SupportWeights
) -> float:
    """Mean (mixed with min) sentence support, times (1 - penalty) per unsupported item."""
    if not supports:
        base = 1.0
    else:
        mean = sum(supports) / len(supports)
        base = weights.weakest * min(supports) + (1 - weights.weakest) * mean
    return base * (1 - weights.number_penalty) ** numbers * (1 - weights.entity_penalty) ** entities


def summary_support(
    summary: str, article: str, weights: SupportWeights = DEFAULT_WEIGHTS
) -> SupportScore:
    """How faithful ``summary`` is to ``article``, deterministic and LLM-free, in [0, 1].

    The mean of the sentences' :func:`sentence_support` (mixed with their min by
    ``weights.weakest``), times ``1 - penalty`` per :func:`unsupported_numbers` item and per
    :func:`novel_entities` item. A summary without content words scores 1.0. The article's
    side is computed once per distinct article text (:func:`article_evidence` is cached).
    """
    evidence = article_evidence(article)
    text = clean_text(summary)
    supports = [
        sentence_support(content_terms(word_tokens(s)), evidence) for s in split_sentences(text)
    ]
    numbers = unsupported_numbers(text, evidence)
    entities = novel_entities(text, evidence)
    return SupportScore(
        score=combine(supports, len(numbers), len(entities), weights),
        sentence_support=supports,
        unsupported_numbers=numbers,
        novel_entities=entities,
    )


def word_overlap(summary: str, article: str) -> float:
    """Baseline: the share of the summary's content words that occur in the article."""
    terms = set(content_terms(word_tokens(clean_text(summary))))
    if not terms:
        return 1.0
    return len(terms & article_evidence(article).vocabulary) / len(terms)
