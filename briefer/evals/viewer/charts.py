"""Inline SVG charts of an eval view: metric means with their 95 % CIs, and deltas.

Every value is a rate in [0, 1]. A chart is one ``<svg>`` string with no script and no
external reference; labels are metric names and numbers, escaped all the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from briefer.rendering.html import escape

ROW_HEIGHT = 18  # one bar
LABEL_WIDTH = 150
PLOT_WIDTH = 270
VALUE_WIDTH = 165
TOP = 22


@dataclass(frozen=True)
class Bar:
    """One run's mean of a metric with the 95 % CI of that mean (None: not computed)."""

    label: str
    css: str
    mean: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class MetricBars:
    metric: str
    bars: tuple[Bar, ...]
    lead: float | None = None


@dataclass(frozen=True)
class DeltaPoint:
    """Candidate − base of a metric, its paired CI, and the gate's tolerance (headline)."""

    metric: str
    delta: float | None
    low: float | None
    high: float | None
    higher_is_better: bool
    tolerance: float | None
    regressed: bool


def _x(value: float) -> float:
    return LABEL_WIDTH + max(0.0, min(1.0, value)) * PLOT_WIDTH


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{cls}>{escape(text)}</text>'


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def means_chart(rows: Sequence[MetricBars]) -> str:
    """Horizontal bars on a 0–1 axis, a CI whisker on each, the lead as a dark tick."""
    per_metric = max((len(r.bars) for r in rows), default=1) * ROW_HEIGHT + 10
    height = TOP + len(rows) * per_metric + 6
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
        "<title>Means per metric with 95% bootstrap CIs; tick: lead baseline</title>",
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick)
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 4}"/>'
        )
        parts.append(_text(x, TOP - 9, f"{tick:g}", "axis", "middle"))
    for index, row in enumerate(rows):
        y0 = TOP + index * per_metric
        parts.append(_text(LABEL_WIDTH - 8, y0 + per_metric / 2, row.metric, "label", "end"))
        for k, bar in enumerate(row.bars):
            parts += _bar(bar, y0 + k * ROW_HEIGHT + 3)
        if row.lead is not None:
            x = _x(row.lead)
            parts.append(
                f'<line class="lead" x1="{x:.1f}" y1="{y0 + 1}" x2="{x:.1f}" '
                f'y2="{y0 + per_metric - 9}"><title>lead {row.lead:.3f}</title></line>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _bar(bar: Bar, y: float) -> list[str]:
    label = _fmt(bar.mean)
    if bar.low is not None and bar.high is not None:
        label += f" [{bar.low:.3f}, {bar.high:.3f}]"
    if bar.mean is None:
        return [_text(LABEL_WIDTH + 4, y + 11, f"{bar.label}: not scored", "value")]
    width = _x(bar.mean) - LABEL_WIDTH
    parts = [
        f'<rect class="bar {bar.css}" x="{LABEL_WIDTH}" y="{y:.1f}" width="{width:.1f}" '
        f'height="{ROW_HEIGHT - 5}"><title>{escape(bar.label)} {escape(label)}</title></rect>'
    ]
    if bar.low is not None and bar.high is not None:
        mid = y + (ROW_HEIGHT - 5) / 2
        x1, x2 = _x(bar.low), _x(bar.high)
        parts.append(
            f'<path class="ci" d="M{x1:.1f} {mid:.1f}H{x2:.1f}M{x1:.1f} {mid - 4:.1f}'
            f'V{mid + 4:.1f}M{x2:.1f} {mid - 4:.1f}V{mid + 4:.1f}"/>'
        )
    parts.append(_text(LABEL_WIDTH + PLOT_WIDTH + 8, y + 11, label, "value"))
    return parts


def delta_chart(points: Sequence[DeltaPoint]) -> str:
    """A forest plot: each delta with its CI around zero; the zone past a headline
    metric's tolerance, the way the gate fails, is shaded."""
    span = (
        max([0.05] + [abs(v) for p in points for v in (p.low, p.high, p.delta) if v is not None])
        * 1.15
    )
    per = ROW_HEIGHT + 4
    height = TOP + len(points) * per + 6
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH

    def x(value: float) -> float:
        return LABEL_WIDTH + (max(-span, min(span, value)) + span) / (2 * span) * PLOT_WIDTH

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
        "<title>Candidate − base per metric with the paired bootstrap 95% CI</title>",
    ]
    for tick in (-span, -span / 2, 0.0, span / 2, span):
        parts.append(_text(x(tick), TOP - 9, f"{tick:+.2f}" if tick else "0", "axis", "middle"))
    zero = x(0.0)
    parts.append(
        f'<line class="zero" x1="{zero:.1f}" y1="{TOP - 6}" x2="{zero:.1f}" y2="{height - 4}"/>'
    )
    for index, point in enumerate(points):
        y = TOP + index * per
        mid = y + ROW_HEIGHT / 2
        parts.append(_text(LABEL_WIDTH - 8, mid + 4, point.metric, "label", "end"))
        if point.tolerance is not None:
            edge = -point.tolerance if point.higher_is_better else point.tolerance
            start, end = (x(-span), x(edge)) if point.higher_is_better else (x(edge), x(span))
            parts.append(
                f'<rect class="zone" x="{start:.1f}" y="{y:.1f}" width="{end - start:.1f}" '
                f'height="{ROW_HEIGHT}"><title>past the tolerance {point.tolerance:.3f}: '
                "the gate fails</title></rect>"
            )
        if point.delta is None:
            parts.append(_text(zero + 6, mid + 4, "not scored", "value"))
            continue
        css = "worse" if point.regressed else _direction(point)
        if point.low is not None and point.high is not None:
            parts.append(
                f'<line class="ci {css}" x1="{x(point.low):.1f}" y1="{mid:.1f}" '
                f'x2="{x(point.high):.1f}" y2="{mid:.1f}"/>'
            )
        ci = (
            ""
            if point.low is None or point.high is None
            else f" [{point.low:+.3f}, {point.high:+.3f}]"
        )
        parts.append(
            f'<circle class="pt {css}" cx="{x(point.delta):.1f}" cy="{mid:.1f}" r="4">'
            f"<title>{escape(point.metric)} Δ {point.delta:+.3f}{ci}</title></circle>"
        )
        parts.append(
            _text(LABEL_WIDTH + PLOT_WIDTH + 8, mid + 4, f"{point.delta:+.3f}{ci}", "value")
        )
    parts.append("</svg>")
    return "".join(parts)


def _direction(point: DeltaPoint) -> str:
    assert point.delta is not None
    gain = point.delta if point.higher_is_better else -point.delta
    return "better" if gain > 1e-12 else "worse" if gain < -1e-12 else "same"
