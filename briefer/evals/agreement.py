"""Human agreement: how well one set of gold briefs scores against another.

Two people brief the same articles (``evals/gold`` and, say, ``evals/gold-second``). For
every case id in both, B's brief is scored as the "output" against A's as the "gold",
with the eval's own metrics (``briefer.evals.metrics.score_case``), so the means read on
the same scale as a model's: about what a second careful reader gets. Precision and
recall swap when A and B swap; F1 does not.

No model and no CLI: ``score_agreement(Path("evals/gold"), Path("evals/gold-second"))``
and ``agreement_markdown`` of the result.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from briefer.evals.dataset import (
    ArticleResolver,
    GoldCase,
    default_corpus_dir,
    load_cases,
    repo_root_of,
)
from briefer.evals.metrics import HEADLINE_METRICS, METRICS, aggregate, score_case

SPLITS = ("all", "dev", "test")


class AgreementCase(BaseModel):
    id: str
    split: str
    scores: dict[str, float | None]


class Agreement(BaseModel):
    gold_a: str = Field(description="scored as the gold")
    gold_b: str = Field(description="scored as the output")
    cases: list[AgreementCase]
    means: dict[str, dict[str, float | None]] = Field(description="split -> metric -> mean")
    case_counts: dict[str, int]
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict, description="case id -> reason")


def _skip_reason(a: GoldCase, b: GoldCase) -> str | None:
    if a.article != b.article or a.article_sha256 != b.article_sha256:
        return "the two gold cases brief different articles (article or article_sha256 differ)"
    return None


def score_agreement(
    gold_a: Path,
    gold_b: Path,
    *,
    corpus_dir: Path | None = None,
    resolver: ArticleResolver | None = None,
) -> Agreement:
    """Score gold B's briefs against gold A's for every case id in both directories.

    The split is A's. A case whose article cannot be read (or differs between A and B) is
    skipped with its reason. Articles resolve as in ``briefer eval run`` (``corpus_dir``
    default: ``$BRIEFER_EVAL_CORPUS``, else ``../shared/data`` beside the repo).
    """
    cases_a = {case.id: case for case in load_cases(gold_a)}
    cases_b = {case.id: case for case in load_cases(gold_b)}
    if resolver is None:
        repo = repo_root_of(gold_a)
        resolver = ArticleResolver(repo, corpus_dir or default_corpus_dir(repo))
    scored: list[AgreementCase] = []
    skipped: dict[str, str] = {}
    for case_id in sorted(cases_a.keys() & cases_b.keys()):
        a, b = cases_a[case_id], cases_b[case_id]
        resolved = resolver.resolve(a)
        reason = _skip_reason(a, b) or (
            None if resolved.status == "ok" else f"{resolved.status}: {resolved.reason}"
        )
        if reason is not None or resolved.article is None:
            skipped[case_id] = reason or "no article"
            continue
        values = score_case(b.brief, a.brief, resolved.article.text).values
        scored.append(AgreementCase(id=case_id, split=a.split, scores=values))

    def in_split(case: AgreementCase, split: str) -> bool:
        return split == "all" or case.split == split

    return Agreement(
        gold_a=str(gold_a),
        gold_b=str(gold_b),
        cases=scored,
        means={s: aggregate([c.scores for c in scored if in_split(c, s)]) for s in SPLITS},
        case_counts={s: sum(1 for c in scored if in_split(c, s)) for s in SPLITS},
        only_in_a=sorted(cases_a.keys() - cases_b.keys()),
        only_in_b=sorted(cases_b.keys() - cases_a.keys()),
        skipped=skipped,
    )


def agreement_markdown(agreement: Agreement) -> str:
    """The per-metric means as a Markdown table (headline metrics starred)."""
    counts = agreement.case_counts
    lines = [
        f"Agreement: {agreement.gold_b} scored against {agreement.gold_a}",
        "",
        "| metric | " + " | ".join(f"{s} ({counts.get(s, 0)})" for s in SPLITS) + " |",
        "|---|" + "---|" * len(SPLITS),
    ]
    for name in METRICS:
        star = " ★" if name in HEADLINE_METRICS else ""
        values = (agreement.means.get(s, {}).get(name) for s in SPLITS)
        lines.append(
            f"| {name}{star} | "
            + " | ".join("—" if v is None else f"{v:.3f}" for v in values)
            + " |"
        )
    for label, ids in (("only in A", agreement.only_in_a), ("only in B", agreement.only_in_b)):
        if ids:
            lines += ["", f"{label}: {', '.join(ids)}"]
    if agreement.skipped:
        lines += ["", *(f"- {case}: skipped, {why}" for case, why in agreement.skipped.items())]
    return "\n".join(lines) + "\n"
