"""Local overhead of briefing, against the loopback fake model server with fixed latency.

Prints, per article length: wall time, time waiting on the model, local overhead
(wall − model wait) as a percentage of wall, tokens sent, calls; then the same for a
second, cached run (which must make zero calls). Run from the repo root:

    python bench/overhead.py [--latency 0.5] [--articles 6]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefer.articles import make_article
from briefer.config import load_settings
from briefer.pipeline import Briefer
from briefer.tokens import count_tokens
from tests.fakes import FakeOpenAI

SENTENCE = (
    "Council member {i} said the harbour budget of {n} euros would fund {k} new cranes by spring."
)


def article_text(paragraphs: int) -> str:
    return "\n\n".join(
        " ".join(SENTENCE.format(i=p, n=1000 * (p + s), k=s + 2) for s in range(6))
        for p in range(paragraphs)
    )


def tokens_sent(fake: FakeOpenAI, since: int) -> int:
    return sum(
        count_tokens(m["content"]) for body in fake.requests[since:] for m in body["messages"]
    )


def run(briefer: Briefer, fake: FakeOpenAI, lengths: list[int], label: str) -> tuple[int, float]:
    print(f"\n{label}")
    print(
        f"{'paragraphs':>10} {'chunks':>6} {'calls':>5} {'tokens sent':>11} {'wall s':>7} {'model s':>7} {'overhead':>8}"
    )
    total_calls, total_overhead = 0, 0.0
    for paragraphs in lengths:
        article = make_article(article_text(paragraphs), label=f"bench-{paragraphs}")
        requests_before = len(fake.requests)
        started = time.perf_counter()
        brief = briefer.brief(article)
        wall = time.perf_counter() - started
        meta = brief.meta
        overhead = (wall - meta.model_seconds) / wall * 100
        total_calls += meta.calls
        total_overhead = max(total_overhead, overhead)
        print(
            f"{paragraphs:>10} {meta.chunks:>6} {meta.calls:>5} {tokens_sent(fake, requests_before):>11} "
            f"{wall:>7.3f} {meta.model_seconds:>7.3f} {overhead:>7.2f}%"
        )
    return total_calls, total_overhead


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--articles", type=int, default=6)
    args = parser.parse_args()
    lengths = [2**i for i in range(args.articles)]  # 1 .. 32 paragraphs
    with tempfile.TemporaryDirectory() as home, FakeOpenAI(latency=args.latency) as fake:
        os.environ["BRIEFER_HOME"] = home
        settings = load_settings(
            {"base_url": fake.base_url, "context_window": 4096, "max_output_tokens": 1000}
        )
        briefer = Briefer(settings)
        first_calls, worst = run(
            briefer, fake, lengths, f"first run (model latency {args.latency}s per call)"
        )
        cached_calls, _ = run(briefer, fake, lengths, "second run (response cache)")
    print(f"\nworst local overhead, first run: {worst:.2f}% (goal <= 2%)")
    print(f"model calls: first run {first_calls}, cached run {cached_calls} (goal 0)")


if __name__ == "__main__":
    main()
