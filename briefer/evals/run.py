"""Run gold cases through the pipeline, score them, and read/write run folders.

One ``Briefer`` serves the whole run, behind the response cache (a re-run with the same
prompts and model makes no calls). A case that fails is recorded with its error and scored
as an empty brief; it never stops the run. A run folder holds::

    summary.json    the run spec (prompts, model, git, packages, time) and the summary
    results.jsonl   one line per case: status, brief, gold, scores, matching details
    report.md       for people (see briefer.evals.report)
    report.html

Every case is also scored for the lead baseline (``briefer.evals.baseline``: the article's
first sentences, no model, nothing cached), so the summary shows model, lead and
model − lead. ``rescore`` scores a saved run again, offline, against the current gold and
metrics, and computes the lead of a run saved before it existed.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from briefer.backends import Backend
from briefer.backends.stack import build_backend
from briefer.backends.tally import Tally
from briefer.config import Settings
from briefer.daystore import write_atomic
from briefer.errors import InputError
from briefer.evals.baseline import score_lead
from briefer.evals.dataset import ArticleResolver, EvalConfig, GoldCase, ResolvedArticle
from briefer.evals.metrics import CaseDetails, aggregate, score_case
from briefer.pipeline import Briefer
from briefer.schema import Brief, BriefDraft

CaseStatus = Literal["ok", "failed", "skipped"]
SPLITS = ("all", "dev", "test")
_PACKAGES = ("briefer", "openai", "pydantic", "rapidfuzz", "jinja2", "llama_cpp_python")


class RunSpec(BaseModel):
    """What produced a run: enough to reproduce it or to see why two runs differ."""

    created_at: str
    finished_at: str | None = None
    rescored_at: str | None = None
    prompts_dir: str
    prompt_version: str
    prompt_hash: str
    model: str
    backend: str
    endpoint_host: str | None = None
    temperature: float
    max_output_tokens: int
    context_window: int | None = None
    strict: bool = False
    git_commit: str | None = None
    git_dirty: bool | None = None
    packages: dict[str, str] = Field(default_factory=dict)
    python: str = ""
    gold_dir: str
    corpus_dir: str
    cases_pattern: str = "*"
    split: str | None = None


class CaseResult(BaseModel):
    id: str
    split: str
    topic: str = ""
    status: CaseStatus
    reason: str | None = Field(default=None, description="why it was skipped or failed")
    article: str = Field(default="", description="where the article was read from")
    article_sha256: str | None = None
    gold_sha256: str | None = None
    gold: BriefDraft | None = None
    brief: Brief | None = None
    scores: dict[str, float | None] = Field(default_factory=dict)
    details: CaseDetails | None = None
    lead_scores: dict[str, float | None] | None = Field(
        default=None, description="the lead baseline's scores; None: not computed (older run)"
    )
    seconds: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0
    cache_hits: int = 0

    @property
    def scored(self) -> bool:
        return self.status != "skipped" and bool(self.scores)


class RunStats(BaseModel):
    cases: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    tokens_in: int = Field(default=0, description="as billed without the cache")
    tokens_out: int = 0
    calls: int = Field(default=0, description="model calls made by this run")
    cache_hits: int = 0
    reasks: int = 0
    cost_usd: float | None = Field(default=None, description="None: no price for the model")
    latency_mean: float | None = None
    latency_p50: float | None = None
    latency_max: float | None = None
    hallucinated_numbers: int = 0
    headline_unsupported: int = Field(
        default=0,
        description="names, numbers and roles in titles and summaries the articles "
        "do not state (target 0)",
    )


class RunSummary(BaseModel):
    stats: RunStats
    metrics: dict[str, dict[str, float | None]] = Field(description="split -> metric -> mean")
    case_counts: dict[str, int] = Field(description="split -> scored cases")
    skipped: dict[str, str] = Field(default_factory=dict, description="case id -> reason")
    failed: dict[str, str] = Field(default_factory=dict, description="case id -> error")
    lead_metrics: dict[str, dict[str, float | None]] | None = Field(
        default=None,
        description="split -> metric -> the lead baseline's mean over the same "
        "cases; None when a scored case has no lead scores (a run saved before the lead)",
    )
    model_minus_lead: dict[str, dict[str, float | None]] | None = Field(
        default=None, description="split -> metric -> model mean − lead mean"
    )


class EvalRun(BaseModel):
    spec: RunSpec
    cases: list[CaseResult]

    def case(self, case_id: str) -> CaseResult | None:
        return next((c for c in self.cases if c.id == case_id), None)


# --- running ----------------------------------------------------------------------------


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_revision(repo: Path) -> tuple[str | None, bool | None]:
    """(HEAD commit, whether the work tree has changes); Nones outside a repo or a commit."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=repo, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    return (commit.strip() if commit else None), (None if status is None else bool(status.strip()))


