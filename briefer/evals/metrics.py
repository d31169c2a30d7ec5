"""Per-field scores of one brief against its gold brief: pure functions, no I/O.

A scorer takes the predicted items, the gold items (and the article text where it needs
it) and returns a ``Matching``: which predicted item was paired with which gold item (a
one-to-one assignment, see :func:`briefer.evals.matching.assign`), what was missed and what was extra. Metric
values are computed from the matchings by :func:`score_case`.

Conventions, the same for every field:

* precision = matched / predicted, recall = matched / gold, F1 = 2·matched / (predicted +
  gold). A rate with an empty denominator is ``None`` ("unscored"), and aggregates skip it;
  F1 is 1.0 when both lists are empty and 0.0 when only one is.
* A case whose brief failed (no valid output) is scored as an empty brief: recall and F1
  are 0 wherever the gold has items, and ``schema_valid_rate`` is 0.
* The summary metrics (``summary_rouge_*``: ROUGE F against the gold summary, tokenised as
  Google's ``rouge-score`` does by default; ``summary_support``: ``briefer.faithfulness``;
  ``headline_unsupported``: ``briefer.headline.check_headline`` problems of title and
  summary, target 0) are shown beside the others but are no headline metric.

Thresholds (each calibrated on the 21 gold briefs in ``evals/gold``; see ``evals/README.md``):

* ``NAME_FUZZY_THRESHOLD`` = 90: rapidfuzz ``token_sort_ratio`` (0-100) at or above which
  two normalised names are spelling variants ("Zelensky"/"Zelenskyy" 94, "Peskov" with
  "Dmitry"/"Dmitri" 92), while different people stay apart ("Vladimir Putin"/"Vladimir
  Potanin" 87, "North Korea"/"South Korea" 82).
* ``CLAIM_MATCH_THRESHOLD`` = 0.45: ROUGE-L F1 (claim text, or evidence span) at or above
  which two claims are the same claim. Two *different* claims of one gold brief reach at
  most 0.36 on text and 0.40 on evidence ("like-for-like sales at Argos fell 1.1% in the
  eight weeks" / "Total sales at Argos rose 1.9% ... in the eight-week period").
* ``QUESTION_MATCH_THRESHOLD`` = 0.40: ROUGE-1 F1 at or above which a predicted open
  question covers a gold one; two different gold questions of one brief reach at most
  0.35. Lexical, so a reworded question can be missed: read coverage as a coarse signal.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from briefer.article_index import index_of
from briefer.evals.matching import Matching, match_items
from briefer.faithfulness import summary_support
from briefer.headline import check_headline
from briefer.quantities import find_quantities, parse_number, same_value, units_compatible
from briefer.schema import ActorDraft, BriefDraft, ClaimDraft, NumberDraft
from briefer.vocabulary import CORE_STOPWORDS, REPORTING_VERBS, fold_text, name_key, singular

NAME_FUZZY_THRESHOLD = 90
CLAIM_MATCH_THRESHOLD = 0.45
QUESTION_MATCH_THRESHOLD = 0.40
# Scores name_similarity gives by rule (a fuzzy match gives its ratio / 100, >= 0.90).
_SAME_NAME, _ACRONYM, _PART_OF_NAME = 1.0, 0.95, 0.90
# A number pair whose value and unit agree scores at least this (context breaks ties).
_NUMBER_MATCH_BASE = 0.5


@dataclass(frozen=True)
class Metric:
    description: str
    higher_is_better: bool = True


METRICS: dict[str, Metric] = {
    "actors_precision": Metric("predicted actors that match a gold actor"),
    "actors_recall": Metric("gold actors found"),
    "actors_f1": Metric("F1 of actor names (normalised, fuzzy)"),
    "numbers_precision": Metric("predicted numbers that match a gold (value, unit)"),
    "numbers_recall": Metric("gold (value, unit) pairs found"),
    "numbers_f1": Metric("F1 of (value, unit) pairs"),
    "hallucinated_number_rate": Metric(
        "predicted numbers whose value is nowhere in the article", higher_is_better=False
    ),
    "claims_precision": Metric("predicted claims that match a gold claim"),
    "claims_recall": Metric("gold claims found"),
    "claims_f1": Metric("F1 of claims (ROUGE-L matching)"),
    "attribution_accuracy": Metric("matched claims attributed to the same speaker"),
    "evidence_grounding": Metric("predicted claims whose evidence is a span of the article"),
    "question_coverage": Metric("gold open questions covered by a predicted one"),
    "schema_valid_rate": Metric("cases that produced a valid brief"),
    "summary_rouge_1": Metric("ROUGE-1 F of the summary against the gold summary"),
    "summary_rouge_2": Metric("ROUGE-2 F of the summary against the gold summary"),
    "summary_rouge_l": Metric("ROUGE-L F of the summary against the gold summary"),
    "summary_support": Metric(
        "faithfulness support of the summary by the article (briefer.faithfulness)"
    ),
    "headline_unsupported": Metric(
        "names, numbers and roles in the title and summary that the article does not state",
        higher_is_better=False,
    ),
}
HEADLINE_METRICS = (
    "actors_f1",
    "numbers_f1",
    "claims_recall",
    "attribution_accuracy",
    "evidence_grounding",
    "question_coverage",
    "schema_valid_rate",
)


# --- rates ------------------------------------------------------------------------------


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None (unscored) when the denominator is 0."""
    return numerator / denominator if denominator else None


