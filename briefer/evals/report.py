"""Reports of eval runs and comparisons, as Markdown and static HTML.

A report is first built as a list of blocks (``briefer.rendering``: headings, paragraphs,
tables, bullet lists) whose cells carry *marks* (missed, extra, ungrounded, hallucinated,
…); ``to_markdown`` and ``to_html`` render the same blocks, so the two formats never
disagree. Text from articles, gold and model output is escaped for each format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from briefer.daystore import write_atomic
from briefer.evals.compare import Comparison, MetricComparison
from briefer.evals.dataset import EvalConfig
from briefer.evals.matching import Matching
from briefer.evals.metrics import HEADLINE_METRICS, METRICS
from briefer.evals.run import (
    SPLITS,
    CaseResult,
    EvalRun,
    RunStats,
    RunSummary,
    summarize,
    write_run,
)
from briefer.evals.viewer import run_view_html, write_view
from briefer.rendering import html, markdown
from briefer.rendering.blocks import Block, BulletList, Cell, Heading, Item, Mark, Para, Table
from briefer.schema import ActorDraft, ClaimDraft, NumberDraft


def heading(text: str, level: int = 2, anchor: str | None = None) -> Heading:
    return Heading((text,), level, anchor)


def para(text: str) -> Para:
    return Para((text,))


def bullets(cells: Sequence[Cell]) -> BulletList:
    return BulletList([Item((cell,)) for cell in cells])


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


# --- the run report ---------------------------------------------------------------------


def run_blocks(run: EvalRun, summary: RunSummary) -> list[Block]:
    spec = run.spec
    dirty = " (dirty)" if spec.git_dirty else ""
    blocks: list[Block] = [
        heading(f"Eval run: prompts v{spec.prompt_version} ({spec.prompt_hash}) · {spec.model}", 1),
        bullets(
            [
                Cell(
                    f"backend {spec.backend}, endpoint {spec.endpoint_host or '—'}, "
                    f"temperature {spec.temperature}, strict {spec.strict}"
                ),
                Cell(f"prompts {spec.prompts_dir}; git {spec.git_commit or 'no commit'}{dirty}"),
                Cell(
                    f"gold {spec.gold_dir}; corpus {spec.corpus_dir}; cases {spec.cases_pattern!r}"
                    + (f", split {spec.split}" if spec.split else "")
                ),
                Cell(
                    f"started {spec.created_at}, finished {spec.finished_at or '—'}"
                    + (f", re-scored {spec.rescored_at}" if spec.rescored_at else "")
                ),
                Cell("packages " + ", ".join(f"{k} {v}" for k, v in spec.packages.items())),
            ]
        ),
        heading("Metrics"),
        para(
            "Means over scored cases; ★ marks the headline metrics the compare gate checks. "
            "Test cases are held out: tune prompts on dev."
        ),
        para(LEAD_NOTE),
        metrics_table(summary),
        heading("Run"),
        stats_table(summary.stats),
    ]
    problems = [Cell(f"{case}: skipped, {why}", ("bad",)) for case, why in summary.skipped.items()]
    problems += [Cell(f"{case}: failed, {why}", ("bad",)) for case, why in summary.failed.items()]
    if problems:
        blocks += [heading("Skipped and failed cases"), bullets(problems)]
    blocks += [heading("Cases"), cases_table(run.cases)]
    for case in run.cases:
        blocks += case_blocks(case)
    return blocks


LEAD_NOTE = (
    "lead: the lead baseline, no model (briefer/evals/baseline.py): the first 6 sentences "
    "without a speaker as claims, the first 10 quantities the prompt lists, the 6 most "
    "frequent capitalised names, no questions, the first sentence as title and the first two "
    "as summary (summary_* and headline_unsupported are shown, not gated). − lead: the "
    "model's mean minus the lead's over the same cases (> 0 is better, < 0 for a lower-is-better metric); — when the "
    "run was saved before the lead existed (re-score it with briefer eval score)."
)


def metrics_table(summary: RunSummary) -> Table:
    """Per metric and split: the model's mean, the lead baseline's and model − lead."""
    headers = tuple(
        header
        for s in SPLITS
        for header in (f"{s} ({summary.case_counts.get(s, 0)})", f"{s} lead", f"{s} − lead")
    )
    lead, minus_lead = summary.lead_metrics or {}, summary.model_minus_lead or {}
    rows = []
    for name in METRICS:
        star = " ★" if name in HEADLINE_METRICS else ""
        arrow = "" if METRICS[name].higher_is_better else " (lower is better)"
        cells = [
            cell
            for s in SPLITS
            for cell in (
                Cell(fmt(summary.metrics.get(s, {}).get(name))),
                Cell(fmt(lead.get(s, {}).get(name))),
                Cell(signed(minus_lead.get(s, {}).get(name))),
            )
        ]
        rows.append((Cell(f"{name}{star}{arrow}"), *cells))
    return Table(("metric", *headers), rows)


def stats_table(stats: RunStats) -> Table:
    cost = (
        "unknown (no price in evals/config.toml)"
        if stats.cost_usd is None
        else f"${stats.cost_usd:.4f}"
    )
    rows = [
        ("cases", f"{stats.cases}: {stats.ok} ok, {stats.failed} failed, {stats.skipped} skipped"),
        (
            "tokens in / out",
            f"{stats.tokens_in:,} / {stats.tokens_out:,} (cached answers included)",
        ),
        ("cost estimate", cost),
        (
            "model calls / cache hits / re-asks",
            f"{stats.calls} / {stats.cache_hits} / {stats.reasks}",
        ),
        (
            "latency per case (s): mean / p50 / max",
            f"{fmt(stats.latency_mean, 2)} / {fmt(stats.latency_p50, 2)} / {fmt(stats.latency_max, 2)}",
        ),
        ("hallucinated numbers", str(stats.hallucinated_numbers)),
        ("title/summary names, numbers, roles the article lacks", str(stats.headline_unsupported)),
    ]
    return Table(("", "value"), [(Cell(k), Cell(v)) for k, v in rows])


_CASE_COLUMNS = (
    "actors_f1",
    "numbers_f1",
    "hallucinated_number_rate",
    "claims_recall",
    "attribution_accuracy",
    "evidence_grounding",
    "question_coverage",
    "summary_rouge_l",
    "headline_unsupported",
)


def cases_table(cases: Sequence[CaseResult]) -> Table:
    rows = []
    for case in cases:
        status: tuple[Mark, ...] = () if case.status == "ok" else ("bad",)
        values = [Cell(fmt(case.scores.get(name)) if case.scored else "") for name in _CASE_COLUMNS]
        rows.append((Cell(case.id), Cell(case.split), Cell(case.status, status), *values))
    return Table(("case", "split", "status", *_CASE_COLUMNS), rows)


def case_blocks(case: CaseResult) -> list[Block]:
    title = f"{case.id} ({case.split}, {case.topic}): {case.status}"
    blocks: list[Block] = [heading(title, 3, anchor=case.id)]
    if case.reason:
        blocks.append(para(case.reason))
    if case.details is None or case.gold is None:
        return blocks
    brief, gold, details = case.brief, case.gold, case.details
    blocks += [
        para(f"Output title: {brief.title}" if brief else "No valid brief: scored as empty."),
        *(
            [para(f"Output summary: {brief.summary}"), para(f"Gold summary: {gold.summary}")]
            if brief
            else []
        ),
        heading("Actors", 4),
        diff_table(
            details.actors,
            [describe_actor(a) for a in gold.actors],
            [
                Cell(describe_actor(a), () if a.grounded else ("ungrounded",))
                for a in (brief.actors if brief else [])
            ],
        ),
        heading("Numbers", 4),
        diff_table(
            details.numbers,
            [describe_number(n) for n in gold.numbers],
            [
                Cell(describe_number(n), number_marks(i, n.grounded, details.numbers.hallucinated))
                for i, n in enumerate(brief.numbers if brief else [])
            ],
        ),
        heading("Claims", 4),
        claims_table(case),
        heading("Open questions", 4),
        diff_table(
            details.questions,
            list(gold.open_questions),
            [Cell(q) for q in (brief.open_questions if brief else [])],
        ),
    ]
    return blocks


def describe_actor(actor: ActorDraft) -> str:
    return f"{actor.name} — {actor.role}"


def describe_number(number: NumberDraft) -> str:
    unit = f" {number.unit}" if number.unit else ""
    return f"{number.text} (= {number.value:g}{unit}) — {number.context}"


def describe_claim(claim: ClaimDraft) -> str:
    return f"{claim.text} [{claim.attributed_to or 'the article'}] “{claim.evidence}”"


def number_marks(index: int, grounded: bool, hallucinated: Sequence[int]) -> tuple[Mark, ...]:
    marks: tuple[Mark, ...] = () if grounded else ("ungrounded",)
    return (*marks, "hallucinated") if index in hallucinated else marks


def diff_table(matching: Matching, gold: Sequence[str], predicted: Sequence[Cell]) -> Table:
    """Gold next to output: matched pairs, then gold items missed, then extra output."""
    rows = [
        (Cell(gold[p.gold]), predicted[p.pred], Cell(f"{p.score:.2f}", ("ok",)))
        for p in matching.pairs
    ]
    rows += [(Cell(gold[j]), Cell(), Cell("", ("missed",))) for j in matching.missed]
    rows += [(Cell(), predicted[i], Cell("", ("extra",))) for i in matching.extra]
    return Table(("gold", "output", "match"), rows)


def claims_table(case: CaseResult) -> Table:
    assert case.details is not None and case.gold is not None
    claims = case.details.claims
    predicted = case.brief.claims if case.brief else []

    def output(i: int) -> Cell:
        grounded = claims.evidence_in_article[i] if i < len(claims.evidence_in_article) else False
        return Cell(describe_claim(predicted[i]), () if grounded else ("ungrounded",))

    gold = case.gold.claims
    rows = [
        (
            Cell(describe_claim(gold[p.gold])),
            output(p.pred),
            Cell(f"{p.score:.2f}", ("ok",)),
            Cell("same speaker" if ok else "other speaker", ("ok",) if ok else ("bad",)),
        )
        for p, ok in zip(claims.pairs, claims.attribution_ok, strict=True)
    ]
    rows += [
        (Cell(describe_claim(gold[j])), Cell(), Cell("", ("missed",)), Cell())
        for j in claims.missed
    ]
    rows += [(Cell(), output(i), Cell("", ("extra",)), Cell()) for i in claims.extra]
    return Table(("gold", "output", "match", "attribution"), rows)


# --- the comparison ---------------------------------------------------------------------


def comparison_blocks(comparison: Comparison) -> list[Block]:
    base, candidate = comparison.base, comparison.candidate
    blocks: list[Block] = [
        heading(
            f"Prompt comparison: {base.prompt_hash} (v{base.prompt_version}) → "
            f"{candidate.prompt_hash} (v{candidate.prompt_version})",
            2,
        ),
        para(
            f"Model {candidate.model} ({candidate.backend}); {len(comparison.paired)} paired "
            f"cases (dev {comparison.split_cases.get('dev', 0)}, test "
            f"{comparison.split_cases.get('test', 0)}). Δ = candidate − base; CI: paired "
            "bootstrap 95%; ★ headline metrics are gated."
        ),
        para(
            "lead: the lead baseline (the article's first sentences, no model) over the same "
            "cases; base − lead and candidate − lead: each run's mean minus the lead's; vs "
            "lead: the gate's below-lead rule (exempt metrics are not checked)."
        ),
        Table(
            (
                "metric",
                "base",
                "candidate",
                "Δ",
                "95% CI",
                "improved",
                "worsened",
                "gate",
                "lead",
                "base − lead",
                "candidate − lead",
                "vs lead",
            ),
            [metric_row(m) for m in sorted(comparison.metrics, key=lambda m: not m.headline)],
        ),
        heading("Headline Δ by split", 3),
        Table(
            ("metric", *(f"{s} ({comparison.split_cases.get(s, 0)})" for s in SPLITS)),
            [
                (Cell(name), *(Cell(signed(comparison.split_deltas[s].get(name))) for s in SPLITS))
                for name in comparison.split_deltas.get("all", {})
            ],
        ),
        heading("Headline candidate − lead by split", 3),
        Table(
            ("metric", *(f"{s} ({comparison.split_cases.get(s, 0)})" for s in SPLITS)),
            [
                (
                    Cell(name),
                    *(
                        Cell(signed(comparison.split_minus_lead.get(s, {}).get(name)))
                        for s in SPLITS
                    ),
                )
                for name in comparison.split_minus_lead.get("all", {})
            ],
        ),
        heading("Run", 3),
        Table(
            ("", "base", "candidate"), stats_rows(comparison.base_stats, comparison.candidate_stats)
        ),
        heading("Gate", 3),
    ]
    if comparison.passed:
        blocks.append(
            bullets(
                [
                    Cell(
                        "PASS: no headline metric dropped beyond its tolerance or "
                        "fell below the lead baseline, and no new hallucinated "
                        "number",
                        ("ok",),
                    )
                ]
            )
        )
    else:
        blocks.append(
            bullets([Cell(f"FAIL [{f.rule}] {f.message}", ("bad",)) for f in comparison.failures])
        )
    if comparison.warnings:
        blocks += [heading("Warnings", 3), bullets([Cell(w) for w in comparison.warnings])]
    return blocks


def metric_row(m: MetricComparison) -> tuple[Cell, ...]:
    name = f"{m.metric} ★" if m.headline else m.metric
    ci = "—" if m.ci_low is None else f"[{m.ci_low:+.3f}, {m.ci_high:+.3f}]"
    if not m.headline:
        gate = Cell()
    elif m.regressed:
        gate = Cell(f"regression (tolerance {m.tolerance:.3f})", ("bad",))
    else:
        gate = Cell("ok", ("ok",))
    return (
        Cell(name),
        Cell(fmt(m.base)),
        Cell(fmt(m.candidate)),
        Cell(signed(m.delta)),
        Cell(ci),
        Cell(str(m.improved)),
        Cell(str(m.worsened)),
        gate,
        Cell(fmt(m.lead)),
        Cell(signed(m.base_minus_lead)),
        Cell(signed(m.candidate_minus_lead)),
        lead_gate(m),
    )


def lead_gate(m: MetricComparison) -> Cell:
    """The below-lead rule's verdict for one metric."""
    if m.below_lead:
        return Cell("below lead", ("bad",))
    if m.lead_checked:
        return Cell("ok", ("ok",))
    if m.headline and m.lead is not None:
        return Cell("not checked")
    return Cell()


