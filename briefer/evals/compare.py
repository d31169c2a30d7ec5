"""Compare two eval runs case by case, and gate a prompt change on the comparison.

Only cases scored in both runs are compared (paired). For each metric: the mean of each
run over those cases, the delta (candidate − base), how many cases improved or worsened,
and a paired bootstrap confidence interval of the delta (case deltas resampled with
replacement, fixed seed, percentile interval; ``[bootstrap]`` in ``evals/config.toml``).

The gate (``[gate]``) fails when

* a headline metric moves the wrong way by more than its tolerance (default 0.02
  absolute), naming the cases that moved most; or
* a case's candidate brief has a hallucinated number (a value the article nowhere states)
  that the base brief of the same case did not have, naming the case and the number; or
* a case's candidate brief cites more sentence or number ids that its prompt did not list
  than the base brief did (``meta.invalid_citations``): the model no longer follows the
  prompt's ids, and what it meant is lost; or
* a headline metric of the candidate is worse than the lead baseline's over the same cases
  (``fail_below_lead``; ``lead_exempt`` lists the metrics not checked): the prompt does no
  better than copying the article's first sentences.

Each metric also shows the lead baseline's mean and both runs' model − lead (each mean over
the paired cases where it is defined). The lead is the candidate run's, else the base's; a
run saved before the lead existed has none (``briefer eval score`` computes it).
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence

from pydantic import BaseModel, Field

from briefer.errors import InputError
from briefer.evals.dataset import EvalConfig
from briefer.evals.metrics import METRICS, mean_defined
from briefer.evals.run import SPLITS, CaseResult, EvalRun, RunSpec, RunStats, in_split, run_stats
from briefer.quantities import same_value

WORST_CASES_SHOWN = 3


class CaseDelta(BaseModel):
    case: str
    base: float
    candidate: float

    @property
    def delta(self) -> float:
        return self.candidate - self.base


class MetricComparison(BaseModel):
    metric: str
    headline: bool
    higher_is_better: bool
    base: float | None
    candidate: float | None
    delta: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    cases: int = Field(description="paired cases where both runs scored the metric")
    improved: int = 0
    worsened: int = 0
    tolerance: float | None = None
    regressed: bool = False
    worst: list[CaseDelta] = Field(
        default_factory=list, description="cases that moved most the wrong way"
    )
    lead: float | None = Field(default=None, description="the lead baseline's mean")
    base_minus_lead: float | None = None
    candidate_minus_lead: float | None = None
    lead_checked: bool = Field(default=False, description="the below-lead rule applies")
    below_lead: bool = False
    below_lead_cases: list[CaseDelta] = Field(
        default_factory=list, description="cases furthest below the lead (base = the lead's value)"
    )


class NewHallucination(BaseModel):
    case: str
    text: str
    value: float
    unit: str | None


class GateFailure(BaseModel):
    rule: str = Field(
        description="the metric, 'new_hallucinated_number', 'new_invalid_citations' or "
        "'<metric>_below_lead'"
    )
    cases: list[str]
    message: str


class Comparison(BaseModel):
    base: RunSpec
    candidate: RunSpec
    paired: list[str]
    only_in_base: list[str] = Field(default_factory=list)
    only_in_candidate: list[str] = Field(default_factory=list)
    metrics: list[MetricComparison]
    split_deltas: dict[str, dict[str, float | None]] = Field(
        description="split -> headline -> delta"
    )
    split_cases: dict[str, int]
    split_minus_lead: dict[str, dict[str, float | None]] = Field(
        default_factory=dict, description="split -> headline -> candidate − lead"
    )
    base_stats: RunStats
    candidate_stats: RunStats
    new_hallucinations: list[NewHallucination] = Field(default_factory=list)
    failures: list[GateFailure] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def paired_bootstrap_ci(
    deltas: Sequence[float],
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval of the mean of ``deltas`` over ``resamples`` resamples drawn with
    replacement (pairs stay together: each delta is one case's candidate − base)."""
    if not deltas:
        raise ValueError("no paired deltas to resample")
    rng = random.Random(seed)
    n = len(deltas)
    means = sorted(math.fsum(rng.choices(deltas, k=n)) / n for _ in range(resamples))
    tail = (1 - confidence) / 2
    low = means[math.floor(tail * (resamples - 1))]
    high = means[math.ceil((1 - tail) * (resamples - 1))]
    return low, high


