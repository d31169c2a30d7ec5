"""One case of an eval view: the gold brief beside each run's output, field by field.

Each field is a table aligned on the gold brief: a row per gold item with the item each
run matched to it (or "missed"), then the items no gold item matched ("extra"). Output
items carry the checks the metrics made: ungrounded, number not in the article, evidence
not in the article, another speaker. Every string from gold, article or model is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from briefer.evals.matching import Matching
from briefer.evals.metrics import CaseDetails
from briefer.evals.run import CaseResult
from briefer.evals.viewer.model import CaseRow, View
from briefer.rendering.html import escape
from briefer.schema import ActorDraft, Brief, BriefDraft, ClaimDraft, NumberDraft

Badge = tuple[str, str]  # (css class, label)


def badge(css: str, label: str) -> str:
    return f'<span class="badge {css}">{escape(label)}</span>'


def describe(item: object) -> str:
    """One gold or output item as HTML: an actor, a claim, a number or a question."""
    if isinstance(item, ActorDraft):
        role = f" — {escape(item.role)}" if item.role else ""
        return f"<b>{escape(item.name)}</b>{role}"
    if isinstance(item, ClaimDraft):
        speaker = escape(item.attributed_to) if item.attributed_to else "<i>the article</i>"
        return (
            f'{escape(item.text)} <span class="by">— {speaker}</span><q>{escape(item.evidence)}</q>'
        )
    if isinstance(item, NumberDraft):
        unit = f" {escape(item.unit)}" if item.unit else ""
        return (
            f"<b>{escape(item.text)}</b> = {item.value:g}{unit} "
            f'<span class="by">— {escape(item.context)}</span>'
        )
    return escape(str(item))


def items_of(brief: BriefDraft | Brief, field: str) -> Sequence[object]:
    fields: dict[str, Sequence[object]] = {
        "actors": brief.actors,
        "claims": brief.claims,
        "numbers": brief.numbers,
        "questions": brief.open_questions,
    }
    return fields[field]


def grounded_badges(item: object) -> list[Badge]:
    return [] if getattr(item, "grounded", True) else [("warn", "⚠ ungrounded")]


def field_extras(field: str, details: CaseDetails, pred: int, pair: int | None) -> list[Badge]:
    """The checks of one output item beyond its match: what the metrics flagged."""
    badges: list[Badge] = []
    if field == "numbers" and pred in details.numbers.hallucinated:
        badges.append(("bad", "⚠ number not in article"))
    if field == "claims":
        claims = details.claims
        if pred < len(claims.evidence_in_article) and not claims.evidence_in_article[pred]:
            badges.append(("warn", "⚠ evidence not in article"))
        if pair is not None and not claims.attribution_ok[pair]:
            badges.append(("bad", "✗ other speaker"))
    return badges


FIELDS = (
    ("actors", "Actors"),
    ("claims", "Claims (text — speaker, “evidence”)"),
    ("numbers", "Numbers"),
    ("questions", "Open questions"),
)


def matching_of(details: CaseDetails, field: str) -> Matching:
    return getattr(details, field)  # type: ignore[no-any-return]


def output_cell(field: str, result: CaseResult, pred: int, pair: int | None, match: Badge) -> str:
    assert result.brief is not None and result.details is not None
    item = items_of(result.brief, field)[pred]
    badges = [match, *grounded_badges(item), *field_extras(field, result.details, pred, pair)]
    css = " ".join(sorted({c for c, _ in badges}))
    return (
        f'<td class="{css}">{describe(item)} ' + "".join(badge(c, t) for c, t in badges) + "</td>"
    )


def field_table(view: View, row: CaseRow, gold: BriefDraft, field: str, label: str) -> str:
    gold_items = items_of(gold, field)
    results = row.results
    head = "".join(f"<th>{escape(r.label)}</th>" for r in view.runs)
    lines = []
    for j, gold_item in enumerate(gold_items):
        cells = [f"<td>{describe(gold_item)}</td>"]
        for result in results:
            cells.append(matched_cell(field, result, j))
        lines.append("<tr>" + "".join(cells) + "</tr>")
    extras = [extra_indices(field, r) for r in results]
    for picks in zip_longest(*extras):
        cells = ['<td class="none">not in the gold brief</td>']
        for result, pred in zip(results, picks, strict=True):
            if pred is None or result is None:
                cells.append("<td></td>")
            else:
                cells.append(output_cell(field, result, pred, None, ("extra", "+ extra")))
        lines.append("<tr>" + "".join(cells) + "</tr>")
    if not lines:
        lines.append(
            f'<tr><td colspan="{len(results) + 1}" class="none">none in the gold or the output</td></tr>'
        )
    return (
        f'<h4>{escape(label)}</h4><table class="side"><thead><tr><th>gold</th>{head}</tr></thead>'
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


def extra_indices(field: str, result: CaseResult | None) -> list[int]:
    if result is None or result.details is None or result.brief is None:
        return []
    return list(matching_of(result.details, field).extra)


def matched_cell(field: str, result: CaseResult | None, gold_index: int) -> str:
    if result is None or result.details is None:
        return '<td class="none">—</td>'
    matching = matching_of(result.details, field)
    for index, pair in enumerate(matching.pairs):
        if pair.gold == gold_index and result.brief is not None:
            match = ("ok", f"✓ {pair.score:.2f}")
            return output_cell(field, result, pair.pred, index, match)
    return f'<td class="missed">{badge("missed", "✗ missed")}</td>'


def text_rows(view: View, row: CaseRow, gold: BriefDraft) -> str:
    def output(result: CaseResult | None, attribute: str) -> str:
        if result is None or result.brief is None:
            return '<td class="none">—</td>'
        return f"<td>{escape(getattr(result.brief, attribute))}</td>"

    head = "".join(f"<th>{escape(r.label)}</th>" for r in view.runs)
    body = "".join(
        f"<tr><th>{name}</th><td>{escape(getattr(gold, attribute))}</td>"
        + "".join(output(r, attribute) for r in row.results)
        + "</tr>"
        for name, attribute in (("title", "title"), ("summary", "summary"))
    )
    return (
        f'<table class="side text"><thead><tr><th></th><th>gold</th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def status_line(view: View, row: CaseRow) -> str:
    parts = []
    for labeled, result in zip(view.runs, row.results, strict=True):
        if result is None:
            parts.append(f"{badge('none', labeled.label + ': not in this run')}")
            continue
        css = "ok" if result.status == "ok" else "bad"
        text = f"{labeled.label}: {result.status}"
        reason = f' <span class="by">{escape(result.reason)}</span>' if result.reason else ""
        parts.append(badge(css, text) + reason)
    latest = row.latest
    where = (
        f' <span class="by">article {escape(latest.article)}</span>'
        if latest and latest.article
        else ""
    )
    return f'<p class="status">{" ".join(parts)}{where}</p>'


def scores_table(view: View, row: CaseRow) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in view.columns)
    delta_head = "<th>Δ</th>" if view.comparison else "<th>− lead</th>"
    lines = []
    for metric in view.metrics:
        values = "".join(f"<td>{fmt(row.value(i, metric))}</td>" for i in range(len(view.columns)))
        gain = view.gain(row, metric)
        star = " ★" if metric in view.headline else ""
        lines.append(
            f'<tr class="{"hl" if star else "extra-metric"}"><th>{escape(metric)}{star}</th>'
            f'{values}<td class="{gain_class(gain)}">{fmt_gain(view, row, metric)}</td></tr>'
        )
    return (
        f'<table class="scores"><thead><tr><th>metric</th>{head}{delta_head}</tr></thead>'
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def fmt_gain(view: View, row: CaseRow, metric: str) -> str:
    subject, reference = row.value(view.subject, metric), row.value(view.reference, metric)
    return "—" if subject is None or reference is None else f"{subject - reference:+.3f}"


def gain_class(gain: float | None) -> str:
    """A colour bucket for a signed gain (> 0 better): up1..up3, dn1..dn3, same, na."""
    if gain is None:
        return "na"
    size = abs(gain)
    if size < 1e-12:
        return "same"
    level = 1 if size < 0.05 else 2 if size < 0.15 else 3
    return f"{'up' if gain > 0 else 'dn'}{level}"


def case_section(view: View, row: CaseRow, anchor: str) -> str:
    latest = row.latest
    topic = f" · {escape(row.topic)}" if row.topic else ""
    parts = [
        f'<section class="case" id="{escape(anchor)}">',
        f"<h3>{escape(row.id)} <small>{escape(row.split)}{topic}</small> "
        '<a class="back" href="#matrix">back to the matrix</a></h3>',
        status_line(view, row),
        scores_table(view, row),
    ]
    gold = latest.gold if latest is not None else None
    if gold is None:
        parts.append('<p class="none">No gold brief in this run for the case.</p>')
    else:
        if any(
            r is not None and r.gold_sha256 != latest.gold_sha256 for r in row.results if latest
        ):
            parts.append(
                '<p class="warn">The runs scored different gold briefs for this case; '
                "the matches of the older run may point at other gold items (re-score both).</p>"
            )
        parts.append(text_rows(view, row, gold))
        parts += [field_table(view, row, gold, field, label) for field, label in FIELDS]
    parts.append("</section>")
    return "\n".join(parts)
