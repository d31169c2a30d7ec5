"""The eval view as one self-contained HTML page: inline CSS, a few lines of inline JS, no
network. Its parts: the run(s) and the gate, metric charts (inline SVG), the case × run
matrix, and a section per case that a click on its row opens (``:target``)."""

from __future__ import annotations

import re

from briefer.evals.dataset import EvalConfig
from briefer.evals.viewer.charts import delta_chart, means_chart
from briefer.evals.viewer.model import CaseRow, View, chart_rows, delta_points
from briefer.evals.viewer.sides import badge, case_section, fmt, gain_class
from briefer.rendering.html import escape

CSS = """
:root{--fg:#1d1d1f;--muted:#666;--line:#ddd;--head:#f4f4f6;--bg:#fff;--up1:#dcf5e3;--up2:#a8e6b8;
--up3:#5cc97a;--dn1:#fde2e2;--dn2:#f7b0b0;--dn3:#e86b6b;--base:#8aa4c8;--candidate:#3b6fb6;--run:#3b6fb6}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8ea;--muted:#a0a0a8;--line:#3a3a40;--head:#26262b;
--bg:#18181b;--up1:#1d3b27;--up2:#236b3a;--up3:#2f9a52;--dn1:#4a2323;--dn2:#7a2e2e;--dn3:#b33c3c}}
body{font:14px/1.45 system-ui,sans-serif;margin:1.2rem auto;max-width:92rem;padding:0 1rem;
color:var(--fg);background:var(--bg)}
h1{font-size:1.35rem;margin:.2rem 0} h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
h3{margin:0 0 .4rem} h3 small{color:var(--muted);font-weight:normal}
h4{margin:1rem 0 .3rem;font-size:.95rem} .meta{color:var(--muted);margin:.2rem 0}
table{border-collapse:collapse} th,td{border:1px solid var(--line);padding:.25rem .45rem;
text-align:left;vertical-align:top} thead th{background:var(--head);position:sticky;top:0}
.scroll{overflow-x:auto;max-width:100%}
table.matrix td.v{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.matrix th.g{text-align:center} table.matrix td.sep,table.matrix th.sep{border-left:2px solid var(--muted)}
table.matrix tbody tr{cursor:pointer} table.matrix tbody tr:hover td{outline:1px solid var(--muted)}
table.matrix{font-size:.92em} table.matrix td,table.matrix th{padding:.2rem .35rem}
table.matrix td.case{white-space:nowrap;position:sticky;left:0;background:var(--bg)}
table.matrix td.case a{color:inherit;font-weight:600;text-decoration:none}
table.matrix tfoot td{font-weight:600;background:var(--head)}
.up1{background:var(--up1)} .up2{background:var(--up2)} .up3{background:var(--up3)}
.dn1{background:var(--dn1)} .dn2{background:var(--dn2)} .dn3{background:var(--dn3)}
.na{color:var(--muted)} .sub{color:var(--muted);font-size:.85em}
.extra-metric{display:none} body:has(#all-metrics:checked) .extra-metric{display:table-cell}
body:has(#all-metrics:checked) tr.extra-metric{display:table-row}
body:has(#regressions-only:checked) table.matrix tbody tr:not(.worse){display:none}
.controls{display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap;margin:.4rem 0}
.legend span{display:inline-block;padding:0 .4rem;margin-right:.2rem}
.badge{display:inline-block;font-size:.78em;font-weight:600;padding:0 .35em;border-radius:.3em;
margin:0 .15em;white-space:nowrap;border:1px solid currentColor}
.badge.ok{color:#17803a} .badge.bad,.badge.missed{color:#c01c28} .badge.warn{color:#9a6700}
.badge.extra{color:#8a5a00} .badge.none{color:var(--muted)}
.gate{font-weight:700;padding:.2rem .6rem;border-radius:.3rem;display:inline-block}
.gate.pass{background:var(--up2)} .gate.fail{background:var(--dn2)}
ul.failures{margin:.3rem 0;padding-left:1.2rem}
section.case{display:none;border-top:3px solid var(--line);margin-top:1.5rem;padding-top:.8rem}
section.case:target{display:block} a.back{font-size:.8rem;font-weight:normal;margin-left:1rem}
table.side{width:100%;table-layout:fixed;margin-bottom:.4rem} table.side td.missed{background:var(--dn1)}
table.side td.extra{background:#fff4d6} table.side td.none{color:var(--muted);font-style:italic}
@media (prefers-color-scheme:dark){table.side td.extra{background:#3d3315}}
table.side.text th:first-child{width:5rem} q{display:block;color:var(--muted);font-style:italic;
margin-top:.15rem} q::before{content:"“"} q::after{content:"”"} .by{color:var(--muted)}
table.scores{margin-bottom:.8rem} table.scores td{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem} svg.chart{max-width:100%;height:auto;font-size:11px}
svg text{fill:var(--fg)} svg .axis,svg .value{fill:var(--muted)} svg .grid{stroke:var(--line)}
svg .zero{stroke:var(--muted);stroke-width:1.5} svg .bar.base{fill:var(--base)}
svg .bar.candidate,svg .bar.run{fill:var(--candidate)} svg .ci{stroke:var(--fg);stroke-width:1.4;fill:none}
svg .lead{stroke:#d97706;stroke-width:3} svg .zone{fill:var(--dn1);opacity:.8}
svg .pt.better{fill:#17803a} svg .pt.worse{fill:#c01c28} svg .pt.same{fill:var(--muted)}
svg line.ci.better{stroke:#17803a} svg line.ci.worse{stroke:#c01c28}
.key span{display:inline-block;width:.9rem;height:.6rem;margin:0 .25rem 0 .8rem}
"""

