"""Eval metrics on small hand-computed examples (briefer.evals.metrics)."""

from __future__ import annotations

import itertools

import pytest

from briefer.evals.compare import paired_bootstrap_ci
from briefer.evals.dataset import default_gold_dir, load_cases
from briefer.evals.matching import Matching, assign
from briefer.evals.metrics import (
    CLAIM_MATCH_THRESHOLD,
    METRICS,
    QUESTION_MATCH_THRESHOLD,
    aggregate,
    claim_similarity,
    mean_defined,
    name_similarity,
    numbers_agree,
    prf,
    rouge_1_f1,
    rouge_l_f1,
    score_actors,
    score_case,
    score_claims,
    score_numbers,
    score_questions,
    text_tokens,
)
from briefer.schema import ActorDraft, BriefDraft, ClaimDraft, NumberDraft
from briefer.vocabulary import name_key


def actor(name: str) -> ActorDraft:
    return ActorDraft(name=name, role="someone")


def number(value: float, unit: str | None, text: str, context: str = "") -> NumberDraft:
    return NumberDraft(value=value, unit=unit, text=text, context=context or f"{unit} counted")


def claim(text: str, evidence: str, by: str | None = None) -> ClaimDraft:
    return ClaimDraft(text=text, attributed_to=by, evidence=evidence)


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("President Vladimir Putin", ("vladimir", "putin")),
        ("Mr. Trump", ("trump",)),
        ("the Kremlin", ("kremlin",)),
        ("Putin's", ("putin",)),
        ("World Anti-Doping Agency", ("world", "anti", "doping", "agency")),
        ("DONALD  TRUMP!", ("donald", "trump")),
        ("The President", ("president",)),  # only titles: kept rather than emptied
    ],
)
def test_name_key(name: str, tokens: tuple[str, ...]) -> None:
    assert name_key(name) == tokens


@pytest.mark.parametrize(
    ("a", "b", "score"),
    [
        ("Donald Trump", "donald trump.", 1.0),  # the same tokens
        ("President Putin", "Putin", 1.0),  # titles dropped
        ("RBS", "Royal Bank of Scotland", 0.95),  # acronym
        ("WADA", "World Anti-Doping Agency", 0.95),
        ("Putin", "Vladimir Putin", 0.9),  # part of the name, with its last token
        ("Kremlin spokesman Dmitry Peskov", "Dmitry Peskov", 0.9),
        ("Zelenskyy", "Volodymyr Zelensky", 0.9),  # tokens compared fuzzily
        ("Washington", "Washington Post", 0.0),  # a part, but not the last token
        ("Vladimir Putin", "Vladimir Potanin", 0.0),  # token_sort_ratio 87 < 90
        ("North Korea", "South Korea", 0.0),  # 82
    ],
)
def test_name_similarity_rules(a: str, b: str, score: float) -> None:
    assert name_similarity(a, b) == pytest.approx(score)
    assert name_similarity(b, a) == pytest.approx(score)


def test_fuzzy_spelling_variant_scores_its_ratio() -> None:
    # "volodymyr zelensky" vs "volodymyr zelenskyy": token_sort_ratio 97.1 >= 90
    assert name_similarity("Volodymyr Zelensky", "Volodymyr Zelenskyy") == pytest.approx(
        0.9730, abs=1e-3
    )


def test_actor_precision_recall_f1_by_hand() -> None:
    predicted = [actor("Putin"), actor("Donald Trump"), actor("Joe Biden")]
    gold = [actor("Vladimir Putin"), actor("Mr Trump"), actor("Dmitry Peskov")]
    matching = score_actors(predicted, gold)
    assert [(p.pred, p.gold) for p in matching.pairs] == [(0, 0), (1, 1)]
    assert matching.missed == [2] and matching.extra == [2]
    assert prf(matching) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_one_gold_actor_is_matched_once() -> None:
    matching = score_actors([actor("Putin"), actor("Vladimir Putin")], [actor("Vladimir Putin")])
    assert [(p.pred, p.gold) for p in matching.pairs] == [(1, 0)]  # the exact name wins
    assert prf(matching) == pytest.approx((0.5, 1.0, 2 / 3))


# --- assignment and rates ---------------------------------------------------------------


def test_assignment_maximises_pairs_before_scores() -> None:
    # Greedy takes (0,0)=0.9 and leaves row 1 unmatched; the optimum pairs both rows.
    pairs = assign([[0.9, 0.8], [0.85, 0.0]], threshold=0.5)
    assert [(p.pred, p.gold, p.score) for p in pairs] == [(1, 0, 0.85), (0, 1, 0.8)]


def test_assignment_handles_more_predictions_than_gold_and_threshold() -> None:
    pairs = assign([[0.3], [0.6], [0.7]], threshold=0.5)
    assert [(p.pred, p.gold) for p in pairs] == [(2, 0)]
    assert assign([], 0.5) == [] and assign([[]], 0.5) == []


