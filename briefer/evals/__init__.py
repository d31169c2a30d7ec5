"""The eval harness: gold briefs, per-field metrics, run reports and a prompt A/B gate.

    dataset   GoldCase, load_cases, ArticleResolver, EvalConfig (evals/config.toml)
    metrics   pure scorers (brief, gold, article text) -> per-field values and matchings
    matching  the one-to-one assignment of predicted to gold items the scorers share
    baseline  the lead baseline: a brief from the article's first sentences, no model
    run       run cases through one Briefer, summarise, read/write run folders, re-score
    compare   paired comparison of two runs, bootstrap CIs, the regression gate
    report    Markdown and HTML reports of a run or a comparison
    agreement how well one gold set scores against another (the human ceiling)
    faithfulness/  an LLM-free faithfulness score and its validation against FRANK

The command line is ``briefer eval`` (``briefer/cli/evals.py``). Only that module and this
package import ``briefer.evals``.
"""

from __future__ import annotations

from briefer.evals.compare import Comparison, compare_runs, paired_bootstrap_ci
from briefer.evals.dataset import (
    ArticleResolver,
    EvalConfig,
    GoldCase,
    load_cases,
    load_eval_config,
)
from briefer.evals.metrics import HEADLINE_METRICS, METRICS, CaseScore, score_case
from briefer.evals.report import comparison_markdown, save_run
from briefer.evals.run import EvalRun, read_run, rescore, run_eval, summarize

__all__ = [
    "HEADLINE_METRICS",
    "METRICS",
    "ArticleResolver",
    "CaseScore",
    "Comparison",
    "EvalConfig",
    "EvalRun",
    "GoldCase",
    "compare_runs",
    "comparison_markdown",
    "load_cases",
    "load_eval_config",
    "paired_bootstrap_ci",
    "read_run",
    "rescore",
    "run_eval",
    "save_run",
    "score_case",
    "summarize",
]
