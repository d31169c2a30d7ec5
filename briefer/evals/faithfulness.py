"""Validate an LLM-free faithfulness score against human judgments (FRANK).

:func:`summary_support` scores free text against an article with the ideas of grounding,
SummaC-ZS style: each summary sentence is matched to the article sentences that support it
best (content-word coverage by the best pair of sentences, plus coverage of its content
bigrams by those sentences), sentence scores are averaged (with an optional weight on the
weakest sentence), and numbers and named entities the article does not contain cost a
multiplicative penalty. Every component is a small pure function of its inputs.

:func:`validate_faithfulness` applies it to FRANK's human-labelled model summaries
(``frank/frank_labelled.jsonl`` joined to ``frank/articles.jsonl``), keeps only the summaries
judged fully faithful or fully unfaithful, splits the *articles* into a tuning half and a
validation half, tunes the penalty weights and the decision threshold on the tuning half
only, and reports balanced accuracy and ROC AUC on the validation half, per data set and
overall, next to two baselines (always-faithful; summary word overlap with the article).

FRANK's summaries are lowercased and tokenised by the summarisers ("dr urho kujala , of
the university", "# 2,500" for "£2,500", "study 's"): :func:`clean_text` undoes what it can,
all comparisons are case-insensitive, and entities in lowercased text are recognised as
words that the article lacks and that are not common English words.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import tiktoken
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefer.chunking import sentence_spans
from briefer.errors import InputError
from briefer.grounding import normalize_text
from briefer.numbers import Quantity, find_quantities, same_value

__all__ = [
    "DEFAULT_WEIGHTS",
    "ArticleEvidence",
    "FaithfulnessReport",
    "LabelledSummary",
    "MethodResult",
    "SupportScore",
    "SupportWeights",
    "article_evidence",
    "auc_interval",
    "balanced_accuracy",
    "best_threshold",
    "clean_text",
    "combine",
    "content_terms",
    "is_common_word",
    "load_frank",
    "novel_entities",
    "roc_auc",
    "sentence_support",
    "split_articles",
    "split_sentences",
    "summary_support",
    "tune_weights",
    "unsupported_numbers",
    "validate_faithfulness",
    "word_overlap",
    "word_tokens",
]

Dataset = Literal["cnndm", "bbc", "overall"]
Method = Literal["checker", "word_overlap", "always_faithful"]
DATASETS: tuple[Dataset, ...] = ("cnndm", "bbc", "overall")
METHODS: tuple[Method, ...] = ("checker", "word_overlap", "always_faithful")

_STOPWORDS = frozenset(
    re.split(
        r"\s+",
        """a an the and or but if of in on at by to for from with as is are was were be been being
        have has had do does did not no nor so than that this these those it its he she they them
        his her hers their theirs our ours we us you your yours i me my mine who whom whose which
        what when where why how all any both each few more most other some such only own same too
        very can will just should would could may might must shall also into onto over under about
        after before between through during above below up down out off again further then once
        here there said says say told tell one new now yet still even ever while until upon per
        via amid among within without against around across along""",
    )
)
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
    normalized = re.sub(r"'s\b|(?<=s)'(?=\s|$)", " ", normalize_text(text))
    return re.findall(r"[a-z0-9]+(?:[.,]\d+)*", normalized)


def stem(word: str) -> str:
    """A light suffix stripper, so "tumbled"/"tumbles"/"tumbling" compare equal."""
    if len(word) <= 4 or not word.isalpha():
        return word
    if word.endswith(("ies", "ied")) and len(word) > 5:
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    return word.rstrip("e") if len(word) > 3 else word


def content_terms(tokens: Iterable[str]) -> list[str]:
    """Stemmed tokens that carry content: no stopwords, words of 3+ letters or numbers."""
    return [stem(t) for t in tokens if t not in _STOPWORDS and (len(t) >= 3 or t[0].isdigit())]


@cache
def _cl100k() -> tiktoken.Encoding:
    from briefer.tokens import get_encoding  # builds the BPE table once, about 2 s

    return get_encoding("cl100k_base")


@lru_cache(maxsize=65536)
def _is_token(word: str) -> bool:
    try:
        _cl100k().encode_single_token(f" {word}".encode())
    except KeyError:
        return False
    return True


def is_common_word(word: str) -> bool:
    """A common lowercase English word: ``" word"`` (or its bare stem) is one cl100k token.

    Lowercased proper names ("pochettino", "kujala", "dorset", "hungary") are rarely single
    tokens of the lowercase BPE vocabulary, so this is the entity test for lowercased text.
    """
    if word in _STOPWORDS:
        return True
    bases = [word[: -len(s)] for s in _COMMON_SUFFIXES if word.endswith(s)]
    if word.endswith("ies"):
        bases.append(word[:-3] + "y")
    candidates = [word, *bases, *(b + "e" for b in bases)]
    return any(_is_token(c) for c in candidates if len(c) >= 3)


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
    text = clean_text(article)
    terms = [content_terms(word_tokens(s)) for s in split_sentences(text)]
    sentences = tuple(frozenset(t) for t in terms)
    return ArticleEvidence(
        sentences=sentences,
        bigrams=tuple(frozenset(itertools.pairwise(t)) for t in terms),
        vocabulary=frozenset().union(*sentences),
        tokens=frozenset(word_tokens(text)),
        quantities=tuple(find_quantities(text)),
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
        if normalize_text(quantity.text).lstrip("£$€") in evidence.tokens:
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


# --- metrics ----------------------------------------------------------------------------


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve (Mann-Whitney U with mid-ranks for ties); True = positive."""
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    if not positives or not negatives:
        raise ValueError("ROC AUC needs both positive and negative labels")
    order = sorted(range(len(scores)), key=scores.__getitem__)
    rank_sum = 0.0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        mid_rank = (start + end) / 2 + 1
        rank_sum += mid_rank * sum(1 for i in order[start : end + 1] if labels[i])
        start = end + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def balanced_accuracy(predictions: Sequence[bool], labels: Sequence[bool]) -> float:
    """Mean recall over the classes present in ``labels``."""
    if len(predictions) != len(labels):
        raise ValueError("predictions and labels differ in length")
    if not labels:
        raise ValueError("balanced accuracy of nothing")
    recalls = []
    for cls in (True, False):
        members = [p for p, label in zip(predictions, labels, strict=True) if bool(label) == cls]
        if members:
            recalls.append(sum(1 for p in members if bool(p) == cls) / len(members))
    return sum(recalls) / len(recalls)