def f1(matched: int, predicted: int, gold: int) -> float:
    """2·matched / (predicted + gold); 1.0 when both are empty."""
    return 1.0 if predicted + gold == 0 else 2 * matched / (predicted + gold)


def prf(matching: Matching) -> tuple[float | None, float | None, float]:
    """(precision, recall, F1) of a matching."""
    return (
        ratio(matching.matched, matching.predicted),
        ratio(matching.matched, matching.gold),
        f1(matching.matched, matching.predicted, matching.gold),
    )


# --- names ------------------------------------------------------------------------------

_ACRONYM_SKIP = frozenset({"of", "and", "for", "the", "de", "du", "la", "le"})


def _tokens_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    return min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= NAME_FUZZY_THRESHOLD


def _is_acronym(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    initials = "".join(token[0] for token in long if token not in _ACRONYM_SKIP)
    return len(short) == 1 and len(long) >= 2 and len(short[0]) >= 2 and short[0] == initials


def _is_part_of(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Every token of ``short`` is in ``long``, including ``long``'s last (the surname)."""
    if not short or len(short) >= len(long):
        return False
    in_long = all(any(_tokens_equal(s, token) for token in long) for s in short)
    return in_long and any(_tokens_equal(s, long[-1]) for s in short)


def name_similarity(a: str, b: str) -> float:
    """How surely two names denote the same actor: 0.0 (not) or a score in [0.9, 1].

    After :func:`~briefer.vocabulary.name_key`, in order: the same tokens (1.0); an acronym of the other
    ("RBS" / "Royal Bank of Scotland", "WADA" / "World Anti-Doping Agency": 0.95); part of
    the other including its last token ("Putin" / "Vladimir Putin": 0.90; "Washington" /
    "Washington Post" is not); else rapidfuzz ``token_sort_ratio`` / 100 when at least
    ``NAME_FUZZY_THRESHOLD``. Tokens compare fuzzily too ("Zelenskyy" / "Volodymyr
    Zelensky").
    """
    na, nb = name_key(a), name_key(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return _SAME_NAME
    short, long = (na, nb) if len(na) <= len(nb) else (nb, na)
    if _is_acronym(short, long):
        return _ACRONYM
    if _is_part_of(short, long):
        return _PART_OF_NAME
    score = fuzz.token_sort_ratio(" ".join(na), " ".join(nb))
    return score / 100 if score >= NAME_FUZZY_THRESHOLD else 0.0


def score_actors(predicted: Sequence[ActorDraft], gold: Sequence[ActorDraft]) -> Matching:
    return match_items(
        [a.name for a in predicted], [a.name for a in gold], name_similarity, threshold=0.5
    )


# --- text similarity --------------------------------------------------------------------

# Words ROUGE ignores: function words proper and "said" (who said it is the attribution's
# score); the match thresholds above were calibrated with exactly these.
TEXT_STOPWORDS = CORE_STOPWORDS | REPORTING_VERBS
_TOKEN = re.compile(r"[a-z]+|[0-9]+(?:[.,][0-9]+)*")


def text_tokens(text: str) -> list[str]:
    """Content tokens: normalised, lower case, words and numbers split apart ("£446million"
    is "446", "million"), stopwords (``TEXT_STOPWORDS``) dropped, nouns singular."""
    return [singular(t) for t in _TOKEN.findall(fold_text(text)) if t not in TEXT_STOPWORDS]


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _f_measure(overlap: int, len_a: int, len_b: int) -> float:
    return 2 * overlap / (len_a + len_b) if overlap else 0.0


def rouge_l_f1(a: str, b: str) -> float:
    """ROUGE-L F1 of two texts over :func:`text_tokens`: 2·LCS / (len a + len b)."""
    ta, tb = text_tokens(a), text_tokens(b)
    return _f_measure(_lcs_length(ta, tb), len(ta), len(tb))


def rouge_1_f1(a: str, b: str) -> float:
    """ROUGE-1 F1 (bag of content tokens, order ignored) of two texts."""
    ca, cb = Counter(text_tokens(a)), Counter(text_tokens(b))
    return _f_measure(sum((ca & cb).values()), sum(ca.values()), sum(cb.values()))


# --- summaries --------------------------------------------------------------------------

_ROUGE_TOKEN = re.compile(r"[a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    """Tokens as Google's ``rouge-score`` makes them by default: lower case, runs of ASCII
    letters and digits, no stopwords dropped, no stemming (so figures compare with
    published ROUGE; the claim and question matching above uses :func:`text_tokens`)."""
    return _ROUGE_TOKEN.findall(text.lower())


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(candidate: str, reference: str, n: int) -> float:
    """ROUGE-N F: 2·(shared n-grams, clipped) / (candidate n-grams + reference n-grams)."""
    a, b = _ngrams(rouge_tokens(candidate), n), _ngrams(rouge_tokens(reference), n)
    return _f_measure(sum((a & b).values()), sum(a.values()), sum(b.values()))


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F (summary-level LCS of the whole texts): 2·LCS / (len a + len b)."""
    a, b = rouge_tokens(candidate), rouge_tokens(reference)
    return _f_measure(_lcs_length(a, b), len(a), len(b))


def summary_scores(
    title: str, summary: str, gold_summary: str, article_text: str
) -> dict[str, float | None]:
    """ROUGE-1/2/L of ``summary`` against the gold's, its faithfulness support by the
    article, and how many names, numbers and roles of title and summary the article lacks."""
    return {
        "summary_rouge_1": rouge_n(summary, gold_summary, 1),
        "summary_rouge_2": rouge_n(summary, gold_summary, 2),
        "summary_rouge_l": rouge_l(summary, gold_summary),
        "summary_support": summary_support(summary, article_text).score,
        "headline_unsupported": float(len(check_headline(title, summary, article_text))),
    }


# --- numbers ----------------------------------------------------------------------------


def number_values(number: NumberDraft) -> set[float]:
    """The values a reported number may stand for: its ``value`` and the value its ``text``
    spells ("50 thousand" -> 50000), both without sign ("a 3% fall" is often given as -3)."""
    values = {abs(number.value)}
    parsed = parse_number(number.text)
    if parsed is not None:
        values.add(abs(parsed))
    return values


def number_units(number: NumberDraft) -> list[str | None]:
    """The units a reported number may have: its ``unit`` and, when its ``text`` names one,
    the unit read from the text ("145 drones" with unit "record" is also "drone")."""
    from_text = [q.unit for q in find_quantities(number.text) if q.unit]
    return [number.unit, *from_text]


def numbers_agree(a: NumberDraft, b: NumberDraft) -> bool:
    """Same value (``same_value`` on :func:`number_values`) and compatible units
    (``units_compatible`` on the ``unit`` fields, or a unit read from ``text``)."""
    same = any(same_value(x, y) for x in number_values(a) for y in number_values(b))
    if not same or units_compatible(a.unit, b.unit):
        return same
    return any(units_compatible(x, y) for x in number_units(a) for y in number_units(b))


def number_similarity(a: NumberDraft, b: NumberDraft) -> float:
    """0 unless the numbers agree; then 0.5 plus half the ROUGE-1 of unit + context (which
    decides between two gold numbers with one value, e.g. 70 leaders and 70 aircraft)."""
    if not numbers_agree(a, b):
        return 0.0
    about = rouge_1_f1(f"{a.unit or ''} {a.context}", f"{b.unit or ''} {b.context}")
    return _NUMBER_MATCH_BASE + (1 - _NUMBER_MATCH_BASE) * about


def hallucinated_numbers(
    predicted: Sequence[NumberDraft], article_values: Iterable[float]
) -> list[int]:
    """Indices of predicted numbers whose value (sign ignored) equals no quantity the
    article states anywhere (its ``ArticleIndex``), whatever the grounding flags say."""
    known = [abs(value) for value in article_values]
    return [
        i
        for i, number in enumerate(predicted)
        if not any(same_value(abs(number.value), value) for value in known)
    ]


class NumberMatching(Matching):
    hallucinated: list[int] = Field(default_factory=list, description="predicted indices")


def score_numbers(
    predicted: Sequence[NumberDraft], gold: Sequence[NumberDraft], article_text: str
) -> NumberMatching:
    matching = match_items(predicted, gold, number_similarity, threshold=_NUMBER_MATCH_BASE)
    article_values = [located.quantity.value for located in index_of(article_text).quantities]
    return NumberMatching(
        **matching.model_dump(), hallucinated=hallucinated_numbers(predicted, article_values)
    )


# --- claims -----------------------------------------------------------------------------


def claim_similarity(a: ClaimDraft, b: ClaimDraft) -> float:
    """max(ROUGE-L F1 of the claim texts, ROUGE-L F1 of the evidence spans)."""
    return max(rouge_l_f1(a.text, b.text), rouge_l_f1(a.evidence, b.evidence))


def same_speaker(a: str | None, b: str | None) -> bool:
    """Both unattributed (the article asserts it), or names that match."""
    if a is None or b is None:
        return a is None and b is None
    return name_similarity(a, b) > 0


class ClaimMatching(Matching):
    attribution_ok: list[bool] = Field(default_factory=list, description="one per pair")
    evidence_in_article: list[bool] = Field(default_factory=list, description="one per prediction")


def score_claims(
    predicted: Sequence[ClaimDraft], gold: Sequence[ClaimDraft], article_text: str
) -> ClaimMatching:
    matching = match_items(predicted, gold, claim_similarity, CLAIM_MATCH_THRESHOLD)
    index = index_of(article_text)
    return ClaimMatching(
        **matching.model_dump(),
        attribution_ok=[
            same_speaker(predicted[p.pred].attributed_to, gold[p.gold].attributed_to)
            for p in matching.pairs
        ],
        evidence_in_article=[index.contains_span(c.evidence) for c in predicted],
    )


# --- open questions ---------------------------------------------------------------------


def score_questions(predicted: Sequence[str], gold: Sequence[str]) -> Matching:
    return match_items(predicted, gold, rouge_1_f1, QUESTION_MATCH_THRESHOLD)


# --- one case ---------------------------------------------------------------------------


class CaseDetails(BaseModel):
    actors: Matching
    numbers: NumberMatching
    claims: ClaimMatching
    questions: Matching


class CaseScore(BaseModel):
    values: dict[str, float | None]
    details: CaseDetails


class BriefItems(Protocol):
    """What scoring reads of a brief: a ``Brief`` (grounding flags unused) or a ``BriefDraft``."""

    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def actors(self) -> Sequence[ActorDraft]: ...
    @property
    def claims(self) -> Sequence[ClaimDraft]: ...
    @property
    def numbers(self) -> Sequence[NumberDraft]: ...
    @property
    def open_questions(self) -> Sequence[str]: ...


_EMPTY = BriefDraft(title="", summary="", actors=[], claims=[], numbers=[], open_questions=[])


def score_case(brief: BriefItems | None, gold: BriefItems, article_text: str) -> CaseScore:
    """Every metric of ``METRICS`` for one case; ``brief`` None means the run failed."""
    predicted: BriefItems = brief if brief is not None else _EMPTY
    actors = score_actors(predicted.actors, gold.actors)
    numbers = score_numbers(predicted.numbers, gold.numbers, article_text)
    claims = score_claims(predicted.claims, gold.claims, article_text)
    questions = score_questions(predicted.open_questions, gold.open_questions)
    values: dict[str, float | None] = {}
    for field, matching in (("actors", actors), ("numbers", numbers), ("claims", claims)):
        precision, recall, f_score = prf(matching)
        values |= {
            f"{field}_precision": precision,
            f"{field}_recall": recall,
            f"{field}_f1": f_score,
        }
    values["hallucinated_number_rate"] = ratio(len(numbers.hallucinated), numbers.predicted)
    values["attribution_accuracy"] = ratio(sum(claims.attribution_ok), claims.matched)
    values["evidence_grounding"] = ratio(sum(claims.evidence_in_article), claims.predicted)
    values["question_coverage"] = ratio(questions.matched, questions.gold)
    values["schema_valid_rate"] = 0.0 if brief is None else 1.0
    values |= summary_scores(predicted.title, predicted.summary, gold.summary, article_text)
    if brief is None:  # nothing was stated: ROUGE is 0, the rest unscored
        values |= {"summary_support": None, "headline_unsupported": None}
    ordered = {name: values[name] for name in METRICS}
    return CaseScore(
        values=ordered,
        details=CaseDetails(actors=actors, numbers=numbers, claims=claims, questions=questions),
    )


# --- aggregates -------------------------------------------------------------------------


def mean_defined(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    defined = [v for v in values if v is not None]
    return statistics.fmean(defined) if defined else None


def aggregate(cases: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    """Per metric, the mean over the cases that scored it."""
    return {name: mean_defined(case.get(name) for case in cases) for name in METRICS}