def stats_rows(base: RunStats, candidate: RunStats) -> list[tuple[Cell, ...]]:
    def per_case(stats: RunStats, tokens: int) -> str:
        briefed = stats.ok + stats.failed
        return f"{tokens / briefed:,.0f}" if briefed else "—"

    def cost(stats: RunStats) -> str:
        return "unknown" if stats.cost_usd is None else f"${stats.cost_usd:.4f}"

    rows = [
        ("failed cases", str(base.failed), str(candidate.failed)),
        (
            "hallucinated numbers",
            str(base.hallucinated_numbers),
            str(candidate.hallucinated_numbers),
        ),
        (
            "title/summary statements the article lacks",
            str(base.headline_unsupported),
            str(candidate.headline_unsupported),
        ),
        (
            "tokens in per case",
            per_case(base, base.tokens_in),
            per_case(candidate, candidate.tokens_in),
        ),
        (
            "tokens out per case",
            per_case(base, base.tokens_out),
            per_case(candidate, candidate.tokens_out),
        ),
        ("cost estimate", cost(base), cost(candidate)),
        ("latency mean (s)", fmt(base.latency_mean, 2), fmt(candidate.latency_mean, 2)),
    ]
    return [(Cell(a), Cell(b), Cell(c)) for a, b, c in rows]