def case_deltas(metric: str, pairs: Sequence[tuple[CaseResult, CaseResult]]) -> list[CaseDelta]:
    """Per paired case, base and candidate values of ``metric`` where both scored it."""
    deltas = []
    for base, candidate in pairs:
        b, c = base.scores.get(metric), candidate.scores.get(metric)
        if b is not None and c is not None:
            deltas.append(CaseDelta(case=base.id, base=b, candidate=c))
    return deltas


def compare_metric(
    metric: str,
    pairs: Sequence[tuple[CaseResult, CaseResult]],
    config: EvalConfig,
) -> MetricComparison:
    better = METRICS[metric].higher_is_better
    headline = metric in config.gate.headline
    deltas = case_deltas(metric, pairs)
    if not deltas:
        return MetricComparison(
            metric=metric,
            headline=headline,
            higher_is_better=better,
            base=None,
            candidate=None,
            delta=None,
            cases=0,
        )
    sign = 1.0 if better else -1.0  # > 0: the candidate is better
    gains = [sign * d.delta for d in deltas]
    delta = statistics.fmean(d.delta for d in deltas)
    low, high = paired_bootstrap_ci(
        [d.delta for d in deltas],
        resamples=config.bootstrap.resamples,
        confidence=config.bootstrap.confidence,
        seed=config.bootstrap.seed,
    )
    tolerance = config.gate.tolerance_for(metric) if headline else None
    regressed = tolerance is not None and sign * delta < -tolerance - 1e-12
    worst = sorted((d for d in deltas if sign * d.delta < 0), key=lambda d: sign * d.delta)
    return with_lead(
        MetricComparison(
            metric=metric,
            headline=headline,
            higher_is_better=better,
            base=statistics.fmean(d.base for d in deltas),
            candidate=statistics.fmean(d.candidate for d in deltas),
            delta=delta,
            ci_low=low,
            ci_high=high,
            cases=len(deltas),
            improved=sum(1 for g in gains if g > 1e-12),
            worsened=sum(1 for g in gains if g < -1e-12),
            tolerance=tolerance,
            regressed=regressed,
            worst=worst[:WORST_CASES_SHOWN],
        ),
        pairs,
        config,
    )


def case_lead(base: CaseResult, candidate: CaseResult) -> dict[str, float | None] | None:
    """A paired case's lead baseline scores: the candidate run's, else the base run's."""
    return candidate.lead_scores if candidate.lead_scores is not None else base.lead_scores


def has_lead(pairs: Sequence[tuple[CaseResult, CaseResult]]) -> bool:
    return bool(pairs) and all(case_lead(b, c) is not None for b, c in pairs)


def lead_values(metric: str, pairs: Sequence[tuple[CaseResult, CaseResult]]) -> list[float | None]:
    return [(case_lead(b, c) or {}).get(metric) for b, c in pairs]


def with_lead(
    result: MetricComparison,
    pairs: Sequence[tuple[CaseResult, CaseResult]],
    config: EvalConfig,
) -> MetricComparison:
    """``result`` with the lead baseline's mean, both runs' model − lead and the lead rule."""
    if not has_lead(pairs):
        return result
    metric = result.metric
    lead = mean_defined(lead_values(metric, pairs))
    base = mean_defined(b.scores.get(metric) for b, _ in pairs)
    candidate = mean_defined(c.scores.get(metric) for _, c in pairs)
    sign = 1.0 if result.higher_is_better else -1.0
    checked = (
        config.gate.fail_below_lead
        and result.headline
        and metric not in config.gate.lead_exempt
        and lead is not None
        and candidate is not None
    )
    below = (
        checked
        and candidate is not None
        and lead is not None
        and (sign * (candidate - lead) < -1e-12)
    )
    gaps = [
        CaseDelta(case=c.id, base=lv, candidate=cv)
        for (_, c), lv in zip(pairs, lead_values(metric, pairs), strict=True)
        if lv is not None and (cv := c.scores.get(metric)) is not None and sign * (cv - lv) < 0
    ]
    gaps.sort(key=lambda d: sign * d.delta)
    return result.model_copy(
        update={
            "lead": lead,
            "base_minus_lead": None if base is None or lead is None else base - lead,
            "candidate_minus_lead": None if candidate is None or lead is None else candidate - lead,
            "lead_checked": checked,
            "below_lead": below,
            "below_lead_cases": gaps[:WORST_CASES_SHOWN] if below else [],
        }
    )


