"""How well the NLP candidates rank what the gold briefs keep, against the lead order.

For each gold case of a split (default ``dev``: tune on it only):

* claims: recall@K (K = 6, 8, 12) of the gold claims whose evidence sentence (the
  article sentence closest to the gold evidence by ROUGE-L) is among the top K of
  :func:`~briefer.nlp.salience.rank_claims`, against the lead (the first K sentences);
* numbers: recall@10 and @15 of the gold numbers (matched by value as the metrics match:
  ``numbers_agree``) among the top listed ids of :func:`~briefer.nlp.number_rank.rank_numbers`,
  against the listed order the prompt shows (``CitedArticle.excerpt``);
* gaps: the share of gold open questions sharing at least ``GAP_OVERLAP`` content words
  with a gap's sentence (and hint), and gaps per article.

Run from the repo root (``--corpus`` or ``$BRIEFER_EVAL_CORPUS`` for the FRANK articles):

    python bench/candidates_ranking.py [--split dev|test] [--corpus /work/shared/data]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefer.article_index import index_of  # noqa: E402
from briefer.citations import CitedArticle, Listed  # noqa: E402
from briefer.evals.dataset import (  # noqa: E402
    ArticleResolver,
    GoldCase,
    default_corpus_dir,
    default_gold_dir,
    load_cases,
    repo_root_of,
)
from briefer.evals.metrics import numbers_agree, rouge_l_f1  # noqa: E402
from briefer.nlp.gaps import find_gaps  # noqa: E402
from briefer.nlp.number_rank import rank_numbers  # noqa: E402
from briefer.nlp.salience import rank_claims  # noqa: E402
from briefer.schema import NumberDraft  # noqa: E402
from briefer.vocabulary import content_words  # noqa: E402

CLAIM_KS = (6, 8, 12)
NUMBER_KS = (10, 15)
GAP_OVERLAP = 2  # content words a gold question shares with a gap's sentence
MIN_EVIDENCE_ROUGE = 0.3  # below this a gold evidence names no sentence of the article


@dataclass(frozen=True)
class CaseFigures:
    case: str
    claims: dict[str, float]  # "rank@6", "lead@6", ...
    numbers: dict[str, float]
    gaps_touched: float | None
    gaps: int


def evidence_sentences(case: GoldCase, text: str) -> list[int]:
    """The sentence id each gold claim's evidence comes from (0 when none is close)."""
    sentences = index_of(text).sentences
    found = []
    for claim in case.brief.claims:
        best = max(sentences, key=lambda s: rouge_l_f1(claim.evidence, s.text))
        found.append(best.id if rouge_l_f1(claim.evidence, best.text) >= MIN_EVIDENCE_ROUGE else 0)
    return found


def recall(gold: Sequence[int], chosen: Sequence[int]) -> float:
    chosen_set = set(chosen)
    return sum(g in chosen_set for g in gold) / len(gold) if gold else 0.0


def as_number(listed: Listed) -> NumberDraft:
    q = listed.quantity
    return NumberDraft(value=q.value, unit=listed.unit, text=q.text, context=listed.context)


def number_recall(gold: Sequence[NumberDraft], chosen: Sequence[Listed]) -> float:
    """Gold numbers with an agreeing chosen number (each chosen one used once)."""
    free = [as_number(n) for n in chosen]
    hit = 0
    for number in gold:
        match = next((i for i, c in enumerate(free) if numbers_agree(c, number)), None)
        if match is not None:
            hit += 1
            free.pop(match)
    return hit / len(gold) if gold else 0.0


def score_case(case: GoldCase, text: str) -> CaseFigures:
    cited = CitedArticle(text)
    gold_ids = evidence_sentences(case, text)
    ranked = [c.sentence for c in rank_claims(text)]
    lead = [s.id for s in cited.sentences]
    claims = {}
    for k in CLAIM_KS:
        claims[f"rank@{k}"] = recall(gold_ids, ranked[:k])
        claims[f"lead@{k}"] = recall(gold_ids, lead[:k])
    by_id = {n.id: n for n in cited.listed}
    order = [by_id[i] for i in rank_numbers(cited)]
    listed_order = list(cited.excerpt().listed)
    numbers = {}
    for k in NUMBER_KS:
        numbers[f"rank@{k}"] = number_recall(case.brief.numbers, order[:k])
        numbers[f"lead@{k}"] = number_recall(case.brief.numbers, listed_order[:k])
    gaps = find_gaps(text)
    gap_words = [
        content_words(
            gap.hint + " " + (cited.sentences[gap.sentence - 1].text if gap.sentence else "")
        )
        for gap in gaps
    ]
    questions = case.brief.open_questions
    touched = [
        any(len(content_words(q) & words) >= GAP_OVERLAP for words in gap_words) for q in questions
    ]
    share = sum(touched) / len(touched) if touched else None
    return CaseFigures(case.id, claims, numbers, share, len(gaps))


def table(title: str, rows: list[CaseFigures], field: str, ks: Sequence[int]) -> None:
    print(f"\n{title}")
    header = "".join(f"  rank@{k}  lead@{k}" for k in ks)
    print(f"{'case':40s}{header}")
    for row in rows:
        values: dict[str, float] = getattr(row, field)
        cells = "".join(f"  {values[f'rank@{k}']:6.2f}  {values[f'lead@{k}']:6.2f}" for k in ks)
        print(f"{row.case:40s}{cells}")
    means = "".join(
        f"  {statistics.mean(getattr(r, field)[f'rank@{k}'] for r in rows):6.2f}"
        f"  {statistics.mean(getattr(r, field)[f'lead@{k}'] for r in rows):6.2f}"
        for k in ks
    )
    print(f"{'mean':40s}{means}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--gold", type=Path, default=default_gold_dir())
    parser.add_argument("--corpus", type=Path, default=None)
    args = parser.parse_args(argv)
    repo = repo_root_of(args.gold)
    resolver = ArticleResolver(repo, args.corpus or default_corpus_dir(repo))
    rows = []
    for case in load_cases(args.gold, split=args.split):
        resolved = resolver.resolve(case)
        if resolved.article is None:
            print(f"skipped {case.id}: {resolved.reason}")
            continue
        rows.append(score_case(case, resolved.article.text))
    if not rows:
        print("no case could be scored")
        return 1
    print(f"split {args.split}: {len(rows)} cases")
    table("claims: recall of gold evidence sentences in the top K", rows, "claims", CLAIM_KS)
    table("numbers: recall of gold numbers in the top K listed", rows, "numbers", NUMBER_KS)
    print("\ngaps: gold questions touched (>= 2 content words shared), gaps per article")
    for row in rows:
        share = "-" if row.gaps_touched is None else f"{row.gaps_touched:.2f}"
        print(f"{row.case:40s}  {share:>5s}  {row.gaps:3d}")
    shares = [r.gaps_touched for r in rows if r.gaps_touched is not None]
    print(
        f"{'mean':40s}  {statistics.mean(shares):5.2f}  {statistics.mean(r.gaps for r in rows):5.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