# --- rendering --------------------------------------------------------------------------


def to_markdown(blocks: Sequence[Block]) -> str:
    """Markdown with the loose escaper: metric names such as ``actors_f1`` stay readable."""
    return markdown.to_markdown(blocks, loose=True)


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:80rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.2rem;width:100%}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4} h3{margin-top:2.2rem;border-top:2px solid #eee;padding-top:1rem}
.mark{font-size:.85em;font-weight:600;margin-left:.4em;white-space:nowrap}
.m-ok{color:#176f2c} .m-bad,.m-missed{color:#b00020} .m-extra{color:#8a5a00}
.m-ungrounded{background:#fff3cd;color:#7a4d00;padding:0 .25em}
.m-hallucinated{background:#b00020;color:#fff;padding:0 .25em}
td.has-ungrounded{background:#fffbea} td.has-hallucinated{background:#fde8eb}
"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    return html.report_page(title, html.to_html(blocks), _CSS)


def run_report_markdown(run: EvalRun, summary: RunSummary) -> str:
    return to_markdown(run_blocks(run, summary))


def run_report_html(run: EvalRun, summary: RunSummary) -> str:
    return to_html(
        run_blocks(run, summary), f"briefer eval {run.spec.prompt_hash} {run.spec.model}"
    )


def comparison_markdown(comparison: Comparison) -> str:
    return to_markdown(comparison_blocks(comparison))


def save_run(run: EvalRun, out_dir: Path, config: EvalConfig | None = None) -> RunSummary:
    """Write the run folder: results.jsonl, summary.json, report.md, report.html and
    view.html (``briefer.evals.viewer``)."""
    summary = summarize(run, config)
    write_run(run, out_dir, summary)
    write_atomic(out_dir / "report.md", run_report_markdown(run, summary), durable=False)
    write_atomic(out_dir / "report.html", run_report_html(run, summary), durable=False)
    write_view(run_view_html(run, config), out_dir)
    return summary