def below_lead_failure(result: MetricComparison) -> GateFailure:
    assert result.candidate_minus_lead is not None and result.lead is not None
    candidate = result.lead + result.candidate_minus_lead
    relation = "below" if result.higher_is_better else "above (worse than)"
    cases = (
        ", ".join(
            f"{d.case} {d.candidate:.3f} vs lead {d.base:.3f}" for d in result.below_lead_cases
        )
        or "no single case"
    )
    return GateFailure(
        rule=f"{result.metric}_below_lead",
        cases=[d.case for d in result.below_lead_cases],
        message=(
            f"{result.metric} of the candidate {candidate:.3f} is {relation} the lead "
            f"baseline's {result.lead:.3f} (candidate − lead {result.candidate_minus_lead:+.3f}; "
            f"the lead copies the article's first sentences, no model); furthest: {cases}"
        ),
    )


def hallucinated(case: CaseResult) -> list[NewHallucination]:
    if case.brief is None or case.details is None:
        return []
    numbers = [case.brief.numbers[i] for i in case.details.numbers.hallucinated]
    return [
        NewHallucination(case=case.id, text=n.text, value=n.value, unit=n.unit) for n in numbers
    ]


def new_hallucinations(base: CaseResult, candidate: CaseResult) -> list[NewHallucination]:
    """Hallucinated numbers of the candidate whose value no base hallucination shares."""
    known = [abs(h.value) for h in hallucinated(base)]
    return [
        h
        for h in hallucinated(candidate)
        if not any(same_value(abs(h.value), value) for value in known)
    ]


def metric_failure(result: MetricComparison) -> GateFailure:
    worst = (
        ", ".join(f"{d.case} {d.base:.3f} → {d.candidate:.3f}" for d in result.worst)
        or "no single case"
    )
    direction = "fell" if result.higher_is_better else "rose"
    assert result.delta is not None and result.tolerance is not None
    return GateFailure(
        rule=result.metric,
        cases=[d.case for d in result.worst],
        message=(
            f"{result.metric} {direction} by {abs(result.delta):.3f} (tolerance "
            f"{result.tolerance:.3f}, 95% CI of the delta [{result.ci_low:+.3f}, "
            f"{result.ci_high:+.3f}]); worst cases: {worst}"
        ),
    )


def hallucination_failure(found: NewHallucination) -> GateFailure:
    unit = f" {found.unit}" if found.unit else ""
    return GateFailure(
        rule="new_hallucinated_number",
        cases=[found.case],
        message=(
            f"{found.case}: field numbers: new hallucinated number {found.text!r} "
            f"(value {found.value:g}{unit}) is not in the article"
        ),
    )


def invalid_citations(case: CaseResult) -> int:
    return case.brief.meta.invalid_citations if case.brief is not None else 0


def citation_failure(base: CaseResult, candidate: CaseResult) -> GateFailure | None:
    before, after = invalid_citations(base), invalid_citations(candidate)
    if after <= before:
        return None
    return GateFailure(
        rule="new_invalid_citations",
        cases=[candidate.id],
        message=(
            f"{candidate.id}: {after} cited sentence/number id(s) the prompt did not list "
            f"(base {before}); those items are lost from the brief"
        ),
    )


