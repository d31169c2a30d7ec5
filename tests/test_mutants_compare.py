"""The eval gate, pinned where mutation testing found it loose (docs/testing.md).

Small hand-made runs through ``compare_runs``: which way each metric may move and by how
much, which cases are named, the lead-baseline rule, new hallucinations and citations,
the per-split tables, and every warning, word for word.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from briefer.errors import InputError
from briefer.evals.compare import (
    CaseDelta,
    Comparison,
    GateFailure,
    MetricComparison,
    NewHallucination,
    compare_runs,
    paired_bootstrap_ci,
)
from briefer.evals.dataset import BootstrapConfig, EvalConfig, GateConfig
from briefer.evals.matching import Matching
from briefer.evals.metrics import CaseDetails, ClaimMatching, NumberMatching
from briefer.evals.run import CaseResult, EvalRun, RunSpec
from briefer.schema import ArticleRef, Brief, BriefMeta, Number

DELTAS = [-0.3, -0.1, 0.0, 0.05, 0.2, -0.25, 0.1]


@pytest.mark.parametrize(
    ("resamples", "interval"),
    [
        (200, (-0.15714285714285717, 0.0642857142857143)),
        (162, (-0.15714285714285717, 0.0642857142857143)),
    ],
)
def test_the_bootstrap_interval_is_reproducible_from_its_seed(
    resamples: int, interval: tuple[float, float]
) -> None:
    """Saved comparisons quote these intervals: the same deltas and seed give the same
    percentile interval, bound for bound (two sizes: each bound's rank rounds differently)."""
    assert paired_bootstrap_ci(DELTAS, resamples=resamples, confidence=0.9, seed=3) == interval


def test_the_bootstrap_defaults_are_the_configs() -> None:
    config = BootstrapConfig()
    deltas = [0.46, 0.45, -0.44, -0.42, 0.34, 0.24, 0.17, -0.19, 0.11]  # 2001 resamples differ
    assert paired_bootstrap_ci(deltas) == paired_bootstrap_ci(
        deltas, resamples=config.resamples, confidence=config.confidence, seed=config.seed
    )
    with pytest.raises(ValueError, match=r"^no paired deltas to resample$"):
        paired_bootstrap_ci([])


def spec(**fields: Any) -> RunSpec:
    defaults: dict[str, Any] = {
        "created_at": "2026-05-04T06:00:00+00:00",
        "prompts_dir": "prompts",
        "prompt_version": "1",
        "prompt_hash": "base",
        "model": "m",
        "backend": "openai",
        "temperature": 0.0,
        "max_output_tokens": 800,
        "gold_dir": "gold",
        "corpus_dir": "corpus",
    }
    return RunSpec(**(defaults | fields))


def case(id: str, split: str = "dev", **fields: Any) -> CaseResult:
    return CaseResult(
        id=id,
        split=split,
        status=fields.pop("status", "ok"),
        gold_sha256=fields.pop("gold", "g"),
        **fields,
    )


def run(*cases: CaseResult, **spec_fields: Any) -> EvalRun:
    return EvalRun(spec=spec(**spec_fields), cases=list(cases))


def pair(
    metric: str,
    values: Mapping[str, tuple[float | None, float | None]],
    config: EvalConfig | None = None,
    **lead: dict[str, float | None],
) -> Comparison:
    """Base and candidate runs with one metric per case (``{case: (base, candidate)}``)."""
    base = run(
        *[case(i, scores={metric: b}, lead_scores=lead.get(i)) for i, (b, _) in values.items()]
    )
    candidate = run(
        *[case(i, scores={metric: c}, lead_scores=lead.get(i)) for i, (_, c) in values.items()],
        prompt_hash="candidate",
    )
    return compare_runs(base, candidate, config)


def metric(comparison: Comparison, name: str) -> MetricComparison:
    (found,) = [m for m in comparison.metrics if m.metric == name]
    return found


MOVES = {"c1": (0.8, 0.5), "c2": (0.6, 0.5), "c3": (0.5, 0.5), "c4": (0.4, 0.6)}


def test_a_headline_regression_names_the_cases_that_fell_most_first() -> None:
    comparison = pair("actors_f1", MOVES)
    actors = metric(comparison, "actors_f1")
    assert (actors.improved, actors.worsened, actors.cases) == (1, 2, 4)
    assert actors.regressed and actors.tolerance == 0.02
    assert actors.worst == [
        CaseDelta(case="c1", base=0.8, candidate=0.5),
        CaseDelta(case="c2", base=0.6, candidate=0.5),
    ]
    low, high = paired_bootstrap_ci([c - b for b, c in MOVES.values()])
    assert (actors.ci_low, actors.ci_high) == (low, high)
    assert comparison.failures == [
        GateFailure(
            rule="actors_f1",
            cases=["c1", "c2"],
            message=f"actors_f1 fell by 0.050 (tolerance 0.020, 95% CI of the delta [{low:+.3f}, "
            f"{high:+.3f}]); worst cases: c1 0.800 → 0.500, c2 0.600 → 0.500",
        )
    ]
    assert metric(comparison, "question_coverage").cases == 0  # scored in no case


def test_a_metric_off_the_headline_never_fails_the_gate() -> None:
    comparison = pair("actors_precision", MOVES)
    precision = metric(comparison, "actors_precision")
    assert precision.tolerance is None and not precision.regressed
    assert comparison.failures == []


def test_the_bootstrap_of_a_comparison_is_the_configured_one() -> None:
    bootstrap = BootstrapConfig(resamples=150, confidence=0.8, seed=5)
    actors = metric(pair("actors_f1", MOVES, EvalConfig(bootstrap=bootstrap)), "actors_f1")
    deltas = [c - b for b, c in MOVES.values()]
    assert (actors.ci_low, actors.ci_high) == paired_bootstrap_ci(
        deltas, resamples=150, confidence=0.8, seed=5
    )
    assert (actors.ci_low, actors.ci_high) != paired_bootstrap_ci(deltas)


RATE_GATE = EvalConfig(
    gate=GateConfig(headline=["hallucinated_number_rate"], tolerance=0.1, lead_exempt=[])
)


def test_a_lower_is_better_metric_regresses_when_it_rises_past_its_tolerance() -> None:
    within = metric(
        pair("hallucinated_number_rate", {"c1": (0.0, 0.12), "c2": (0.0, 0.0)}, RATE_GATE),
        "hallucinated_number_rate",
    )
    assert (within.improved, within.worsened, within.regressed) == (0, 1, False)
    risen = pair("hallucinated_number_rate", {"c1": (0.0, 0.3), "c2": (0.0, 0.0)}, RATE_GATE)
    (failure,) = risen.failures
    assert failure.cases == ["c1"] and failure.message.startswith(
        "hallucinated_number_rate rose by 0.150 (tolerance 0.100, 95% CI of the delta ["
    )
    assert failure.message.endswith("]); worst cases: c1 0.000 → 0.300")
    loose = RATE_GATE.model_copy(deep=True)
    loose.gate.tolerances = {"hallucinated_number_rate": 0.2}
    assert (
        pair("hallucinated_number_rate", {"c1": (0.0, 0.3), "c2": (0.0, 0.0)}, loose).failures == []
    )


def test_changes_within_float_noise_are_no_change() -> None:
    edge = 0.02 + 1e-12  # a fall of exactly the tolerance, to its 1e-12 of slack
    assert -edge == -0.02 - 1e-12
    comparison = pair("actors_f1", {"up": (0.0, 1e-12), "down": (1e-12, 0.0)})
    actors = metric(comparison, "actors_f1")
    assert (actors.improved, actors.worsened) == (0, 0)
    assert not metric(pair("actors_f1", {"c1": (edge, 0.0)}), "actors_f1").regressed


def test_the_lead_of_a_case_is_the_candidates_else_the_bases() -> None:
    base = run(case("c1", scores={"actors_f1": 0.5}, lead_scores={"actors_f1": 0.9}))
    candidate = run(case("c1", scores={"actors_f1": 0.6}), prompt_hash="candidate")
    actors = metric(compare_runs(base, candidate), "actors_f1")
    assert actors.lead == 0.9 and actors.below_lead


def lead(value: float | None, **others: float | None) -> dict[str, float | None]:
    return {"actors_f1": value, "numbers_f1": value, **others}


def test_below_the_lead_fails_naming_only_the_cases_below_it() -> None:
    base = run(
        *[
            case(
                i,
                scores={"actors_f1": 0.6, "numbers_f1": 0.6, "actors_precision": 0.6},
                lead_scores=lead(lv),
            )
            for i, lv in (("c1", 0.7), ("c2", 0.8), ("c3", 0.6))
        ]
    )
    candidate = run(
        case(
            "c1",
            scores={"actors_f1": 0.5, "numbers_f1": 0.5, "actors_precision": 0.5},
            lead_scores=lead(0.7),
        ),
        case(
            "c2",
            scores={"actors_f1": 0.8, "numbers_f1": 0.9, "actors_precision": 0.8},
            lead_scores=lead(0.8),
        ),  # equal to the lead: not below it
        case(
            "c3",
            scores={"actors_f1": 0.7, "numbers_f1": 0.9, "actors_precision": 0.7},
            lead_scores=lead(0.6),
        ),  # above it
        prompt_hash="candidate",
    )
    comparison = compare_runs(base, candidate)
    actors = metric(comparison, "actors_f1")
    assert actors.below_lead and actors.lead_checked
    assert actors.below_lead_cases == [CaseDelta(case="c1", base=0.7, candidate=0.5)]
    assert actors.base_minus_lead == pytest.approx(-0.1)
    assert actors.candidate_minus_lead == pytest.approx(2 / 3 - 0.7)
    numbers = metric(comparison, "numbers_f1")  # one case below, the mean above
    assert not numbers.below_lead and numbers.below_lead_cases == []
    precision = metric(comparison, "actors_precision")  # the lead never scored it
    assert precision.lead is None and precision.base_minus_lead is None
    assert precision.candidate_minus_lead is None
    assert [f.rule for f in comparison.failures] == ["actors_f1_below_lead"]
    assert comparison.failures[0].message == (
        "actors_f1 of the candidate 0.667 is below the lead baseline's 0.700 (candidate − lead "
        "-0.033; the lead copies the article's first sentences, no model); furthest: c1 0.500 "
        "vs lead 0.700"
    )


def test_a_lower_is_better_metric_worse_than_the_lead_fails() -> None:
    comparison = pair(
        "hallucinated_number_rate",
        {"c1": (0.3, 0.3)},
        RATE_GATE,
        c1={"hallucinated_number_rate": 0.1},
    )
    (failure,) = comparison.failures
    assert failure.message.startswith(
        "hallucinated_number_rate of the candidate 0.300 is above (worse than) the lead "
        "baseline's 0.100 (candidate − lead +0.200;"
    )
    assert failure.message.endswith("furthest: c1 0.300 vs lead 0.100")


@pytest.mark.parametrize(
    ("name", "candidate", "lead_value", "config"),
    [
        ("actors_f1", 0.0, 1e-12, None),  # exactly the 1e-12 of slack below
        ("actors_f1", 0.5 - 7.5e-13, 0.5, None),
        ("hallucinated_number_rate", 0.5 + 7.5e-13, 0.5, RATE_GATE),
    ],
)
def test_float_noise_is_not_below_the_lead(
    name: str, candidate: float, lead_value: float, config: EvalConfig | None
) -> None:
    comparison = pair(name, {"c1": (candidate, candidate)}, config, c1={name: lead_value})
    assert not metric(comparison, name).below_lead and comparison.failures == []


def test_a_mean_below_the_lead_with_no_case_scored_by_both_says_so() -> None:
    base = run(
        case("a", scores={"actors_f1": 0.5}, lead_scores={"actors_f1": None}),
        case("b", scores={"actors_f1": 0.9}, lead_scores={"actors_f1": 0.9}),
    )
    candidate = run(
        case("a", scores={"actors_f1": 0.5}, lead_scores={"actors_f1": None}),
        case("b", scores={"actors_f1": None}, lead_scores={"actors_f1": 0.9}),
        prompt_hash="candidate",
    )
    (failure,) = compare_runs(base, candidate).failures
    assert failure.cases == [] and failure.message.endswith("furthest: no single case")


def brief(numbers: list[tuple[float, str | None]], invalid: int = 0) -> Brief:
    return Brief(
        title="t",
        summary="s",
        actors=[],
        claims=[],
        open_questions=[],
        numbers=[Number(value=v, unit=u, text=f"{v:g}", context="c") for v, u in numbers],
        article=ArticleRef(id="a"),
        meta=BriefMeta(
            model="m",
            backend="openai",
            prompt_version="1",
            prompt_hash="h",
            invalid_citations=invalid,
        ),
    )


def details(*hallucinated: int) -> CaseDetails:
    return CaseDetails(
        actors=Matching(),
        numbers=NumberMatching(hallucinated=list(hallucinated)),
        claims=ClaimMatching(),
        questions=Matching(),
    )


def test_new_hallucinations_and_citations_fail_the_gate_and_failed_briefs_do_not() -> None:
    scores = {"actors_f1": 1.0}
    base = run(
        case("c1", scores=scores, brief=brief([(3200, "tanks")]), details=details(0)),
        case("c2", scores=scores, brief=brief([])),
        case("c3", scores=scores, brief=brief([])),
    )
    candidate = run(
        case(
            "c1", scores=scores, brief=brief([(-3200, "tanks"), (77, None)]), details=details(0, 1)
        ),  # -3200 is the base's hallucination again: not new
        case("c2", scores=scores, status="failed", details=details()),  # no brief at all
        case("c3", scores=scores, brief=brief([], invalid=2)),
        prompt_hash="candidate",
    )
    comparison = compare_runs(base, candidate)
    assert comparison.new_hallucinations == [
        NewHallucination(case="c1", text="77", value=77, unit=None)
    ]
    assert comparison.failures == [
        GateFailure(
            rule="new_hallucinated_number",
            cases=["c1"],
            message="c1: field numbers: new hallucinated number '77' (value 77) is not "
            "in the article",
        ),
        GateFailure(
            rule="new_invalid_citations",
            cases=["c3"],
            message="c3: 2 cited sentence/number id(s) the prompt did not list (base 0); "
            "those items are lost from the brief",
        ),
    ]


def test_only_cases_scored_in_both_runs_are_paired_and_tabled_by_split() -> None:
    def cases(values: dict[str, float], lead_value: float | None) -> list[CaseResult]:
        return [
            case(
                i,
                split="test" if i.startswith("t") else "dev",
                scores={"actors_f1": v, "numbers_f1": v if i != "t1" else None},
                lead_scores=None if lead_value is None else lead(lead_value),
            )
            for i, v in values.items()
        ]

    base = run(
        *cases({"d1": 0.4, "d2": 0.6, "t1": 0.5, "only_b": 0.1}, 0.5),
        case("skipped", status="skipped"),
    )
    candidate = run(
        *cases({"d1": 0.5, "d2": 0.9, "t1": 0.3, "only_c": 0.1}, 0.5), prompt_hash="candidate"
    )
    comparison = compare_runs(base, candidate)
    assert comparison.paired == ["d1", "d2", "t1"]
    assert (comparison.only_in_base, comparison.only_in_candidate) == (["only_b"], ["only_c"])
    assert comparison.split_cases == {"all": 3, "dev": 2, "test": 1}
    deltas = comparison.split_deltas
    assert deltas["dev"]["actors_f1"] == pytest.approx(0.2)
    assert deltas["test"]["actors_f1"] == pytest.approx(-0.2)
    assert (
        deltas["all"]["numbers_f1"] == pytest.approx(0.2) and deltas["test"]["numbers_f1"] is None
    )
    minus = comparison.split_minus_lead
    assert minus["dev"]["actors_f1"] == pytest.approx(0.2)
    assert minus["test"]["actors_f1"] == pytest.approx(-0.2)
    assert minus["test"]["numbers_f1"] is None and minus["dev"]["claims_recall"] is None
    without_lead = compare_runs(
        run(*cases({"d1": 0.4}, None)), run(*cases({"d1": 0.5}, None), prompt_hash="candidate")
    )
    assert without_lead.split_minus_lead["all"] == dict.fromkeys(GateConfig().headline)
    with pytest.raises(InputError) as error:
        compare_runs(run(*cases({"d1": 0.4}, None)), run(*cases({"d2": 0.4}, None)))
    assert str(error.value) == "the two runs have no scored case in common; run the same --cases"


NO_LEAD = (
    "neither run has lead baseline scores (saved before the lead existed); "
    "`briefer eval score <run>` computes them"
)


@pytest.mark.parametrize(
    ("fail_below_lead", "rule"), [(True, "; the below-lead rule was not checked"), (False, "")]
)
def test_runs_without_a_lead_say_so(fail_below_lead: bool, rule: str) -> None:
    config = EvalConfig(gate=GateConfig(fail_below_lead=fail_below_lead))
    comparison = pair("actors_f1", {"c1": (0.5, 0.5)}, config)
    assert comparison.warnings == [NO_LEAD + rule]


def test_every_difference_between_the_runs_is_warned_about() -> None:
    base = run(
        case("c1", scores={"actors_f1": 0.5}, lead_scores=lead(0.5)),
        case("c2", scores={"actors_f1": 0.5}, lead_scores=None, gold="old"),
        case("c3", scores={"actors_f1": 0.5}, lead_scores=lead(0.4)),
        case("c4", scores={"actors_f1": 0.5}, lead_scores=lead(0.4), gold="old"),
        case("s1", status="skipped"),
        model="m1",
    )
    candidate = run(
        case("c1", scores={"actors_f1": 0.5}, lead_scores=lead(0.6)),  # the lead changed
        case("c2", scores={"actors_f1": 0.5}, lead_scores=lead(0.5), gold="new"),
        case("c3", scores={"actors_f1": 0.5}, lead_scores=lead(0.4)),
        case("c4", scores={"actors_f1": 0.5}, lead_scores=lead(0.5), gold="new"),
        case("s2", status="skipped"),
        case("s3", status="skipped"),
        model="m2",
    )
    assert compare_runs(base, candidate).warnings == [
        "the runs differ in model: 'm1' vs 'm2'; deltas mix two changes",
        "gold brief differs between the runs for c2, c4; re-score both with `briefer eval score`",
        "base skipped 1 case(s): s1",
        "candidate skipped 2 case(s): s2, s3",
        "both runs used the same prompt hash",
        "the lead baseline differs between the runs for c1, c4 (gold, article or baseline "
        "changed); the candidate's is used; re-score both",
    ]