# The only script: a click anywhere on a matrix row opens that case (its link works alone).
SCRIPT = """
document.querySelectorAll("table.matrix tbody tr[data-case]").forEach(function (row) {
  row.addEventListener("click", function () { location.hash = row.dataset.case; });
});
"""

# Matrix headers: short names (the full one is the header's tooltip).
SHORT = {
    "attribution_accuracy": "attribution",
    "evidence_grounding": "evidence",
    "question_coverage": "questions",
    "schema_valid_rate": "valid",
    "hallucinated_number_rate": "hallucinated",
    "actors_precision": "actors_p",
    "actors_recall": "actors_r",
    "numbers_precision": "numbers_p",
    "numbers_recall": "numbers_r",
    "claims_precision": "claims_p",
    "claims_f1": "claims_f1",
}
SUB = {"candidate": "cand"}


def anchors(view: View) -> dict[str, str]:
    """A safe, unique fragment id per case (case ids come from gold file names)."""
    out: dict[str, str] = {}
    for row in view.rows:
        slug = "case-" + (re.sub(r"[^A-Za-z0-9_.-]", "_", row.id) or "_")
        while slug in out.values():
            slug += "_"
        out[row.id] = slug
    return out


def matrix(view: View, ids: dict[str, str]) -> str:
    columns = view.columns
    groups = "".join(
        f'<th class="g sep{extra_class(view, m)}" colspan="{len(columns)}" title="{escape(m)}">'
        f"{escape(SHORT.get(m, m))}{' ★' if m in view.headline else ''}</th>"
        for m in view.metrics
    )
    subs = "".join(
        f'<th class="sub{" sep" if i == 0 else ""}{extra_class(view, m)}">{escape(SUB.get(c, c))}</th>'
        for m in view.metrics
        for i, c in enumerate(columns)
    )
    head = (
        f'<thead><tr><th rowspan="2">case</th><th rowspan="2">split</th>{groups}</tr>'
        f"<tr>{subs}</tr></thead>"
    )
    body = "".join(matrix_row(view, row, ids[row.id]) for row in view.rows)
    return (
        f'<div class="scroll"><table class="matrix">{head}<tbody>{body}</tbody>'
        f"{matrix_foot(view)}</table></div>"
    )


def extra_class(view: View, metric: str) -> str:
    return "" if metric in view.headline else " extra-metric"


def matrix_row(view: View, row: CaseRow, anchor: str) -> str:
    cells = []
    for metric in view.metrics:
        gain = view.gain(row, metric)
        for column in range(len(view.columns)):
            value = row.value(column, metric)
            css = "v" + (" sep" if column == 0 else "") + extra_class(view, metric)
            if column == view.subject:
                css += f" {gain_class(gain)}"
            cells.append(f'<td class="{css}">{short(value)}</td>')
    flags = "".join(
        badge("bad", f"{labeled.label} {result.status}")
        for labeled, result in zip(view.runs, row.results, strict=True)
        if result is not None and result.status != "ok"
    )
    worse = " worse" if view.worse(row) else ""
    return (
        f'<tr class="row{worse}" data-case="{escape(anchor)}"><td class="case">'
        f'<a href="#{escape(anchor)}">{escape(row.id)}</a>{flags}</td>'
        f"<td>{escape(row.split)}</td>{''.join(cells)}</tr>"
    )


