"""The summary metrics of an eval run: ROUGE against the gold summary, faithfulness support,
and the title/summary statements the article lacks (shown, not gated)."""

from __future__ import annotations

import pytest

from briefer.evals.metrics import (
    HEADLINE_METRICS,
    METRICS,
    rouge_l,
    rouge_n,
    rouge_tokens,
    score_case,
)
from briefer.evals.report import stats_table, to_markdown
from briefer.evals.run import RunStats
from briefer.schema import BriefDraft

ARTICLE = "Mayor Ana Ruiz said the bridge will cost 12 million dollars. The council voted 7 to 2."


def draft(title: str, summary: str) -> BriefDraft:
    return BriefDraft(
        title=title, summary=summary, actors=[], claims=[], numbers=[], open_questions=[]
    )


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("The CAT, sat.", ["the", "cat", "sat"]),
        ("£446million in 2015", ["446million", "in", "2015"]),
        ("Zürich's re-entry", ["z", "rich", "s", "re", "entry"]),  # as rouge-score: ASCII only
    ],
)
def test_rouge_tokens_are_rouge_scores_default(text: str, tokens: list[str]) -> None:
    assert rouge_tokens(text) == tokens


def test_rouge_by_hand() -> None:
    candidate, reference = "the cat sat on the mat", "The cat lay on the mat."
    assert rouge_n(candidate, reference, 1) == pytest.approx(10 / 12)  # the ×2, cat, on, mat
    assert rouge_n(candidate, reference, 2) == pytest.approx(6 / 10)  # the cat, on the, the mat
    assert rouge_l(candidate, reference) == pytest.approx(10 / 12)  # LCS the cat on the mat
    assert rouge_l("a b c d", "d c b a") == pytest.approx(2 / 8)  # order matters for L
    assert rouge_n("a b c d", "d c b a", 1) == 1.0
    assert rouge_n("", "a b", 1) == 0.0 and rouge_n("a", "a", 2) == 0.0  # no bigram at all


def test_a_case_scores_its_summary_and_its_unsupported_statements() -> None:
    gold = draft(
        "Bridge vote", "The council voted 7 to 2 for a bridge that costs 12 million dollars."
    )
    good = score_case(
        draft("Bridge vote", "The council voted 7 to 2 for the bridge."), gold, ARTICLE
    )
    bad = score_case(draft("Mayor Lopez wins", "It costs 15 million dollars."), gold, ARTICLE)
    assert good.values["headline_unsupported"] == 0.0 and bad.values["headline_unsupported"] == 2.0
    rouge = good.values["summary_rouge_l"], bad.values["summary_rouge_l"]
    support = good.values["summary_support"], bad.values["summary_support"]
    assert rouge[0] is not None and rouge[1] is not None and rouge[0] > rouge[1] > 0
    assert support[0] is not None and support[1] is not None and support[0] > 0.9 > support[1]


def test_a_failed_brief_has_rouge_zero_and_no_support_score() -> None:
    values = score_case(None, draft("t", "The council voted."), ARTICLE).values
    assert (values["summary_rouge_1"], values["summary_rouge_l"]) == (0.0, 0.0)
    assert values["summary_support"] is None and values["headline_unsupported"] is None


def test_summary_metrics_are_shown_not_gated() -> None:
    new = {
        "summary_rouge_1",
        "summary_rouge_2",
        "summary_rouge_l",
        "summary_support",
        "headline_unsupported",
    }
    assert new <= METRICS.keys() and not new & set(HEADLINE_METRICS)
    assert METRICS["headline_unsupported"].higher_is_better is False
    row = "| title/summary names, numbers, roles the article lacks | 3 |"
    assert row in to_markdown([stats_table(RunStats(headline_unsupported=3))])
