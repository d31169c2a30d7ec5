"""How well the NLP candidates cover the gold briefs: actors and speakers, per split.

For each gold case of the split (``dev`` by default; tune there only):

* actor coverage: the share of gold actors matched one-to-one by a candidate of
  ``find_actors`` (the eval's own actor matching, ``briefer.evals.metrics.score_actors``),
  for all candidates and for the first 6, 8 and ``--top`` (most salient first); the lead
  baseline's 6 names beside them; candidates per article;
* speaker accuracy: each gold claim's sentence is found by its evidence span (the first
  sentence of the article index that the evidence contains or is contained in); the
  rule's speaker of that sentence (``find_speakers``, or None) is compared with the gold
  ``attributed_to`` by the metrics' name matching (``same_speaker``). Reported: accuracy,
  precision and recall of "has a speaker", accuracy among the rule's confident answers,
  and the "no speaker ever" answer (what the lead baseline says) for reference.

Run from the repo root:

    python bench/candidates_actors.py [--split dev|test] [--top 12] [--cases GLOB] [-v]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefer.article_index import Sentence, index_of  # noqa: E402
from briefer.evals.baseline import lead_actors  # noqa: E402
from briefer.evals.dataset import (  # noqa: E402
    ArticleResolver,
    GoldCase,
    default_corpus_dir,
    default_gold_dir,
    load_cases,
    repo_root_of,
)
from briefer.evals.metrics import same_speaker, score_actors  # noqa: E402
from briefer.nlp.actors import find_actors  # noqa: E402
from briefer.nlp.model import parser_label, pipeline  # noqa: E402
from briefer.nlp.speakers import find_speakers  # noqa: E402
from briefer.schema import ActorDraft  # noqa: E402
from briefer.vocabulary import fold_text  # noqa: E402


@dataclass
class Tally:
    gold_actors: int = 0
    matched_all: int = 0
    matched_top: dict[int, int] = field(default_factory=dict)  # by cut-off
    matched_lead: int = 0
    candidates: int = 0
    articles: int = 0
    claims: int = 0
    unplaced: int = 0  # gold claims whose evidence is in no sentence
    correct: int = 0
    correct_none: int = 0
    predicted_speaker: int = 0
    gold_speaker: int = 0
    both_speaker: int = 0
    confident: int = 0
    confident_correct: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0
    misses: list[str] = field(default_factory=list)


def claim_sentence(evidence: str, sentences: tuple[Sentence, ...]) -> int | None:
    needle = fold_text(evidence).strip(" \"'.,;:…")
    if not needle:
        return None
    for sentence in sentences:
        folded = fold_text(sentence.text).strip(" \"'.,;:…")
        if folded and (needle in folded or folded in needle):
            return sentence.id
    return None


def score_case(case: GoldCase, text: str, top: int, tally: Tally) -> None:
    start = time.perf_counter()
    actors = find_actors(text)
    speakers = find_speakers(text)
    tally.seconds += time.perf_counter() - start
    gold = case.brief
    sentences = index_of(text).sentences
    drafts = [ActorDraft(name=a.name, role="") for a in actors]
    tally.articles += 1
    tally.candidates += len(actors)
    tally.gold_actors += len(gold.actors)
    all_match = score_actors(drafts, gold.actors)
    tally.matched_all += len(all_match.pairs)
    for cut in sorted({6, 8, top}):
        matched = len(score_actors(drafts[:cut], gold.actors).pairs)
        tally.matched_top[cut] = tally.matched_top.get(cut, 0) + matched
    tally.matched_lead += len(score_actors(lead_actors(sentences), gold.actors).pairs)
    matched_gold = {p.gold for p in all_match.pairs}
    for i, actor in enumerate(gold.actors):
        if i not in matched_gold:
            tally.misses.append(f"{case.id}: actor {actor.name!r} not found")
    for claim in gold.claims:
        sid = claim_sentence(claim.evidence, sentences)
        if sid is None:
            tally.unplaced += 1
            continue
        tally.claims += 1
        speaker = speakers.get(sid)
        answer = speaker.name if speaker else None
        ok = same_speaker(answer, claim.attributed_to)
        tally.correct += ok
        tally.correct_none += claim.attributed_to is None
        tally.predicted_speaker += answer is not None
        tally.gold_speaker += claim.attributed_to is not None
        tally.both_speaker += answer is not None and claim.attributed_to is not None
        if speaker is not None and speaker.confident:
            tally.confident += 1
            tally.confident_correct += ok
        if not ok:
            cue = f" ({speaker.cue}{'' if speaker.confident else ', guess'})" if speaker else ""
            tally.misses.append(
                f"{case.id} s{sid}: gold {claim.attributed_to!r}, rule {answer!r}{cue}"
            )


def share(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "-"


def report(split: str, top: int, tally: Tally) -> str:
    rows = [
        ("articles", str(tally.articles)),
        ("parser", parser_label()),
        ("candidates per article", f"{tally.candidates / max(tally.articles, 1):.1f}"),
        ("actor coverage, all candidates", share(tally.matched_all, tally.gold_actors)),
        *(
            (f"actor coverage, top {cut}", share(matched, tally.gold_actors))
            for cut, matched in sorted(tally.matched_top.items())
        ),
        ("actor coverage, lead baseline (6)", share(tally.matched_lead, tally.gold_actors)),
        ("gold claims placed / all", f"{tally.claims} / {tally.claims + tally.unplaced}"),
        ("speaker accuracy", share(tally.correct, tally.claims)),
        ("  'no speaker' for every claim", share(tally.correct_none, tally.claims)),
        ("has-speaker precision", share(tally.both_speaker, tally.predicted_speaker)),
        ("has-speaker recall", share(tally.both_speaker, tally.gold_speaker)),
        (
            "confident answers: share / accuracy",
            f"{share(tally.confident, tally.claims)} / "
            f"{share(tally.confident_correct, tally.confident)}",
        ),
        ("seconds to load the pipeline", f"{tally.load_seconds:.2f}"),
        ("seconds per article (parse + rules)", f"{tally.seconds / max(tally.articles, 1):.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"split {split}", "-" * (width + 12)]
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--cases", default="*")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    gold_dir = default_gold_dir()
    repo_root = repo_root_of(gold_dir)
    resolver = ArticleResolver(repo_root, default_corpus_dir(repo_root))
    tally = Tally()
    start = time.perf_counter()
    pipeline()
    tally.load_seconds = time.perf_counter() - start
    for case in load_cases(gold_dir, args.cases, args.split):
        resolved = resolver.resolve(case)
        if resolved.article is None:
            print(f"skip {case.id}: {resolved.reason}", file=sys.stderr)
            continue
        score_case(case, resolved.article.text, args.top, tally)
    if args.verbose:
        print("\n".join(tally.misses))
    print(report(args.split, args.top, tally))
    return 0


if __name__ == "__main__":
    sys.exit(main())
