"""The eval viewer: ``view.html`` of a run or a comparison, ``eval list``, terminal tables.

``view.html`` is one self-contained page (no network): a case × run matrix coloured by the
delta, metric bars with their 95 % CIs as inline SVG, a regressions filter, and per case
the gold brief beside each output. Text from articles, gold and models is escaped.
"""

from __future__ import annotations

from pathlib import Path

from briefer.daystore import write_atomic
from briefer.evals.compare import Comparison
from briefer.evals.dataset import EvalConfig
from briefer.evals.run import EvalRun
from briefer.evals.viewer.model import compare_view, run_view
from briefer.evals.viewer.page import view_page

VIEW = "view.html"


def run_view_html(run: EvalRun, config: EvalConfig | None = None) -> str:
    config = config or EvalConfig()
    return view_page(run_view(run, config), config)


def compare_view_html(
    base: EvalRun, candidate: EvalRun, comparison: Comparison, config: EvalConfig | None = None
) -> str:
    config = config or EvalConfig()
    return view_page(compare_view(base, candidate, comparison, config), config)


def write_view(html: str, folder: Path) -> Path:
    path = folder / VIEW
    write_atomic(path, html, durable=False)
    return path


__all__ = ["VIEW", "compare_view_html", "run_view_html", "write_view"]
