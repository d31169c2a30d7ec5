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
  prompt's ids, and what it meant is lost.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence

from pydantic import BaseModel, Field

from briefer.errors import InputError
from briefer.evals.dataset import EvalConfig
from briefer.evals.metrics import METRICS
from briefer.evals.run import SPLITS, CaseResult, EvalRun, RunSpec, RunStats, in_split, run_stats
from briefer.numbers import same_value

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
    worst: list[CaseDelta] = Field(default_factory=list, description="cases that moved most the wrong way")


class NewHallucination(BaseModel):
    case: str
    text: str
    value: float
    unit: str | None


class GateFailure(BaseModel):
    rule: str = Field(
        description="the metric, 'new_hallucinated_number' or 'new_invalid_citations'"
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
    split_deltas: dict[str, dict[str, float | None]] = Field(description="split -> headline -> delta")
    split_cases: dict[str, int]
    base_stats: RunStats
    candidate_stats: RunStats
    new_hallucinations: list[NewHallucination] = Field(default_factory=list)
    failures: list[GateFailure] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def paired_bootstrap_ci(
    deltas: Sequence[float], *, resamples: int = 2000, confidence: float = 0.95, seed: int = 0,
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
    metric: str, pairs: Sequence[tuple[CaseResult, CaseResult]], config: EvalConfig,
) -> MetricComparison:
    better = METRICS[metric].higher_is_better
    headline = metric in config.gate.headline
    deltas = case_deltas(metric, pairs)
    if not deltas:
        return MetricComparison(metric=metric, headline=headline, higher_is_better=better,
                                base=None, candidate=None, delta=None, cases=0)
    sign = 1.0 if better else -1.0  # > 0: the candidate is better
    gains = [sign * d.delta for d in deltas]
    delta = statistics.fmean(d.delta for d in deltas)
    low, high = paired_bootstrap_ci(
        [d.delta for d in deltas], resamples=config.bootstrap.resamples,
        confidence=config.bootstrap.confidence, seed=config.bootstrap.seed,
    )
    tolerance = config.gate.tolerance_for(metric) if headline else None
    regressed = tolerance is not None and sign * delta < -tolerance - 1e-12
    worst = sorted((d for d in deltas if sign * d.delta < 0), key=lambda d: sign * d.delta)
    return MetricComparison(
        metric=metric, headline=headline, higher_is_better=better,
        base=statistics.fmean(d.base for d in deltas),
        candidate=statistics.fmean(d.candidate for d in deltas),
        delta=delta, ci_low=low, ci_high=high, cases=len(deltas),
        improved=sum(1 for g in gains if g > 1e-12), worsened=sum(1 for g in gains if g < -1e-12),
        tolerance=tolerance, regressed=regressed, worst=worst[:WORST_CASES_SHOWN],
    )


def hallucinated(case: CaseResult) -> list[NewHallucination]:
    if case.brief is None or case.details is None:
        return []
    numbers = [case.brief.numbers[i] for i in case.details.numbers.hallucinated]
    return [NewHallucination(case=case.id, text=n.text, value=n.value, unit=n.unit) for n in numbers]


def new_hallucinations(base: CaseResult, candidate: CaseResult) -> list[NewHallucination]:
    """Hallucinated numbers of the candidate whose value no base hallucination shares."""
    known = [abs(h.value) for h in hallucinated(base)]
    return [
        h for h in hallucinated(candidate)
        if not any(same_value(abs(h.value), value) for value in known)
    ]


def metric_failure(result: MetricComparison) -> GateFailure:
    worst = ", ".join(
        f"{d.case} {d.base:.3f} → {d.candidate:.3f}" for d in result.worst
    ) or "no single case"
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
    split_pairs = {s: [(b, c) for b, c in pairs if in_split(b, s)] for s in SPLITS}
    return Comparison(
        base=base.spec, candidate=candidate.spec, paired=paired_ids,
        only_in_base=sorted(base_scored.keys() - candidate_scored.keys()),
        only_in_candidate=sorted(candidate_scored.keys() - base_scored.keys()),
        metrics=metrics,
        split_deltas={s: split_delta(p, config.gate.headline) for s, p in split_pairs.items()},
        split_cases={s: len(p) for s, p in split_pairs.items()},
        base_stats=run_stats(base, config), candidate_stats=run_stats(candidate, config),
        new_hallucinations=found, failures=failures,
        warnings=comparison_warnings(base, candidate, pairs),
    )


def split_delta(
    pairs: Sequence[tuple[CaseResult, CaseResult]], metrics: Sequence[str]
) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for metric in metrics:
        deltas = case_deltas(metric, pairs)
        out[metric] = statistics.fmean(d.delta for d in deltas) if deltas else None
    return out


def comparison_warnings(
    base: EvalRun, candidate: EvalRun, pairs: Sequence[tuple[CaseResult, CaseResult]],
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
