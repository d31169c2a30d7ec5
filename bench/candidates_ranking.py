"""How well the NLP candidates rank what the gold briefs keep, against the lead order.

For each gold case of a split (default ``dev``: tune on it only):

* claims: recall@K (K = 6, 8, 12) of the gold claims whose evidence sentence (the
  article sentence holding the gold evidence, see :func:`evidence_sentences`) is in the top K of
  :func:`~briefer.nlp.salience.rank_claims`, against the lead (``lead``: the first K
  sentences; ``base``: the first K without a speaker, as the lead baseline's claims);
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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefer.article_index import index_of  # noqa: E402
from briefer.citations import CitedArticle, Listed  # noqa: E402
from briefer.evals.baseline import has_speaker  # noqa: E402
from briefer.evals.dataset import (  # noqa: E402
    ArticleResolver,
    GoldCase,
    default_corpus_dir,
    default_gold_dir,
    load_cases,
    repo_root_of,
)
from briefer.evals.metrics import numbers_agree, text_tokens  # noqa: E402
from briefer.nlp.gaps import find_gaps  # noqa: E402
from briefer.nlp.number_rank import rank_numbers  # noqa: E402
from briefer.nlp.salience import rank_claims  # noqa: E402
from briefer.schema import NumberDraft  # noqa: E402
from briefer.vocabulary import content_words, fold_text  # noqa: E402

CLAIM_KS = (6, 8, 12)
NUMBER_KS = (10, 15)
GAP_OVERLAP = 2  # content words a gold question shares with a gap's sentence
MIN_EVIDENCE_COVER = 0.6  # below this a gold evidence names no sentence of the article


@dataclass(frozen=True)
class CaseFigures:
    case: str
    claims: dict[str, float]  # "rank@6", "lead@6", ...
    numbers: dict[str, float]
    gaps_touched: float | None
    gaps: int


def covered(evidence: str, sentence: str) -> float:
    """The share of the evidence's tokens the sentence has (a span of a long sentence
    scores 1 where ROUGE-L F1 would be low)."""
    want, have = Counter(text_tokens(evidence)), Counter(text_tokens(sentence))
    return sum((want & have).values()) / max(sum(want.values()), 1)


def evidence_sentences(case: GoldCase, text: str) -> list[int]:
    """The sentence id each gold claim's evidence comes from: the one containing it, else
    the one covering most of its tokens (0 when none covers ``MIN_EVIDENCE_COVER``)."""
    sentences = index_of(text).sentences
    found = []
    for claim in case.brief.claims:
        needle = fold_text(claim.evidence).strip(" .\"'")
        containing = [s for s in sentences if needle and needle in fold_text(s.text)]
        if containing:
            found.append(containing[0].id)
            continue
        best = max(sentences, key=lambda s: (covered(claim.evidence, s.text), -s.id))
        found.append(best.id if covered(claim.evidence, best.text) >= MIN_EVIDENCE_COVER else 0)
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
    unreported = [s.id for s in cited.sentences if not has_speaker(s.text)]
    claims = {}
    for k in CLAIM_KS:
        claims[f"rank@{k}"] = recall(gold_ids, ranked[:k])
        claims[f"lead@{k}"] = recall(gold_ids, lead[:k])
        claims[f"base@{k}"] = recall(gold_ids, unreported[:k])
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


def table(
    title: str, rows: list[CaseFigures], field: str, ks: Sequence[int], columns: Sequence[str]
) -> None:
    print(f"\n{title}")
    names = [f"{column}@{k}" for k in ks for column in columns]
    print(f"{'case':34s}" + "".join(f"{name:>9s}" for name in names))
    for row in rows:
        values: dict[str, float] = getattr(row, field)
        print(f"{row.case:34s}" + "".join(f"{values[name]:9.2f}" for name in names))
    means = [statistics.mean(getattr(r, field)[name] for r in rows) for name in names]
    print(f"{'mean':34s}" + "".join(f"{mean:9.2f}" for mean in means))


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
    title = "claims: recall of gold evidence sentences in the top K"
    table(title, rows, "claims", CLAIM_KS, ("rank", "lead", "base"))
    title = "numbers: recall of gold numbers in the top K"
    table(title, rows, "numbers", NUMBER_KS, ("rank", "lead"))
    print("\ngaps: gold questions touched (>= 2 content words shared), gaps per article")
    for row in rows:
        share = "-" if row.gaps_touched is None else f"{row.gaps_touched:.2f}"
        print(f"{row.case:34s}  {share:>5s}  {row.gaps:3d}")
    shares = [r.gaps_touched for r in rows if r.gaps_touched is not None]
    print(
        f"{'mean':34s}  {statistics.mean(shares):5.2f}  {statistics.mean(r.gaps for r in rows):5.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
