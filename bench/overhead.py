"""Local overhead of briefing, against the loopback fake model server with fixed latency.

Prints, per article length: wall time, time waiting on the model, local overhead
(wall − model wait) as a percentage of wall, tokens sent, calls; then the same for a
second, cached run (which must make zero calls). Then the command line's own cost, each
the median of ``--repeat`` fresh processes: ``briefer --help``, ``briefer --version``, one
cached ``briefer brief`` of the seed article (start-up included, 0 model calls), and an
uncached brief of an article no earlier process has seen (the seed with a sentence of its
own) against a model of ``--latency`` seconds, less the time spent waiting on it (the
brief's ``meta.model_seconds``): "new brief - model" once in a fresh home ("cold": nothing
warm, the spaCy worker not yet started) and then the median of ``--repeat`` processes.
Run from the repo root:

    python bench/overhead.py [--latency 0.5] [--articles 6] [--repeat 5]
    python bench/overhead.py --cli-only --save before.json     # on the old code
    python bench/overhead.py --cli-only --baseline before.json # after/before ratios
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefer.articles import make_article  # noqa: E402
from briefer.config import load_settings  # noqa: E402
from briefer.pipeline import Briefer  # noqa: E402
from briefer.tokens import count_tokens  # noqa: E402
from tests.fakes import FakeOpenAI  # noqa: E402

SENTENCE = (
    "Council member {i} said the harbour budget of {n} euros would fund {k} new cranes by spring."
)
SEED = REPO / "seeds" / "000_2ebbe5879b4b5f11.txt"
# seconds, from the issue
CLI_GOALS = {
    "--help": 0.3,
    "--version": 0.3,
    "cached brief": 1.0,
    "cold brief - model": float("nan"),
    "new brief - model": 1.0,
}


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


def in_process(latency: float, articles: int) -> None:
    lengths = [2**i for i in range(articles)]  # 1 .. 32 paragraphs
    with tempfile.TemporaryDirectory() as home, FakeOpenAI(latency=latency) as fake:
        settings = load_settings(
            {"base_url": fake.base_url, "context_window": 4096, "max_output_tokens": 1000},
            environ={"BRIEFER_HOME": home},
        )
        os.environ["BRIEFER_HOME"] = home  # where Briefer opens the response cache
        briefer = Briefer(settings)
        # The SDK is imported with the first request (so a cached brief never loads it):
        # start-up, which the command-line rows time, not the per-article cost measured here.
        importlib.import_module("openai")
        first_calls, worst = run(
            briefer, fake, lengths, f"first run (model latency {latency}s per call)"
        )
        cached_calls, _ = run(briefer, fake, lengths, "second run (response cache)")
    print(f"\nworst local overhead, first run: {worst:.2f}% (goal <= 2%)")
    print(f"model calls: first run {first_calls}, cached run {cached_calls} (goal 0)")


def timed(args: list[str], env: dict[str, str]) -> float:
    """Seconds for one fresh ``python -m briefer.cli ARGS`` process (which must succeed),
    less the model time a JSON brief reports (``meta.model_seconds``)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "briefer.cli", *args],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    if args[0] != "brief":
        return wall
    model_seconds: float = json.loads(done.stdout)["meta"]["model_seconds"]
    return wall - model_seconds


def new_article(folder: Path, n: int) -> str:
    """The seed with a sentence of its own, so no cache, store or warm parse has seen it."""
    path = folder / f"new-{n}.txt"
    path.write_text(SEED.read_text() + f"\n\nThe bench adds sentence number {n}, said Bob Ames.\n")
    return str(path)


def cli_timings(repeat: int, latency: float) -> dict[str, float]:
    """Median seconds per command: --help, --version, a cached brief of the seed, and an
    uncached brief of a new article less its model time (once cold, then warm)."""
    with (
        tempfile.TemporaryDirectory() as home,
        tempfile.TemporaryDirectory() as cold_home,
        FakeOpenAI() as fake,
        FakeOpenAI(latency=latency) as slow,
    ):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("OPENAI_", "BRIEFER_"))
        }
        env |= {"PYTHONPATH": str(REPO), "BRIEFER_HOME": home, "OPENAI_BASE_URL": fake.base_url}
        brief = ["brief", str(SEED), "-f", "json"]
        timed(brief, env)  # fills the response cache
        calls = fake.calls
        uncached = ["-f", "json", "--no-cache", "--base-url", slow.base_url]
        cold = timed(
            ["brief", new_article(Path(cold_home), 0), *uncached], env | {"BRIEFER_HOME": cold_home}
        )
        commands = {
            "--help": lambda n: ["--help"],
            "--version": lambda n: ["--version"],
            "cached brief": lambda n: brief,
            "new brief - model": lambda n: ["brief", new_article(Path(home), n), *uncached],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for n in range(1, repeat + 1):
            for name, args in commands.items():
                samples[name].append(timed(args(n), env))
        if fake.calls != calls:
            raise SystemExit(f"the cached brief called the model {fake.calls - calls} times")
    timings = {name: statistics.median(values) for name, values in samples.items()}
    timings["cold brief - model"] = cold
    return {name: timings[name] for name in CLI_GOALS}


def print_cli(timings: dict[str, float], baseline: dict[str, float] | None, repeat: int) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\ncommand line, median of {repeat} fresh processes (load average {load:.2f})")
    header = f"{'command':>18} {'seconds':>8} {'goal':>6}"
    print(header + (f" {'before':>8} {'after/before':>12}" if baseline else ""))
    for name, seconds in timings.items():
        line = f"{name:>18} {seconds:>8.3f} {CLI_GOALS.get(name, float('nan')):>6.1f}"
        if baseline and name in baseline:
            line += f" {baseline[name]:>8.3f} {seconds / baseline[name]:>12.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--articles", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5, help="processes per CLI timing")
    parser.add_argument("--cli-only", action="store_true", help="only the command-line timings")
    parser.add_argument("--save", type=Path, help="write the CLI timings here (JSON)")
    parser.add_argument("--baseline", type=Path, help="CLI timings to compare with (JSON)")
    args = parser.parse_args()
    if not args.cli_only:
        in_process(args.latency, args.articles)
    timings = cli_timings(args.repeat, args.latency)
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    print_cli(timings, baseline, args.repeat)
    if args.save:
        args.save.write_text(json.dumps(timings, indent=2) + "\n")


if __name__ == "__main__":
    main()
