"""One-to-one matching of predicted items to gold items, and the rates read from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel, Field

P = TypeVar("P")
G = TypeVar("G")


# --- matching ---------------------------------------------------------------------------


class Pair(BaseModel):
    gold: int
    pred: int
    score: float


class Matching(BaseModel):
    """A one-to-one matching of predicted to gold items, by index."""

    pairs: list[Pair] = Field(default_factory=list)
    missed: list[int] = Field(default_factory=list, description="gold items left unmatched")
    extra: list[int] = Field(default_factory=list, description="predicted items left unmatched")

    @property
    def matched(self) -> int:
        return len(self.pairs)

    @property
    def predicted(self) -> int:
        return len(self.pairs) + len(self.extra)

    @property
    def gold(self) -> int:
        return len(self.pairs) + len(self.missed)


def assign(scores: Sequence[Sequence[float]], threshold: float) -> list[Pair]:
    """The one-to-one assignment of predictions (rows) to gold items (columns).

    Only pairs scoring at least ``threshold`` may be matched. Among assignments, the one
    with the most pairs wins, then the one with the highest total score (Hungarian
    algorithm, so the result is optimal, not greedy).
    """
    rows = len(scores)
    cols = len(scores[0]) if rows else 0
    if rows == 0 or cols == 0:
        return []
    bonus = min(rows, cols) + 1.0  # one more pair always outweighs any score difference

    def weight(i: int, j: int) -> float:
        return bonus + scores[i][j] if scores[i][j] >= threshold else 0.0

    transpose = rows > cols
    n, m = (cols, rows) if transpose else (rows, cols)
    cost = [[-(weight(j, i) if transpose else weight(i, j)) for j in range(m)] for i in range(n)]
    pairs = []
    for i, j in enumerate(_hungarian(cost)):
        pred, gold = (j, i) if transpose else (i, j)
        if scores[pred][gold] >= threshold:
            pairs.append(Pair(gold=gold, pred=pred, score=round(scores[pred][gold], 4)))
    return sorted(pairs, key=lambda p: p.gold)


def _hungarian(cost: list[list[float]]) -> list[int]:
    """Minimum-cost assignment of each row to a distinct column (rows <= columns).

    The O(n²m) shortest-augmenting-path form with potentials; returns each row's column.
    """
    n, m = len(cost), len(cost[0])
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    owner, way = [0] * (m + 1), [0] * (m + 1)  # owner[j]: row (1-based) holding column j
    for row in range(1, n + 1):
        owner[0], j0 = row, 0
        min_slack, used = [inf] * (m + 1), [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = owner[j0], inf, 0
            for j in range(1, m + 1):
                if used[j]:
                    continue
                slack = cost[i0 - 1][j - 1] - u[i0] - v[j]
                if slack < min_slack[j]:
                    min_slack[j], way[j] = slack, j0
                if min_slack[j] < delta:
                    delta, j1 = min_slack[j], j
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    min_slack[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    column_of = [-1] * n
    for j in range(1, m + 1):
        if owner[j]:
            column_of[owner[j] - 1] = j - 1
    return column_of


def match_items(
    predicted: Sequence[P],
    gold: Sequence[G],
    similarity: Callable[[P, G], float],
    threshold: float,
) -> Matching:
    """Score every (predicted, gold) pair with ``similarity`` and assign one-to-one."""
    scores = [[similarity(p, g) for g in gold] for p in predicted]
    pairs = assign(scores, threshold)
    matched_gold = {p.gold for p in pairs}
    matched_pred = {p.pred for p in pairs}
    return Matching(
        pairs=pairs,
        missed=[j for j in range(len(gold)) if j not in matched_gold],
        extra=[i for i in range(len(predicted)) if i not in matched_pred],
    )
