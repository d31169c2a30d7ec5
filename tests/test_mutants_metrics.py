"""Eval metrics, pinned where mutation testing found them loose (docs/testing.md).

The assignment is checked against brute force on a fixed set of small random matrices; the
name, text and number rules at their exact edges; and the case values the gate reads.
"""

from __future__ import annotations

import random

import pytest

from briefer.evals.matching import Pair, assign
from briefer.evals.metrics import (
    name_similarity,
    number_similarity,
    numbers_agree,
    rouge_1_f1,
    rouge_l_f1,
    same_speaker,
    score_case,
    text_tokens,
)
from briefer.schema import BriefDraft, NumberDraft
from briefer.vocabulary import name_key


def best_matching(scores: list[list[float]], threshold: float) -> tuple[int, float]:
    """The most pairs, then the highest total, over every one-to-one matching (brute force)."""
    cols = len(scores[0])

    def search(row: int, taken: frozenset[int]) -> tuple[int, float]:
        if row == len(scores):
            return 0, 0.0
        best = search(row + 1, taken)
        for col in range(cols):
            if col not in taken and scores[row][col] >= threshold:
                count, total = search(row + 1, taken | {col})
                best = max(best, (count + 1, total + scores[row][col]))
        return best

    return search(0, frozenset())


def random_cases(count: int) -> list[tuple[list[list[float]], float]]:
    rng = random.Random(15)  # fixed: the same matrices every run
    cases = []
    for _ in range(count):
        rows, cols = rng.randint(1, 4), rng.randint(1, 5)
        scores = [[rng.randint(0, 20) / 20 for _ in range(cols)] for _ in range(rows)]
        cases.append((scores, rng.choice([0.3, 0.5, 0.7])))
    return cases


def test_the_assignment_is_the_optimum_brute_force_finds() -> None:
    for scores, threshold in random_cases(300):
        pairs = assign(scores, threshold)
        assert len({p.gold for p in pairs}) == len({p.pred for p in pairs}) == len(pairs)
        assert all(scores[p.pred][p.gold] >= threshold for p in pairs)
        count, total = best_matching(scores, threshold)
        assert len(pairs) == count, scores
        assert sum(p.score for p in pairs) == pytest.approx(total), scores


@pytest.mark.parametrize(
    ("scores", "pairs"),
    [
        ([[0.5]], [Pair(gold=0, pred=0, score=0.5)]),  # the threshold itself matches
        ([[0.0, 0.5]], [Pair(gold=1, pred=0, score=0.5)]),
        # a pair under the threshold must not pull a prediction away from its best match
        ([[0.6, 0.7], [0.0, 0.45]], [Pair(gold=1, pred=0, score=0.7)]),
    ],
)
def test_assignment_edges(scores: list[list[float]], pairs: list[Pair]) -> None:
    assert assign(scores, 0.5) == pairs


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("Marks & Spencer", ("marks", "and", "spencer")),
        ("Conan O'Brien", ("conan", "obrien")),
    ],
)
def test_name_key_ampersands_and_apostrophes(name: str, tokens: tuple[str, ...]) -> None:
    assert name_key(name) == tokens


@pytest.mark.parametrize(
    ("a", "b", "score"),
    [
        ("Marks & Spencer", "Marks and Spencer", 1.0),
        ("BP", "British Petroleum", 0.95),  # the shortest acronym, of two words
        ("Kowalewsky", "Anna Kowalewski", 0.9),  # tokens at exactly ratio 90 are one name
        ("Kowalewski", "Kowalewsky", 0.9),  # names at exactly ratio 90 are one actor
        ("", "Putin", 0.0),
        ("—", "—", 0.0),  # nothing left to compare is no match
    ],
)
def test_name_similarity_edges(a: str, b: str, score: float) -> None:
    assert name_similarity(a, b) == score


def test_text_tokens_strip_plurals_of_four_letters_but_not_double_s() -> None:
    assert text_tokens("cats boss class") == ["cat", "boss", "class"]


def test_rouge_of_texts_without_content_words_is_zero() -> None:
    assert rouge_l_f1("", "") == rouge_1_f1("the", "of a") == 0.0


def number(value: float, unit: str | None, text: str, context: str) -> NumberDraft:
    return NumberDraft(value=value, unit=unit, text=text, context=context)


def test_numbers_with_different_values_never_agree_whatever_their_texts_say() -> None:
    assert not numbers_agree(
        number(3, "tanks", "3 tanks", "x"), number(4, "aircraft", "4 tanks", "x")
    )


def test_number_similarity_is_half_plus_half_the_context_overlap() -> None:
    a, b = number(12, None, "12", "cranes bought"), number(12, None, "12", "cranes sold")
    assert number_similarity(a, b) == 0.75  # ROUGE-1 of the contexts is 0.5


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [(None, None, True), (None, "Putin", False), ("Putin", None, False), ("Putin", "Biden", False)],
)
def test_same_speaker(a: str | None, b: str | None, same: bool) -> None:
    assert same_speaker(a, b) is same


def test_a_case_scores_the_hallucinated_rate_and_a_valid_brief() -> None:
    article = "The port bought 12 cranes."
    brief = BriefDraft(
        title="t",
        summary="s",
        actors=[],
        claims=[],
        open_questions=[],
        numbers=[number(12, "cranes", "12", "cranes bought"), number(99, "cranes", "99", "x")],
    )
    values = score_case(brief, brief, article).values
    assert values["hallucinated_number_rate"] == 0.5
    assert values["schema_valid_rate"] == 1.0