def compare_runs(base: EvalRun, candidate: EvalRun, config: EvalConfig | None = None) -> Comparison:
    config = config or EvalConfig()
    base_scored = {c.id: c for c in base.cases if c.scored}
    candidate_scored = {c.id: c for c in candidate.cases if c.scored}
    paired_ids = sorted(base_scored.keys() & candidate_scored.keys())
    if not paired_ids:
        raise InputError("the two runs have no scored case in common; run the same --cases")
    pairs = [(base_scored[i], candidate_scored[i]) for i in paired_ids]
    metrics = [compare_metric(metric, pairs, config) for metric in METRICS]
    found = [h for b, c in pairs for h in new_hallucinations(b, c)]
    failures = [metric_failure(m) for m in metrics if m.regressed]
    if config.gate.fail_on_new_hallucinated_number:
        failures += [hallucination_failure(h) for h in found]
    if config.gate.fail_on_new_invalid_citations:
        failures += [f for b, c in pairs if (f := citation_failure(b, c)) is not None]
    failures += [below_lead_failure(m) for m in metrics if m.below_lead]
    split_pairs = {s: [(b, c) for b, c in pairs if in_split(b, s)] for s in SPLITS}
    return Comparison(
        base=base.spec,
        candidate=candidate.spec,
        paired=paired_ids,
        only_in_base=sorted(base_scored.keys() - candidate_scored.keys()),
        only_in_candidate=sorted(candidate_scored.keys() - base_scored.keys()),
        metrics=metrics,
        split_deltas={s: split_delta(p, config.gate.headline) for s, p in split_pairs.items()},
        split_cases={s: len(p) for s, p in split_pairs.items()},
        split_minus_lead={
            s: split_minus_lead(p, config.gate.headline) for s, p in split_pairs.items()
        },
        base_stats=run_stats(base, config),
        candidate_stats=run_stats(candidate, config),
        new_hallucinations=found,
        failures=failures,
        warnings=comparison_warnings(base, candidate, pairs) + lead_warnings(pairs, config),
    )


def split_delta(
    pairs: Sequence[tuple[CaseResult, CaseResult]], metrics: Sequence[str]
) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for metric in metrics:
        deltas = case_deltas(metric, pairs)
        out[metric] = statistics.fmean(d.delta for d in deltas) if deltas else None
    return out


def split_minus_lead(
    pairs: Sequence[tuple[CaseResult, CaseResult]], metrics: Sequence[str]
) -> dict[str, float | None]:
    """Per metric, the candidate's mean − the lead's over ``pairs`` (None: no lead)."""
    if not has_lead(pairs):
        return {metric: None for metric in metrics}
    out: dict[str, float | None] = {}
    for metric in metrics:
        lead = mean_defined(lead_values(metric, pairs))
        candidate = mean_defined(c.scores.get(metric) for _, c in pairs)
        out[metric] = None if lead is None or candidate is None else candidate - lead
    return out


def lead_warnings(pairs: Sequence[tuple[CaseResult, CaseResult]], config: EvalConfig) -> list[str]:
    if not has_lead(pairs):
        rule = "; the below-lead rule was not checked" if config.gate.fail_below_lead else ""
        return [
            "neither run has lead baseline scores (saved before the lead existed); "
            f"`briefer eval score <run>` computes them{rule}"
        ]
    differ = [
        c.id
        for b, c in pairs
        if b.lead_scores is not None
        and c.lead_scores is not None
        and b.lead_scores != c.lead_scores
    ]
    if differ:
        return [
            f"the lead baseline differs between the runs for {', '.join(differ)} (gold, "
            "article or baseline changed); the candidate's is used; re-score both"
        ]
    return []


def comparison_warnings(
    base: EvalRun,
    candidate: EvalRun,
    pairs: Sequence[tuple[CaseResult, CaseResult]],
) -> list[str]:
    warnings = []
    for field in ("model", "backend", "temperature", "strict"):
        b, c = getattr(base.spec, field), getattr(candidate.spec, field)
        if b != c:
            warnings.append(f"the runs differ in {field}: {b!r} vs {c!r}; deltas mix two changes")
    changed_gold = [b.id for b, c in pairs if b.gold_sha256 != c.gold_sha256]
    if changed_gold:
        warnings.append(
            f"gold brief differs between the runs for {', '.join(changed_gold)}; "
            "re-score both with `briefer eval score`"
        )
    for name, run in (("base", base), ("candidate", candidate)):
        skipped = [c.id for c in run.cases if c.status == "skipped"]
        if skipped:
            warnings.append(f"{name} skipped {len(skipped)} case(s): {', '.join(skipped)}")
    if base.spec.prompt_hash == candidate.spec.prompt_hash:
        warnings.append("both runs used the same prompt hash")
    return warnings
