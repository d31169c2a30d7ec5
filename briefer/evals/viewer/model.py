"""What an eval view shows, computed from runs: no HTML here.

A view has one run (``eval run``: the run beside its lead baseline) or two (``eval
compare``: base, candidate and the lead). Each case row knows the value of every metric in
every column and the *delta* that colours it: candidate − base, or run − lead for a
single run, signed so that > 0 is better whatever the metric's direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from briefer.evals.compare import Comparison, case_lead, paired_bootstrap_ci
from briefer.evals.dataset import EvalConfig
from briefer.evals.metrics import METRICS, mean_defined
from briefer.evals.run import CaseResult, EvalRun
from briefer.evals.viewer.charts import Bar, DeltaPoint, MetricBars

EPSILON = 1e-12


@dataclass(frozen=True)
class LabeledRun:
    label: str  # "base", "candidate" or "run"
    run: EvalRun


@dataclass(frozen=True)
class CaseRow:
    id: str
    split: str
    topic: str
    results: tuple[CaseResult | None, ...]  # one per run, None: not in that run
    lead: dict[str, float | None] | None

    def value(self, column: int, metric: str) -> float | None:
        """The metric in column ``column`` (a run's index, or len(results): the lead)."""
        if column == len(self.results):
            return (self.lead or {}).get(metric)
        result = self.results[column]
        return result.scores.get(metric) if result is not None and result.scored else None

    @property
    def latest(self) -> CaseResult | None:
        return next((r for r in reversed(self.results) if r is not None), None)


@dataclass(frozen=True)
class View:
    title: str
    runs: tuple[LabeledRun, ...]
    metrics: tuple[str, ...]  # headline metrics first
    headline: frozenset[str]
    rows: tuple[CaseRow, ...]
    comparison: Comparison | None = None
    # Headline metrics the regressions filter ignores: against the lead, those the lead
    # gets right by construction (``[gate] lead_exempt``).
    unchecked: frozenset[str] = frozenset()

    @property
    def columns(self) -> tuple[str, ...]:
        return (*(r.label for r in self.runs), "lead")

    @property
    def reference(self) -> int:
        """The column a delta is measured from: base (index 0), or the lead of one run."""
        return 0 if len(self.runs) == 2 else len(self.runs)

    @property
    def subject(self) -> int:
        """The column whose cell is coloured: the candidate, or the only run."""
        return len(self.runs) - 1

    def gain(self, row: CaseRow, metric: str) -> float | None:
        """Subject − reference for ``metric`` in ``row``, > 0 when the subject is better."""
        subject, reference = row.value(self.subject, metric), row.value(self.reference, metric)
        if subject is None or reference is None:
            return None
        delta = subject - reference
        return delta if METRICS[metric].higher_is_better else -delta

    def worse(self, row: CaseRow) -> bool:
        """A regression: a headline metric worse than the reference, or a newly failed case."""
        checked = self.headline - self.unchecked
        if any((g := self.gain(row, m)) is not None and g < -EPSILON for m in checked):
            return True
        statuses = [r.status if r is not None else None for r in row.results]
        return statuses[-1] == "failed" and (len(statuses) == 1 or statuses[0] != "failed")


def ordered_metrics(config: EvalConfig) -> tuple[str, ...]:
    headline = [m for m in config.gate.headline if m in METRICS]
    return (*headline, *(m for m in METRICS if m not in headline))


def run_view(run: EvalRun, config: EvalConfig) -> View:
    rows = tuple(
        CaseRow(c.id, c.split, c.topic, (c,), c.lead_scores if c.scored else None)
        for c in run.cases
    )
    spec = run.spec
    return View(
        title=f"briefer eval: prompts v{spec.prompt_version} ({spec.prompt_hash[:8]}) · {spec.model}",
        runs=(LabeledRun("run", run),),
        metrics=ordered_metrics(config),
        headline=frozenset(config.gate.headline),
        rows=rows,
        unchecked=frozenset(config.gate.lead_exempt),
    )


def compare_view(
    base: EvalRun, candidate: EvalRun, comparison: Comparison, config: EvalConfig
) -> View:
    by_base = {c.id: c for c in base.cases}
    by_candidate = {c.id: c for c in candidate.cases}
    ids = [c.id for c in candidate.cases] + [i for i in by_base if i not in by_candidate]
    rows = []
    for case_id in ids:
        b, c = by_base.get(case_id), by_candidate.get(case_id)
        first = c or b
        assert first is not None
        lead = case_lead(b, c) if b is not None and c is not None else first.lead_scores
        rows.append(CaseRow(case_id, first.split, first.topic, (b, c), lead))
    return View(
        title=f"briefer eval compare: {base.spec.prompt_hash[:8]} (v{base.spec.prompt_version}) → "
        f"{candidate.spec.prompt_hash[:8]} (v{candidate.spec.prompt_version}) · {candidate.spec.model}",
        runs=(LabeledRun("base", base), LabeledRun("candidate", candidate)),
        metrics=ordered_metrics(config),
        headline=frozenset(config.gate.headline),
        rows=tuple(rows),
        comparison=comparison,
    )


def chart_rows(view: View, config: EvalConfig) -> list[MetricBars]:
    """Per headline metric, each run's mean over the cases with a bootstrap 95 % CI of that
    mean, and the lead's mean over the same cases. A comparison charts the paired cases
    where both runs scored the metric, as its table does."""
    paired = set(view.comparison.paired) if view.comparison else None
    rows = [r for r in view.rows if paired is None or r.id in paired]
    out = []
    for metric in (m for m in view.metrics if m in view.headline):
        # As the comparison does: only cases where every run scored the metric.
        scored = [
            r for r in rows if all(r.value(i, metric) is not None for i in range(len(view.runs)))
        ]
        bars = []
        for index, labeled in enumerate(view.runs):
            values = [v for r in scored if (v := r.value(index, metric)) is not None]
            bars.append(mean_bar(labeled.label, values, config))
        lead = (
            mean_defined(r.value(len(view.runs), metric) for r in scored)
            if all(r.lead is not None for r in scored) and scored
            else None
        )
        out.append(MetricBars(metric, tuple(bars), lead))
    return out


def mean_bar(label: str, values: Sequence[float], config: EvalConfig) -> Bar:
    if not values:
        return Bar(label, label, None)
    low, high = paired_bootstrap_ci(
        values,
        resamples=config.bootstrap.resamples,
        confidence=config.bootstrap.confidence,
        seed=config.bootstrap.seed,
    )
    return Bar(label, label, sum(values) / len(values), low, high)


def delta_points(comparison: Comparison) -> list[DeltaPoint]:
    return [
        DeltaPoint(
            m.metric, m.delta, m.ci_low, m.ci_high, m.higher_is_better, m.tolerance, m.regressed
        )
        for m in sorted(comparison.metrics, key=lambda m: not m.headline)
        if m.headline
    ]