def short(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def matrix_foot(view: View) -> str:
    """Each column's mean over the cases where it is scored."""
    cells = []
    for metric in view.metrics:
        for column in range(len(view.columns)):
            values = [v for r in view.rows if (v := r.value(column, metric)) is not None]
            mean = sum(values) / len(values) if values else None
            css = "v" + (" sep" if column == 0 else "") + extra_class(view, metric)
            cells.append(f'<td class="{css}">{short(mean)}</td>')
    return f'<tfoot><tr><td colspan="2">mean</td>{"".join(cells)}</tr></tfoot>'


def header(view: View) -> str:
    lines = [f"<h1>{escape(view.title)}</h1>"]
    for labeled in view.runs:
        spec = labeled.run.spec
        dirty = " (dirty)" if spec.git_dirty else ""
        lines.append(
            f'<p class="meta"><b>{escape(labeled.label)}</b>: prompts v{escape(spec.prompt_version)} '
            f"({escape(spec.prompt_hash)}) · {escape(spec.model)} ({escape(spec.backend)}) · "
            f"started {escape(spec.created_at)} · git {escape((spec.git_commit or 'no commit')[:12])}"
            f"{dirty} · {len(labeled.run.cases)} cases</p>"
        )
    comparison = view.comparison
    if comparison is not None:
        verdict = (
            '<span class="gate pass">gate: PASS</span>'
            if comparison.passed
            else '<span class="gate fail">gate: FAIL</span>'
        )
        failures = "".join(
            f"<li>[{escape(f.rule)}] {escape(f.message)}</li>" for f in comparison.failures
        )
        warnings = "".join(f"<li>{escape(w)}</li>" for w in comparison.warnings)
        lines.append(f"<p>{verdict} {len(comparison.paired)} paired cases</p>")
        if failures:
            lines.append(f'<ul class="failures">{failures}</ul>')
        if warnings:
            lines.append(
                f"<details><summary>{len(comparison.warnings)} warning(s)</summary><ul>{warnings}</ul></details>"
            )
    return "\n".join(lines)


def charts(view: View, config: EvalConfig) -> str:
    key = "".join(
        f'<span style="background:var(--{escape(r.label)})"></span>{escape(r.label)}'
        for r in view.runs
    )
    parts = [
        '<section id="charts"><h2>Headline metrics</h2>',
        f'<p class="key sub">Bars: mean over the {"paired " if view.comparison else ""}cases, '
        f'whiskers: bootstrap 95 % CI of the mean; <span style="background:#d97706"></span>'
        f"lead baseline. {key}</p>",
        '<div class="charts">',
        means_chart(chart_rows(view, config)),
    ]
    if view.comparison is not None:
        parts += [
            '<div><p class="sub">Δ candidate − base, paired bootstrap 95 % CI; shaded: past the '
            "gate's tolerance</p>",
            delta_chart(delta_points(view.comparison)),
            "</div>",
        ]
    parts.append("</div></section>")
    return "\n".join(parts)


def controls(view: View) -> str:
    worse = sum(1 for r in view.rows if view.worse(r))
    what = (
        "candidate worse than base on a headline metric, or newly failed"
        if view.comparison
        else "below the lead baseline on a headline metric the gate checks against it, or failed"
    )
    legend = "".join(
        f'<span class="{c}">{t}</span>'
        for c, t in (
            ("dn3", "much worse"),
            ("dn1", "worse"),
            ("same", "same"),
            ("up1", "better"),
            ("up3", "much better"),
        )
    )
    subject = "candidate − base" if view.comparison else "run − lead"
    return (
        f'<div class="controls"><label><input type="checkbox" id="regressions-only"> '
        f"regressions only ({worse} of {len(view.rows)}: {what})</label>"
        '<label><input type="checkbox" id="all-metrics"> all metrics</label>'
        f'<span class="legend sub">colour of the {escape(view.columns[view.subject])} cell, '
        f"by {subject}: {legend}</span></div>"
    )


def view_page(view: View, config: EvalConfig) -> str:
    ids = anchors(view)
    body = "\n".join(
        [
            f"<header>{header(view)}</header>",
            charts(view, config),
            '<section id="matrix"><h2>Cases × runs</h2>',
            controls(view),
            matrix(view, ids),
            '<p class="sub">Click a case for the gold brief beside the output(s).</p></section>',
            *(case_section(view, row, ids[row.id]) for row in view.rows),
        ]
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(view.title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n"
        f"<script>{SCRIPT}</script>\n</body></html>\n"
    )


__all__ = ["fmt", "view_page"]