def test_precision_recall_f1_conventions() -> None:
    assert prf(Matching()) == (None, None, 1.0)  # nothing expected, nothing given
    assert prf(Matching(missed=[0, 1])) == (None, 0.0, 0.0)  # nothing given: precision unscored
    assert prf(Matching(extra=[0])) == (0.0, None, 0.0)


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicted", "gold"),
    [
        (number(50000, "soldiers", "50 thousand"), number(50000, "Russian soldiers", "50,000")),
        (
            number(50, "soldiers", "50 thousand"),
            number(50000, "soldiers", "50,000"),
        ),  # value from text
        (
            number(1_200_000, "people", "1.2 million"),
            number(1_203_000, None, "1,203,000"),
        ),  # 0.5% tolerance
        (number(12.5, "%", "12.5 per cent"), number(12.5, "per cent", "12.5%")),
        (number(70, "leaders", "seventy"), number(70, "world leaders", "70")),
        (number(-3, "%", "3%"), number(3, "%", "3 per cent")),  # sign ignored
        (number(446_000_000, "GBP", "£446m"), number(446_000_000, "pounds", "£446 million")),
        (number(145, "record", "145 drones"), number(145, "drones", "145")),  # unit from text
    ],
)
def test_numbers_that_agree(predicted: NumberDraft, gold: NumberDraft) -> None:
    assert numbers_agree(predicted, gold)


@pytest.mark.parametrize(
    ("predicted", "gold"),
    [
        (number(70, "aircraft", "70"), number(70, "world leaders", "70")),  # unit differs
        (number(145, "drones", "145"), number(146, "drones", "146")),  # small ints: exact
        (number(12.5, "%", "12.5%"), number(12.5, "USD", "$12.5")),
    ],
)
def test_numbers_that_differ(predicted: NumberDraft, gold: NumberDraft) -> None:
    assert not numbers_agree(predicted, gold)


ARTICLE = (
    "Russia massed 50 thousand soldiers near Kursk and launched 145 drones, of which 62 were "
    "shot down. Seventy aircraft were destroyed. Peskov said that “the signs are positive”. "
    "Trump advised Putin not to escalate the war. Prices fell 3 per cent."
)


def test_numbers_f1_and_hallucinated_rate_by_hand() -> None:
    predicted = [
        number(50000, "soldiers", "50,000"),
        number(145, "drones", "145"),
        number(3200, "tanks", "3,200"),
        number(-3, "%", "3 per cent"),
    ]
    gold = [
        number(50000, "soldiers", "50 thousand"),
        number(145, "drones", "145"),
        number(62, "drones", "62"),
    ]
    matching = score_numbers(predicted, gold, ARTICLE)
    assert [(p.pred, p.gold) for p in matching.pairs] == [(0, 0), (1, 1)]
    assert matching.missed == [2] and matching.extra == [2, 3]
    assert prf(matching) == pytest.approx((2 / 4, 2 / 3, 4 / 7))
    assert matching.hallucinated == [2]  # 3,200 is nowhere in the article; -3 is "3 per cent"


def test_written_out_article_number_is_not_hallucinated() -> None:
    matching = score_numbers([number(70, "aircraft", "70")], [], ARTICLE)  # "Seventy aircraft"
    assert matching.hallucinated == []


def test_context_breaks_a_tie_between_gold_numbers_with_one_value() -> None:
    gold = [
        number(70, "world leaders", "70", "leaders Trump spoke with"),
        number(70, "aircraft", "70", "aircraft destroyed by Russia"),
    ]
    matching = score_numbers([number(70, None, "70", "aircraft destroyed")], gold, ARTICLE)
    assert [(p.pred, p.gold) for p in matching.pairs] == [(0, 1)]


# --- text similarity, claims, questions -------------------------------------------------


def test_text_tokens() -> None:
    assert text_tokens("RBS lost £446million in the first quarter.") == [
        "rbs",
        "lost",
        "446",
        "million",
        "first",
        "quarter",
    ]
    assert text_tokens("The drones were shot down") == ["drone", "shot", "down"]


def test_rouge_by_hand() -> None:
    # tokens: [cat, sat, mat] vs [cat, lay, mat]; LCS 2, overlap 2: F1 = 2*2 / (3+3)
    assert rouge_l_f1("The cat sat on the mat", "the cat lay on the mat") == pytest.approx(2 / 3)
    assert rouge_1_f1("The cat sat on the mat", "the cat lay on the mat") == pytest.approx(2 / 3)
    # order: LCS of [police, arrested, man] and [man, arrested, police] is 1; bag overlap 3
    assert rouge_l_f1("police arrested a man", "a man arrested police") == pytest.approx(1 / 3)
    assert rouge_1_f1("police arrested a man", "a man arrested police") == pytest.approx(1.0)
    assert rouge_l_f1("", "anything") == 0.0