def package_versions() -> dict[str, str]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def make_spec(
    briefer: Briefer,
    *,
    resolver: ArticleResolver,
    gold_dir: Path,
    cases_pattern: str,
    split: str | None,
) -> RunSpec:
    settings, prompts, backend = briefer.settings, briefer.prompts, briefer.backend
    commit, dirty = git_revision(resolver.repo_root)
    return RunSpec(
        created_at=utc_now(),
        prompts_dir=str(prompts.directory),
        prompt_version=prompts.version,
        prompt_hash=prompts.hash,
        model=backend.model,
        backend=backend.name,
        endpoint_host=backend.endpoint,
        temperature=settings.temperature,
        max_output_tokens=settings.max_output_tokens,
        context_window=settings.context_window,
        strict=settings.strict,
        git_commit=commit,
        git_dirty=dirty,
        packages=package_versions(),
        python=platform.python_version(),
        gold_dir=str(gold_dir),
        corpus_dir=str(resolver.corpus_root),
        cases_pattern=cases_pattern,
        split=split,
    )


def skipped_result(case: GoldCase, resolved: ResolvedArticle) -> CaseResult:
    return CaseResult(
        id=case.id,
        split=case.split,
        topic=case.topic,
        status="skipped",
        reason=f"{resolved.status}: {resolved.reason}",
        article=resolved.location,
        article_sha256=resolved.sha256,
        gold_sha256=case.gold_sha256(),
        gold=case.brief,
    )


def run_case(case: GoldCase, resolved: ResolvedArticle, briefer: Briefer) -> CaseResult:
    """Brief and score one case; any error is recorded, never raised, and what a failed
    brief spent is counted."""
    assert resolved.article is not None
    tally = Tally()
    started = time.monotonic()
    brief: Brief | None = None
    reason: str | None = None
    try:
        brief = briefer.brief(resolved.article, tally)
    except Exception as error:  # a failed case is a result, not the end of the run
        reason = f"{type(error).__name__}: {getattr(error, 'message', None) or error}"
    seconds = round(time.monotonic() - started, 3)
    usage = tally.usage  # cached answers' tokens too: a re-run scores the same cost
    score = score_case(brief, case.brief, resolved.article.text)
    return CaseResult(
        id=case.id,
        split=case.split,
        topic=case.topic,
        status="ok" if brief is not None else "failed",
        reason=reason,
        article=resolved.location,
        article_sha256=resolved.sha256,
        gold_sha256=case.gold_sha256(),
        gold=case.brief,
        brief=brief,
        scores=score.values,
        details=score.details,
        lead_scores=score_lead(resolved.article, case.brief),
        seconds=seconds,
        tokens_in=usage.prompt_tokens,
        tokens_out=usage.completion_tokens,
        calls=tally.calls,
        cache_hits=tally.cache_hits,
    )


