"""Validation against FRANK's human labels: load, split by article, tune, report."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from briefer.errors import InputError
from briefer.evals.faithfulness.stats import (
    auc_interval,
    balanced_accuracy,
    best_threshold,
    roc_auc,
)
from briefer.faithfulness import (
    DEFAULT_WEIGHTS,
    SupportScore,
    SupportWeights,
    summary_support,
    word_overlap,
)

Dataset = Literal["cnndm", "bbc", "overall"]
Method = Literal["checker", "word_overlap", "always_faithful"]
DATASETS: tuple[Dataset, ...] = ("cnndm", "bbc", "overall")
METHODS: tuple[Method, ...] = ("checker", "word_overlap", "always_faithful")

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