def test_claims_matching_attribution_and_evidence_by_hand() -> None:
    predicted = [
        claim("Peskov called the signs positive", "the signs are positive", "Peskov"),
        claim(
            "Trump told Putin to hold back",
            "Trump advised Putin not to escalate the war",
            "Washington Post",
        ),
        claim("Putin will invade Poland", "Putin will invade Poland"),
    ]
    gold = [
        claim(
            "Peskov said the signs from Trump are positive.",
            "“the signs are positive”",
            "Dmitry Peskov",
        ),
        claim(
            "Trump advised Putin not to escalate the war.",
            "Trump advised Putin not to escalate the war",
        ),
    ]
    matching = score_claims(predicted, gold, ARTICLE)
    assert [(p.pred, p.gold) for p in matching.pairs] == [(0, 0), (1, 1)]  # both via evidence
    assert matching.extra == [2]
    assert matching.attribution_ok == [True, False]  # Peskov = Dmitry Peskov; Post ≠ the article
    assert matching.evidence_in_article == [True, True, False]
    values = score_case(
        BriefDraft(
            title="t", summary="s", actors=[], claims=predicted, numbers=[], open_questions=[]
        ),
        BriefDraft(title="t", summary="s", actors=[], claims=gold, numbers=[], open_questions=[]),
        ARTICLE,
    ).values
    assert values["claims_recall"] == 1.0
    assert values["claims_precision"] == pytest.approx(2 / 3)
    assert values["attribution_accuracy"] == 0.5
    assert values["evidence_grounding"] == pytest.approx(2 / 3)


def test_different_claims_stay_below_the_threshold() -> None:
    a = claim("The NHS spent £3.6bn on agency staff last year.", "spent £3.6bn on agency staff")
    b = claim("The cap on agency pay starts in April.", "the cap will come into force in April")
    assert score_claims([a], [b], "").pairs == []
    assert rouge_l_f1(a.text, b.text) < CLAIM_MATCH_THRESHOLD


def test_question_coverage_by_hand() -> None:
    gold = ["When will RBS return to profit?", "Who pays the fines?"]
    # [rbs, return, profit, soon] vs [rbs, return, profit]: 2*3 / (4+3) = 0.857
    matching = score_questions(["Will RBS return to profit soon?"], gold)
    assert [(p.pred, p.gold, p.score) for p in matching.pairs] == [(0, 0, 0.8571)]
    assert matching.missed == [1]


# --- one case and aggregates ------------------------------------------------------------


def test_failed_case_is_scored_as_an_empty_brief() -> None:
    gold = BriefDraft(
        title="t",
        summary="s",
        actors=[actor("Ada Lind")],
        claims=[],
        numbers=[number(12, "cranes", "12")],
        open_questions=["Who pays?"],
    )
    values = score_case(None, gold, "Ada Lind wants 12 cranes.").values
    assert list(values) == list(METRICS)
    assert values["schema_valid_rate"] == 0.0
    assert values["actors_recall"] == 0.0 and values["actors_f1"] == 0.0
    assert values["actors_precision"] is None and values["hallucinated_number_rate"] is None
    assert values["claims_f1"] == 1.0 and values["claims_recall"] is None  # no gold claims
    assert values["question_coverage"] == 0.0


def test_aggregates_skip_unscored_values() -> None:
    assert mean_defined([1.0, None, 0.0]) == 0.5
    assert mean_defined([None]) is None
    means = aggregate([{"actors_f1": 1.0}, {"actors_f1": 0.5, "claims_recall": None}])
    assert means["actors_f1"] == 0.75 and means["claims_recall"] is None


def test_paired_bootstrap_is_deterministic_and_brackets_the_mean() -> None:
    deltas = [0.0, -0.1, -0.2, 0.05, -0.15, -0.1]
    low, high = paired_bootstrap_ci(deltas, resamples=500, seed=0)
    assert (low, high) == paired_bootstrap_ci(deltas, resamples=500, seed=0)
    assert low < sum(deltas) / len(deltas) < high and high < 0.05
    assert paired_bootstrap_ci([0.25] * 4, resamples=200) == (0.25, 0.25)


def test_thresholds_keep_the_items_of_each_gold_brief_apart() -> None:
    """The calibration in the metrics docstring: no two different actors, claims or open
    questions of one hand-written gold brief count as the same item."""
    for case in load_cases(default_gold_dir()):
        brief = case.brief
        for a, b in itertools.combinations(brief.actors, 2):
            assert name_similarity(a.name, b.name) == 0.0, (case.id, a.name, b.name)
        for c, d in itertools.combinations(brief.claims, 2):
            assert claim_similarity(c, d) < CLAIM_MATCH_THRESHOLD, (case.id, c.text, d.text)
        for q, r in itertools.combinations(brief.open_questions, 2):
            assert rouge_1_f1(q, r) < QUESTION_MATCH_THRESHOLD, (case.id, q, r)
