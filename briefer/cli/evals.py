"""``briefer eval``: brief the gold set, re-score a run, compare two prompt sets (the gate).

Logic lives in ``briefer.evals``; these commands parse options, call it and print.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from briefer.cli.common import (
    check_folder,
    check_output,
    model_options,
    settings_from,
    write_output,
)
from briefer.errors import InputError

if TYPE_CHECKING:  # the harness (and the pipeline under it) loads when a command runs
    from briefer.evals.dataset import ArticleResolver, EvalConfig
    from briefer.evals.run import CaseResult, EvalRun, RunSummary

F = Callable[..., Any]
CORPUS_ENV = "BRIEFER_EVAL_CORPUS"  # briefer.config.EVAL_CORPUS_ENV (tests/test_startup.py)
SPLITS = ("dev", "test")  # briefer.evals.dataset.Split (tests/test_startup.py)


def source_options(function: F) -> F:
    """Where the gold cases and their articles are, and the eval config."""
    options = [
        click.option(
            "--gold",
            "gold_dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Gold case directory [default: evals/gold].",
        ),
        click.option(
            "--corpus",
            "corpus_dir",
            type=click.Path(file_okay=False, path_type=Path),
            envvar=CORPUS_ENV,
            help=f"Root of corpus articles (env {CORPUS_ENV}) "
            "[default: ../shared/data beside the repo].",
        ),
        click.option(
            "--eval-config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Gate tolerances, bootstrap and prices [default: evals/config.toml].",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def case_options(function: F) -> F:
    """Which gold cases, plus ``source_options``."""
    options = [
        click.option(
            "--cases",
            "pattern",
            default="*",
            show_default=True,
            help="Glob over case ids, e.g. 'seed-*' or 'bbc-*'.",
        ),
        click.option("--split", type=click.Choice(SPLITS), help="Only dev or test cases."),
    ]
    for option in reversed(options):
        function = option(function)
    return source_options(function)


def resolver_for(gold_dir: Path | None, corpus_dir: Path | None) -> tuple[Path, ArticleResolver]:
    from briefer.evals.dataset import (
        ArticleResolver,
        default_corpus_dir,
        default_gold_dir,
        repo_root_of,
    )

    gold = gold_dir or default_gold_dir()
    repo = repo_root_of(gold)
    return gold, ArticleResolver(repo, corpus_dir or default_corpus_dir(repo))


@contextmanager
def case_progress(total: int, label: str) -> Iterator[Callable[[CaseResult], None]]:
    """A progress bar on a terminal; otherwise one stderr line per case."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    done = 0
    if not console.is_terminal:

        def log(result: CaseResult) -> None:
            nonlocal done
            done += 1
            click.echo(f"briefer: {label} [{done}/{total}] {result.id}: {result.status}", err=True)

        yield log
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda result: bar.update(task, advance=1, description=f"{label}: {result.id}")


def brief_cases(
    options: dict[str, Any],
    selection: dict[str, Any],
    label: str,
    out_dir: Path | None,
    config: EvalConfig,
) -> tuple[EvalRun, RunSummary]:
    """Load the cases, run them with the settings in ``options``, save the run folder."""
    from briefer.evals.dataset import load_cases
    from briefer.evals.report import save_run
    from briefer.evals.run import default_run_dir, run_eval

    settings = settings_from(options)
    gold, resolver = resolver_for(selection["gold_dir"], selection["corpus_dir"])
    cases = load_cases(gold, selection["pattern"], selection["split"])
    check_folder(out_dir or resolver.repo_root / "evals" / "runs")  # before any model call
    with case_progress(len(cases), label) as progress:
        run = run_eval(
            cases,
            settings,
            resolver=resolver,
            gold_dir=gold,
            cases_pattern=selection["pattern"],
            split=selection["split"],
            on_case=progress,
        )
    folder = out_dir or default_run_dir(resolver.repo_root / "evals" / "runs", run.spec)
    summary = save_run(run, folder, config)
    for case_id, reason in {**summary.skipped, **summary.failed}.items():
        click.echo(f"briefer: {label}: {case_id}: {reason}", err=True)
    click.echo(f"briefer: wrote {folder}/report.md and view.html", err=True)
    return run, summary


