"""Benchmark ``briefer daily``: concurrency against a fake model with a fixed latency, and resume.

    python bench/daily.py [--articles 100] [--latency 0.2] [--concurrency 8] [--json]

Generates distinct articles in a temporary folder, serves the model from the loopback
``FakeOpenAI`` in its own process (every answer after ``--latency`` seconds, as a real
server's work does not share briefer's interpreter) and runs the day twice in-process:

* first run: wall time over the ideal ``calls × latency / concurrency`` (goal ≤ 1.10 at
  concurrency 8), model calls and tokens;
* re-run of the same day: model calls (must be 0) and how many times faster it is (goal ≥ 50×).

The tokenizer is loaded once before the clock starts (``startup`` in the output; the re-run
never loads it, as it has nothing to brief), and a full garbage collection runs before each
timed run, so neither pays for the previous step's garbage.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/daily.py` from anywhere
    sys.path.insert(0, str(ROOT))

from briefer.config import load_settings  # noqa: E402
from briefer.digest import DailyOptions, run_day  # noqa: E402
from briefer.pipeline import Briefer  # noqa: E402

DAY = date(2026, 5, 4)
SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "ten",
    "sul",
    "va",
    "dor",
    "pel",
    "qui",
    "nas",
    "lo",
    "ber",
    "tis",
    "ga",
]


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(size)]


def write_articles(folder: Path, count: int, seed: int = 7) -> None:
    """``count`` articles that share no story, so each is one model call.

    Words are drawn Zipf-like from a made-up vocabulary, so articles share common words (as
    news does) but not sentences.
    """
    rng = random.Random(seed)
    words = vocabulary(rng)
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    for number in range(count):
        sentences = [
            " ".join(rng.choices(words, weights, k=rng.randint(8, 20))).capitalize()
            + f" {rng.randint(2, 999)}."
            for _ in range(30)
        ]
        title = " ".join(rng.choices(words, weights, k=6)).capitalize()
        body = f"# {title} {number}\n\n" + " ".join(sentences)
        (folder / f"article-{number:03d}.md").write_text(body + "\n", encoding="utf-8")


SERVER = """
import sys
from tests.fakes import FakeOpenAI, web_server
# Without TCP_NODELAY the fake's separate header and body writes meet the client's delayed
# ACK (~40 ms a request), which would be measured as briefer overhead.
web_server.Handler.disable_nagle_algorithm = True
with FakeOpenAI(latency=float(sys.argv[1]), lifetime=3600) as fake:
    print(fake.base_url, flush=True)
    sys.stdin.readline()
    print(fake.calls, flush=True)
"""


class FakeServerProcess:
    """``FakeOpenAI`` in a child process; ``stop()`` returns how many requests it served."""

    def __init__(self, latency: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(latency)],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()

    def stop(self) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        calls = int(self.process.stdout.readline())
        self.process.wait(timeout=10)
        return calls


def measure(articles: int, latency: float, concurrency: int) -> dict[str, Any]:
    fake = FakeServerProcess(latency)
    try:
        result = _run_twice(fake.base_url, articles, latency, concurrency)
    finally:
        calls = fake.stop()
    result["server_calls"] = calls
    return result


def _run_twice(base_url: str, articles: int, latency: float, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        os.environ["BRIEFER_HOME"] = str(root / "home")
        (root / "articles").mkdir()
        write_articles(root / "articles", articles)
        settings = load_settings({"base_url": base_url, "backend": "openai"})
        options = DailyOptions(
            sources=[str(root / "articles")], out=root / "briefings", concurrency=concurrency
        )
        started = time.perf_counter()
        Briefer(settings)  # loads the tokenizer and prompts, which stay cached in the process
        startup = time.perf_counter() - started

        gc.collect()  # each timed run starts without the previous step's garbage
        started = time.perf_counter()
        first = run_day(options, settings, day=DAY)
        first_seconds = time.perf_counter() - started

        gc.collect()
        started = time.perf_counter()
        again = run_day(options, settings, day=DAY)
        rerun_seconds = time.perf_counter() - started
    first_calls = first.stats.model_calls
    ideal = first_calls * latency / concurrency
    return {
        "articles": articles,
        "latency": latency,
        "concurrency": concurrency,
        "startup_seconds": round(startup, 3),
        "first": {
            "seconds": round(first_seconds, 3),
            "ideal_seconds": round(ideal, 3),
            "over_ideal": round(first_seconds / ideal, 3),
            "model_calls": first_calls,
            "tokens": first.stats.usage.prompt_tokens + first.stats.usage.completion_tokens,
            "stories": len(first.stories),
            "failed": len(first.failures),
        },
        "rerun": {
            "seconds": round(rerun_seconds, 4),
            "model_calls": again.stats.model_calls,
            "speedup": round(first_seconds / rerun_seconds, 1),
            "stories": len(again.stories),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per model answer")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = measure(args.articles, args.latency, args.concurrency)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    first, rerun = result["first"], result["rerun"]
    print(
        f"{args.articles} articles, latency {args.latency}s, concurrency {args.concurrency} "
        f"(startup {result['startup_seconds']:.2f}s, not timed)"
    )
    print(
        f"first run: {first['seconds']:.2f}s = {first['over_ideal']:.3f} × ideal "
        f"{first['ideal_seconds']:.2f}s · {first['model_calls']} model calls · "
        f"{first['tokens']:,} tokens · "
        f"{first['stories']} stories, {first['failed']} failed"
    )
    print(
        f"re-run:    {rerun['seconds'] * 1000:.0f} ms · {rerun['model_calls']} model calls · "
        f"{rerun['speedup']:.0f}× faster"
    )
    print(f"the fake server answered {result['server_calls']} requests in all")


if __name__ == "__main__":
    main()