def run_eval(
    cases: Sequence[GoldCase],
    settings: Settings,
    *,
    resolver: ArticleResolver,
    gold_dir: Path,
    cases_pattern: str = "*",
    split: str | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
    backend: Backend | None = None,
) -> EvalRun:
    """Brief and score every case with one ``Briefer``; skipped and failed cases recorded."""
    resolved = [(case, resolver.resolve(case)) for case in cases]
    runnable = [(case, article) for case, article in resolved if article.status == "ok"]
    if not runnable:
        reasons = "; ".join(f"{c.id}: {a.reason}" for c, a in resolved[:3])
        raise InputError(f"none of the {len(cases)} cases has its article ({reasons})")
    briefer = Briefer(settings, backend=backend or build_backend(settings))
    spec = make_spec(
        briefer, resolver=resolver, gold_dir=gold_dir, cases_pattern=cases_pattern, split=split
    )
    results: list[CaseResult] = []
    for case, article in resolved:
        result = (
            run_case(case, article, briefer)
            if article.status == "ok"
            else skipped_result(case, article)
        )
        results.append(result)
        if on_case is not None:
            on_case(result)
    spec.finished_at = utc_now()
    return EvalRun(spec=spec, cases=results)


def select_cases(run: EvalRun, pattern: str = "*", split: str | None = None) -> EvalRun:
    """The run restricted to cases whose id matches ``pattern`` (and ``split``)."""
    kept = [
        c
        for c in run.cases
        if fnmatch.fnmatchcase(c.id, pattern) and (split is None or c.split == split)
    ]
    return EvalRun(spec=run.spec, cases=kept)


def rescore(run: EvalRun, cases: Sequence[GoldCase], resolver: ArticleResolver) -> EvalRun:
    """Score a saved run again against ``cases`` (the current gold) with no model calls.

    A case keeps its brief (or its failure); its scores, details and gold are recomputed.
    A case no longer in the gold, or whose article is now missing or changed, is skipped.
    """
    gold_by_id = {case.id: case for case in cases}
    rescored = [rescore_case(result, gold_by_id.get(result.id), resolver) for result in run.cases]
    spec = run.spec.model_copy(update={"rescored_at": utc_now()})
    return EvalRun(spec=spec, cases=rescored)


def rescore_case(
    result: CaseResult, case: GoldCase | None, resolver: ArticleResolver
) -> CaseResult:
    if result.status == "skipped":
        return result
    if case is None:
        unscored: dict[str, object] = {
            "status": "skipped",
            "reason": "no longer in the gold set",
            "scores": {},
            "details": None,
        }
        return result.model_copy(update=unscored)
    resolved = resolver.resolve(case)
    if resolved.status != "ok" or resolved.article is None:
        return skipped_result(case, resolved)
    score = score_case(result.brief, case.brief, resolved.article.text)
    return result.model_copy(
        update={
            "split": case.split,
            "topic": case.topic,
            "gold": case.brief,
            "gold_sha256": case.gold_sha256(),
            "article_sha256": resolved.sha256,
            "scores": score.values,
            "details": score.details,
            "lead_scores": score_lead(resolved.article, case.brief),
        }
    )


# --- summary ----------------------------------------------------------------------------


def in_split(case: CaseResult, split: str) -> bool:
    return split == "all" or case.split == split


def summarize(run: EvalRun, config: EvalConfig | None = None) -> RunSummary:
    config = config or EvalConfig()
    scored = [c for c in run.cases if c.scored]
    metrics = {
        split: aggregate([c.scores for c in scored if in_split(c, split)]) for split in SPLITS
    }
    lead = lead_means(scored)
    return RunSummary(
        stats=run_stats(run, config),
        metrics=metrics,
        lead_metrics=lead,
        model_minus_lead=None
        if lead is None
        else {
            split: {name: minus(value, lead[split].get(name)) for name, value in means.items()}
            for split, means in metrics.items()
        },
        case_counts={split: sum(1 for c in scored if in_split(c, split)) for split in SPLITS},
        skipped={c.id: c.reason or "" for c in run.cases if c.status == "skipped"},
        failed={c.id: c.reason or "" for c in run.cases if c.status == "failed"},
    )


def lead_means(scored: Sequence[CaseResult]) -> dict[str, dict[str, float | None]] | None:
    """Per split, the lead baseline's means over ``scored``; None if a case lacks them."""
    lead = [(c, c.lead_scores) for c in scored]
    if not lead or any(scores is None for _, scores in lead):
        return None
    return {
        split: aggregate(
            [scores for c, scores in lead if scores is not None and in_split(c, split)]
        )
        for split in SPLITS
    }


def minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def run_stats(run: EvalRun, config: EvalConfig) -> RunStats:
    briefed = [c for c in run.cases if c.status != "skipped"]
    latencies = [c.seconds for c in briefed]
    tokens_in = sum(c.tokens_in for c in briefed)
    tokens_out = sum(c.tokens_out for c in briefed)
    return RunStats(
        cases=len(run.cases),
        ok=sum(1 for c in run.cases if c.status == "ok"),
        failed=sum(1 for c in run.cases if c.status == "failed"),
        skipped=sum(1 for c in run.cases if c.status == "skipped"),
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        calls=sum(c.calls for c in briefed),
        cache_hits=sum(c.cache_hits for c in briefed),
        reasks=sum(c.brief.meta.reasks for c in briefed if c.brief),
        cost_usd=estimate_cost(run.spec, tokens_in, tokens_out, config),
        latency_mean=round(statistics.fmean(latencies), 3) if latencies else None,
        latency_p50=round(statistics.median(latencies), 3) if latencies else None,
        latency_max=max(latencies) if latencies else None,
        hallucinated_numbers=sum(len(c.details.numbers.hallucinated) for c in briefed if c.details),
        headline_unsupported=sum(int(c.scores.get("headline_unsupported") or 0) for c in briefed),
    )


OPENAI_HOST = "api.openai.com"  # the prices of evals/config.toml are this endpoint's


def estimate_cost(
    spec: RunSpec, tokens_in: int, tokens_out: int, config: EvalConfig
) -> float | None:
    """USD at ``[prices.<model>]`` of evals/config.toml for api.openai.com; 0 for the local
    backend; None (unknown) for a model without a price or behind another endpoint."""
    if spec.backend == "local":
        return 0.0
    if spec.endpoint_host not in (None, OPENAI_HOST):  # another server's model: no known price
        return None
    price = config.prices.get(spec.model)
    if price is None:
        return None
    cost = tokens_in * price.input_per_million + tokens_out * price.output_per_million
    return round(cost / 1e6, 6)


# --- run folders ------------------------------------------------------------------------

RESULTS, SUMMARY = "results.jsonl", "summary.json"


class SummaryFile(BaseModel):
    spec: RunSpec
    summary: RunSummary


def default_run_dir(base: Path, spec: RunSpec) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return base / f"{stamp}-{spec.prompt_hash[:8]}"


def write_run(run: EvalRun, out_dir: Path, summary: RunSummary) -> None:
    """Each file all or nothing: an interrupted write keeps the folder's previous run readable."""
    lines = [case.model_dump_json() for case in run.cases]
    write_atomic(out_dir / RESULTS, "\n".join(lines) + "\n")
    summary_file = SummaryFile(spec=run.spec, summary=summary)
    write_atomic(out_dir / SUMMARY, summary_file.model_dump_json(indent=2) + "\n")


def is_run_dir(path: Path) -> bool:
    return (path / RESULTS).is_file() and (path / SUMMARY).is_file()


def read_run(run_dir: Path) -> EvalRun:
    if not is_run_dir(run_dir):
        raise InputError(
            f"{run_dir}: not a run folder (no {RESULTS} and {SUMMARY}); check the path"
        )
    try:
        spec = SummaryFile.model_validate_json((run_dir / SUMMARY).read_bytes()).spec
        lines = (run_dir / RESULTS).read_bytes().splitlines()  # bytes: pydantic checks UTF-8
        cases = [CaseResult.model_validate_json(line) for line in lines if line.strip()]
    except ValidationError as error:
        raise InputError(
            f"{run_dir}: unreadable run folder ({error.errors()[0]['msg']}); "
            "was it written by another briefer version? re-run it"
        ) from None
    except OSError as error:  # e.g. a folder where a file should be
        raise InputError(
            f"{run_dir}: unreadable run folder ({error.strerror}); check the path, or re-run it"
        ) from None
    return EvalRun(spec=spec, cases=cases)