def best_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The threshold t maximising balanced accuracy of ``score >= t`` (a midpoint; lowest wins).

    One sweep over the sorted scores: moving t past a value turns its items negative.
    """
    if len(scores) != len(labels) or not scores:
        raise ValueError("need as many labels as scores, and at least one")
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    by_value: dict[float, list[int]] = {}
    for score, label in zip(scores, labels, strict=True):
        by_value.setdefault(score, [0, 0])[0 if label else 1] += 1
    values = sorted(by_value)
    true_pos, true_neg = positives, 0
    best, best_ba = values[0] - 1.0, _ba_from_counts(true_pos, positives, true_neg, negatives)
    for index, value in enumerate(values):
        true_pos -= by_value[value][0]
        true_neg += by_value[value][1]
        ba = _ba_from_counts(true_pos, positives, true_neg, negatives)
        if ba > best_ba + 1e-12:
            upper = values[index + 1] if index + 1 < len(values) else value + 2.0
            best, best_ba = (value + upper) / 2, ba
    return best


def _ba_from_counts(true_pos: int, positives: int, true_neg: int, negatives: int) -> float:
    recalls = [true_pos / positives] if positives else []
    recalls += [true_neg / negatives] if negatives else []
    return sum(recalls) / len(recalls)


def auc_interval(auc: float, positives: int, negatives: int) -> tuple[float, float]:
    """Approximate 95 % interval for an AUC (Hanley & McNeil 1982 standard error)."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    ) / (positives * negatives)
    half = 1.96 * math.sqrt(max(variance, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


# --- validation against FRANK -----------------------------------------------------------


@dataclass(frozen=True)
class LabelledSummary:
    article_hash: str
    dataset: Literal["cnndm", "bbc"]
    model: str
    summary: str
    faithful: bool


class MethodResult(BaseModel):
    """One method on one data set of one split."""

    split: Literal["tuning", "validation"]
    dataset: Dataset
    method: Method
    n: int
    n_faithful: int
    balanced_accuracy: float | None = Field(description="at the threshold tuned on all data sets")
    balanced_accuracy_own_threshold: float | None = Field(
        description="at a threshold tuned on this data set's tuning half"
    )
    roc_auc: float | None
    roc_auc_ci95: tuple[float, float] | None = Field(description="Hanley-McNeil approximation")


class FaithfulnessReport(BaseModel):
    """Faithfulness checker vs FRANK's human labels; figures that matter are ``split="validation"``."""

    seed: int
    split_method: str
    weight_criterion: str
    threshold_criterion: str
    weights: SupportWeights
    thresholds: dict[str, float]
    dataset_thresholds: dict[str, dict[str, float]]
    articles: dict[str, dict[str, int]]
    results: list[MethodResult]

    def result(self, split: str, dataset: str, method: str) -> MethodResult:
        for r in self.results:
            if (r.split, r.dataset, r.method) == (split, dataset, method):
                return r
        raise KeyError((split, dataset, method))

    def to_markdown(self, split: Literal["tuning", "validation"] = "validation") -> str:
        lines = [
            f"Faithfulness checker vs FRANK human labels: **{split} half** "
            f"(seed {self.seed}; {self.split_method}).",
            "",
            "| data set | method | n (faithful / unfaithful) | balanced acc. | "
            "balanced acc., per-data-set threshold | ROC AUC [95 % CI] |",
            "|---|---|---|---|---|---|",
        ]
        for dataset in DATASETS:
            for method in METHODS:
                r = self.result(split, dataset, method)
                ci = (
                    f" [{r.roc_auc_ci95[0]:.2f}, {r.roc_auc_ci95[1]:.2f}]" if r.roc_auc_ci95 else ""
                )
                lines.append(
                    f"| {dataset} | {method.replace('_', '-')} | {r.n} ({r.n_faithful} / "
                    f"{r.n - r.n_faithful}) | {_fmt(r.balanced_accuracy)} | "
                    f"{_fmt(r.balanced_accuracy_own_threshold)} | {_fmt(r.roc_auc)}{ci} |"
                )
        w = self.weights
        tuned = ", ".join(f"{m.replace('_', '-')} {t:.3f}" for m, t in self.thresholds.items())
        lines += [
            "",
            f"Decision thresholds (predict faithful when score >= t), tuned on the tuning half "
            f"({self.threshold_criterion}): {tuned}. Checker weights, tuned on the tuning half "
            f"({self.weight_criterion}): weakest-sentence weight {w.weakest}, "
            f"penalty per unsupported number {w.number_penalty}, per novel entity "
            f"{w.entity_penalty}.",
            "",
            "The pooled threshold mostly separates the data sets (cnndm summaries are largely "
            "extractive and faithful, bbc ones abstractive and unfaithful), so within one data "
            "set read the per-data-set-threshold column and the AUC. Articles per half: "
            + "; ".join(
                f"{half} " + ", ".join(f"{d} {n}" for d, n in counts.items())
                for half, counts in self.articles.items()
            )
            + ".",
        ]
        return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


WEIGHT_GRID: tuple[SupportWeights, ...] = tuple(
    SupportWeights(weakest=a, number_penalty=b, entity_penalty=c)
    for a in (0.0, 0.25, 0.5)
    for b in (0.0, 0.1, 0.25, 0.5)
    for c in (0.0, 0.05, 0.1, 0.25)
)


_Row = TypeVar("_Row", bound=BaseModel)


class _ArticleRow(BaseModel):
    hash: str
    article: str


class _LabelRow(BaseModel):
    hash: str
    dataset: Literal["cnndm", "bbc"]
    model: str
    summary: str
    factuality: float
    consistent: bool


def load_frank(data_dir: Path) -> tuple[dict[str, str], list[LabelledSummary]]:
    """FRANK's articles by hash, and its summaries labelled fully faithful or fully unfaithful."""
    folder = _frank_folder(data_dir)
    articles = {
        row.hash: row.article for row in _read_jsonl(folder / "articles.jsonl", _ArticleRow)
    }
    labelled: list[LabelledSummary] = []
    for row in _read_jsonl(folder / "frank_labelled.jsonl", _LabelRow):
        if row.factuality not in (0.0, 1.0):
            continue
        if row.hash not in articles:
            raise InputError(
                f"{folder / 'frank_labelled.jsonl'}: article {row.hash} is not in articles.jsonl"
            )
        labelled.append(
            LabelledSummary(row.hash, row.dataset, row.model, row.summary, row.consistent)
        )
    return articles, labelled


def _frank_folder(data_dir: Path) -> Path:
    """``data_dir/frank``, or ``data_dir`` itself when it already is the FRANK folder."""
    if not (data_dir / "frank").is_dir() and (data_dir / "frank_labelled.jsonl").is_file():
        return data_dir
    return data_dir / "frank"


def _read_jsonl(path: Path, model: type[_Row]) -> list[_Row]:
    if not path.is_file():
        raise InputError(f"{path} not found; --data takes the folder that holds frank/")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(model.model_validate_json(line))
            except ValidationError as error:
                problem = error.errors()[0]["msg"]
                raise InputError(f"{path}:{number}: not a valid row ({problem})") from None
    return rows


def split_articles(summaries: Sequence[LabelledSummary], seed: int) -> set[str]:
    """The tuning half: per data set, the first half of its article hashes in seeded-hash order."""
    tuning: set[str] = set()
    for dataset in ("cnndm", "bbc"):
        hashes = sorted(
            {s.article_hash for s in summaries if s.dataset == dataset},
            key=lambda h: hashlib.sha256(f"{seed}:{h}".encode()).hexdigest(),
        )
        tuning.update(hashes[: (len(hashes) + 1) // 2])
    return tuning


def within_dataset_auc(scores: Sequence[float], summaries: Sequence[LabelledSummary]) -> float:
    """Mean ROC AUC over the data sets (so the cnndm-vs-bbc contrast cannot help)."""
    aucs = []
    for dataset in ("cnndm", "bbc"):
        idx = [i for i, s in enumerate(summaries) if s.dataset == dataset]
        labels = [summaries[i].faithful for i in idx]
        if any(labels) and not all(labels):
            aucs.append(roc_auc([scores[i] for i in idx], labels))
    return sum(aucs) / len(aucs) if aucs else 0.5


def tune_weights(
    supports: Sequence[SupportScore], summaries: Sequence[LabelledSummary]
) -> SupportWeights:
    """The grid point with the best mean within-data-set AUC (first of equals: fewer penalties)."""
    best, best_auc = DEFAULT_WEIGHTS, -1.0
    for weights in WEIGHT_GRID:
        auc = within_dataset_auc([s.rescored(weights) for s in supports], summaries)
        if auc > best_auc + 1e-12:
            best, best_auc = weights, auc
    return best


def validate_faithfulness(data_dir: Path, *, seed: int = 0) -> FaithfulnessReport:
    """Tune on one half of FRANK's articles, report on the other; see the module docstring."""
    articles, summaries = load_frank(data_dir)
    if not summaries:
        raise InputError(f"{_frank_folder(data_dir)}: no summary labelled 0.0 or 1.0")
    tuning = split_articles(summaries, seed)
    supports = [summary_support(s.summary, articles[s.article_hash]) for s in summaries]
    overlaps = [word_overlap(s.summary, articles[s.article_hash]) for s in summaries]
    in_tuning = [s.article_hash in tuning for s in summaries]
    tune_idx = [i for i, t in enumerate(in_tuning) if t]
    weights = tune_weights([supports[i] for i in tune_idx], [summaries[i] for i in tune_idx])
    scores: dict[Method, list[float]] = {
        "checker": [s.rescored(weights) for s in supports],
        "word_overlap": overlaps,
        "always_faithful": [1.0] * len(summaries),
    }
    labels = [s.faithful for s in summaries]
    thresholds: dict[str, float] = {}
    own: dict[str, dict[str, float]] = {}
    for method in ("checker", "word_overlap"):
        values = scores[method]
        thresholds[method] = best_threshold(
            [values[i] for i in tune_idx], [labels[i] for i in tune_idx]
        )
        own[method] = {}
        for dataset in ("cnndm", "bbc"):
            idx = [i for i in tune_idx if summaries[i].dataset == dataset]
            own[method][dataset] = best_threshold(
                [values[i] for i in idx], [labels[i] for i in idx]
            )
    results = [
        _result(
            split, dataset, method, scores[method], labels, thresholds, own, summaries, in_tuning
        )
        for split in ("tuning", "validation")
        for dataset in DATASETS
        for method in METHODS
    ]
    return FaithfulnessReport(
        seed=seed,
        split_method=(
            "articles split in halves per data set by sha256(seed:hash); FRANK's own valid/test "
            "split is not used"
        ),
        weight_criterion="mean of the cnndm and bbc ROC AUCs",
        threshold_criterion="balanced accuracy over both data sets",
        weights=weights,
        thresholds=thresholds,
        dataset_thresholds=own,
        articles={
            split: {
                dataset: len(
                    {
                        s.article_hash
                        for s, t in zip(summaries, in_tuning, strict=True)
                        if (t == (split == "tuning")) and s.dataset == dataset
                    }
                )
                for dataset in ("cnndm", "bbc")
            }
            for split in ("tuning", "validation")
        },
        results=results,
    )


def _result(
    split: Literal["tuning", "validation"],
    dataset: Dataset,
    method: Method,
    scores: Sequence[float],
    labels: Sequence[bool],
    thresholds: dict[str, float],
    own: dict[str, dict[str, float]],
    summaries: Sequence[LabelledSummary],
    in_tuning: Sequence[bool],
) -> MethodResult:
    idx = [
        i
        for i, s in enumerate(summaries)
        if in_tuning[i] == (split == "tuning") and dataset in ("overall", s.dataset)
    ]
    values = [scores[i] for i in idx]
    truth = [labels[i] for i in idx]
    positives = sum(truth)
    both = 0 < positives < len(truth)
    global_t = thresholds.get(method, -math.inf)
    own_t = own.get(method, {}).get(dataset, global_t)
    auc = roc_auc(values, truth) if both else None
    return MethodResult(
        split=split,
        dataset=dataset,
        method=method,
        n=len(idx),
        n_faithful=positives,
        balanced_accuracy=balanced_accuracy([v >= global_t for v in values], truth)
        if idx
        else None,
        balanced_accuracy_own_threshold=(
            balanced_accuracy([v >= own_t for v in values], truth) if idx else None
        ),
        roc_auc=auc,
        roc_auc_ci95=auc_interval(auc, positives, len(truth) - positives)
        if auc is not None
        else None,
    )
