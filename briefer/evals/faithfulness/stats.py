"""Classifier statistics for validating a score against labels: ROC AUC with its interval,
balanced accuracy, the best threshold."""

from __future__ import annotations

import math
from collections.abc import Sequence


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