def print_report(blocks: list[Any], markdown: str | None = None) -> None:
    """Rich tables on a terminal, the Markdown of ``blocks`` when piped."""
    from briefer.evals.report import to_markdown
    from briefer.evals.viewer.terminal import print_blocks

    print_blocks(blocks, to_markdown(blocks) if markdown is None else markdown)


def _selection(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {key: kwargs.pop(key) for key in ("pattern", "split", "gold_dir", "corpus_dir")}


@click.group(name="eval")
def eval_group() -> None:
    """Score prompts against the hand-written gold briefs in evals/gold (see evals/README.md)."""


@eval_group.command(name="run")
@model_options
@case_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder [default: evals/runs/<time>-<prompt hash>].",
)
def run_command(out_dir: Path | None, eval_config: Path | None, **kwargs: Any) -> None:
    """Brief every gold case, score it, and write a run folder with reports.

    Exit 1 when a case failed (it is still scored, as an empty brief).
    """
    from briefer.evals.dataset import load_eval_config
    from briefer.evals.report import metrics_table

    config = load_eval_config(eval_config)
    _, summary = brief_cases(kwargs, _selection(kwargs), "eval", out_dir, config)
    print_report([metrics_table(summary)])
    if summary.failed:
        raise SystemExit(1)


@eval_group.command(name="compare")
@click.argument("base", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("candidate", type=click.Path(exists=True, file_okay=False, path_type=Path))
@model_options
@case_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write compare.md, compare.json, view.html and the runs of prompt dirs (base/, "
    "candidate/) here [default: runs go to evals/runs/<time>-<prompt hash>].",
)
def compare_command(
    base: Path, candidate: Path, out_dir: Path | None, eval_config: Path | None, **kwargs: Any
) -> None:
    """Compare two run folders, or two prompt dirs (both are run first).

    Prints per metric base vs candidate, delta, cases improved/worsened and a paired
    bootstrap CI (rich tables on a terminal, Markdown when piped); with --out also
    writes view.html, the case × run matrix. Exit 1 when a headline metric drops beyond
    its tolerance or a new hallucinated number appears (evals/config.toml [gate]); the
    message names the case.
    """
    from briefer.evals.compare import compare_runs
    from briefer.evals.dataset import load_eval_config
    from briefer.evals.report import comparison_blocks, to_markdown
    from briefer.evals.viewer import compare_view_html, write_view

    if kwargs.get("prompts_dir"):
        raise InputError("compare takes the two prompt dirs as BASE and CANDIDATE, not --prompts")
    config = load_eval_config(eval_config)
    selection = _selection(kwargs)
    if out_dir is not None:
        check_folder(out_dir)
    runs = [
        load_or_run(path, label, kwargs, selection, out_dir, config)
        for path, label in ((base, "base"), (candidate, "candidate"))
    ]
    comparison = compare_runs(runs[0], runs[1], config)
    blocks = comparison_blocks(comparison)
    text = to_markdown(blocks)
    print_report(blocks, text)
    if out_dir is not None:
        write_output(text, out_dir / "compare.md")
        write_output(comparison.model_dump_json(indent=2) + "\n", out_dir / "compare.json")
        view = write_view(compare_view_html(runs[0], runs[1], comparison, config), out_dir)
        click.echo(f"briefer: wrote {view}", err=True)
    for failure in comparison.failures:
        click.echo(f"briefer: gate failed: {failure.message}", err=True)
    if not comparison.passed:
        raise SystemExit(1)


def load_or_run(
    path: Path,
    label: str,
    options: dict[str, Any],
    selection: dict[str, Any],
    out_dir: Path | None,
    config: EvalConfig,
) -> EvalRun:
    from briefer.evals.run import is_run_dir, read_run, select_cases

    if is_run_dir(path):
        return select_cases(read_run(path), selection["pattern"], selection["split"])
    if not (path / "manifest.toml").is_file():
        raise InputError(
            f"{path}: neither a run folder (results.jsonl) nor a prompt dir (manifest.toml)"
        )
    folder = (out_dir / label) if out_dir else None
    run, _ = brief_cases({**options, "prompts_dir": path}, selection, label, folder, config)
    return run


@eval_group.command(name="list")
@click.option(
    "--runs",
    "runs_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of run folders [default: evals/runs, where eval run --out defaults].",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON array of runs on stdout.")
def list_command(runs_dir: Path | None, as_json: bool) -> None:
    """List past eval runs, newest first: prompts, model, date, cases, headline means.

    A folder that cannot be read gets a one-line notice on stderr; the others are listed.
    """
    from briefer.evals.dataset import default_gold_dir, repo_root_of
    from briefer.evals.viewer.listing import list_runs, listing_table

    root = runs_dir or repo_root_of(default_gold_dir()) / "evals" / "runs"
    if runs_dir is not None and not root.is_dir():
        raise InputError(f"{root}: no such folder; pass the folder that holds the run folders")
    entries, problems = list_runs(root) if root.is_dir() else ([], [])
    for problem in problems:
        click.echo(f"briefer: warning: {root / problem.path}: skipped, {problem.reason}", err=True)
    if as_json:
        click.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
    elif entries:
        print_report([listing_table(entries)])
    else:
        click.echo(f"briefer: no eval runs under {root} yet; briefer eval run writes one", err=True)


@eval_group.command(name="score")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@source_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the re-scored run here [default: update RUN_DIR in place].",
)
def score_command(
    run_dir: Path,
    out_dir: Path | None,
    eval_config: Path | None,
    gold_dir: Path | None,
    corpus_dir: Path | None,
) -> None:
    """Re-score a saved run against the current gold and metrics, with no model calls."""
    from briefer.evals.dataset import load_cases, load_eval_config
    from briefer.evals.report import metrics_table, save_run
    from briefer.evals.run import read_run, rescore

    config = load_eval_config(eval_config)
    check_folder(out_dir or run_dir)
    gold, resolver = resolver_for(gold_dir, corpus_dir)
    run = rescore(read_run(run_dir), load_cases(gold), resolver)
    summary = save_run(run, out_dir or run_dir, config)
    print_report([metrics_table(summary)])
    click.echo(f"briefer: wrote {(out_dir or run_dir)}/report.md", err=True)


@eval_group.command(name="validate-faithfulness")
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The FRANK folder (articles.jsonl, frank_labelled.jsonl).",
)
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report here (.json: the raw numbers; else Markdown).",
)
@click.option("--seed", type=int, default=0, show_default=True)
def validate_faithfulness_command(data_dir: Path, output: Path | None, seed: int) -> None:
    """Check the faithfulness checker against FRANK's human labels."""
    check_output(output)
    module_name = "briefer.evals.faithfulness"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise InputError(
            f"{module_name} is not available in this install; "
            "validate-faithfulness needs briefer/evals/faithfulness/"
        ) from None
    report = module.validate_faithfulness(data_dir, seed=seed)
    markdown: str = report.to_markdown()
    click.echo(markdown, nl=not markdown.endswith("\n"))
    if output is not None:
        body = (
            json.dumps(report.model_dump(mode="json"), indent=2) + "\n"
            if output.suffix == ".json"
            else markdown
        )
        write_output(body, output)


@eval_group.command(name="followup")
@click.argument(
    "folder", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def followup_command(folder: Path | None, as_json: bool) -> None:
    """Precision and recall of changed numbers and of disagreements on the labelled stories
    in FOLDER [default: evals/followup], per split (dev, test) and overall; no model calls."""
    from briefer.evals import followup

    scores = followup.score_splits(followup.load_fixtures(folder or followup.DEFAULT_DIR))
    click.echo(followup.splits_json(scores) if as_json else followup.splits_report(scores))
