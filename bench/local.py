"""Benchmark the embedded local model on one article: the naive single call vs briefer's pipeline.

    python -m bench.local [--article seeds/000_2ebbe5879b4b5f11.txt] [--mode both] [--json]

Prints the time to assemble/verify and load the model, then for each mode the wall time of a
complete brief, prompt tokens and prompt processing speed, generated tokens and speed, and
whether the JSON came back whole; then the ratio of the two wall times, how much of a second
article's prompt llama.cpp had to process (the fixed system prompt is reused from the
previous article's KV cache), and the process's peak RSS.

* ``naive``: one request with a plain prompt and the full ``BriefDraft`` schema as the
  grammar, the model writing evidence, values and wording itself (the first local backend).
* ``briefer``: ``Briefer.brief`` as ``briefer brief`` runs it, response cache off: numbered
  sentences, listed quantities, the cited answer schema, resolution and grounding.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/local.py` without briefer installed
    sys.path.insert(0, str(ROOT))

from briefer.articles import make_article  # noqa: E402
from briefer.backends import ChatRequest  # noqa: E402
from briefer.backends.local import LocalBackend, import_llama_cpp  # noqa: E402
from briefer.config import load_settings  # noqa: E402
from briefer.models import DEFAULT_MODEL  # noqa: E402
from briefer.pipeline import Briefer  # noqa: E402
from briefer.schema import BriefDraft, strict_json_schema  # noqa: E402

DEFAULT_ARTICLE = ROOT / "seeds" / "000_2ebbe5879b4b5f11.txt"

NAIVE_SYSTEM = (
    "You write a short, factual brief of a news article as JSON with the keys title, "
    "summary (one to three sentences), actors (name, role), claims (text, attributed_to, "
    "evidence: a short span copied word for word from the article), numbers (value, unit, "
    "text exactly as written, context) and open_questions. Use only the article. Keep every "
    "string short; do not copy whole paragraphs."
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class Perf:
    """llama.cpp's own prompt/decode counters around one piece of work."""

    def __init__(self, backend: LocalBackend) -> None:
        self.llama_cpp = import_llama_cpp()
        self.llama = backend.llama

    def measure(self, work: Callable[[], Any], *, cold: bool) -> tuple[Any, dict[str, Any]]:
        if cold:
            self.llama.reset()  # forget the evaluated prompt: all of it is processed again
        self.llama_cpp.llama_perf_context_reset(self.llama._ctx.ctx)
        start = time.perf_counter()
        result = work()
        wall = time.perf_counter() - start
        perf = self.llama_cpp.llama_perf_context(self.llama._ctx.ctx)
        prompt_s = perf.t_p_eval_ms / 1000
        return result, {
            "wall_s": round(wall, 2),
            "prompt_tokens_processed": perf.n_p_eval,
            "prompt_s": round(prompt_s, 2),
            "prompt_tok_per_s": round(perf.n_p_eval / prompt_s, 1) if prompt_s else None,
            "generated_tokens": perf.n_eval,
            "generate_tok_per_s": round(perf.n_eval / max(wall - prompt_s, 1e-9), 1),
        }


def naive(backend: LocalBackend, perf: Perf, text: str, max_tokens: int) -> dict[str, Any]:
    request = ChatRequest(
        messages=(("system", NAIVE_SYSTEM), ("user", f"Article:\n\n{text.strip()}")),
        json_schema=strict_json_schema(BriefDraft),
        max_tokens=max_tokens,
    )
    response, stats = perf.measure(lambda: backend.complete(request), cold=True)
    try:
        json.loads(response.text)
        valid = True
    except ValueError:
        valid = False
    return {**stats, "finish_reason": response.finish_reason, "valid_json": valid}


def pipeline(briefer: Briefer, perf: Perf, text: str, label: str, *, cold: bool) -> dict[str, Any]:
    article = make_article(text, label=label)
    brief, stats = perf.measure(lambda: briefer.brief(article), cold=cold)
    counts = brief.meta.grounding
    return {
        **stats,
        "calls": brief.meta.calls,
        "reasks": brief.meta.reasks,
        "items": f"{len(brief.actors)} actors, {len(brief.claims)} claims, "
        f"{len(brief.numbers)} numbers, {len(brief.open_questions)} questions",
        "grounded": f"{counts.grounded} grounded, {counts.ungrounded} unverified",
    }


def second_article(text: str) -> str:
    """Another article for the prefix-reuse check: the same paragraphs, last first."""
    return "\n".join(reversed([p for p in text.splitlines() if p.strip()]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="registry model name")
    parser.add_argument("--model-path", type=Path, default=None, help="a GGUF file instead")
    parser.add_argument("--mode", choices=("naive", "briefer", "both"), default="both")
    parser.add_argument("--max-tokens", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        if not args.json:
            print(line, flush=True)

    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    backend = LocalBackend.from_options(
        args.model_path, args.model, n_ctx=args.n_ctx, n_threads=args.threads
    )
    resolve_s = time.perf_counter() - start
    say(f"model        {backend.model} ({backend.model_path})")
    say(f"threads      {backend.n_threads}, n_ctx {backend.n_ctx}")
    say(f"resolve      {resolve_s:.2f} s (assemble/verify)")
    load_s = backend.load()
    say(f"load         {load_s:.2f} s")
    perf = Perf(backend)
    text = args.article.read_text(encoding="utf-8")
    result: dict[str, Any] = {
        "model": backend.model,
        "threads": backend.n_threads,
        "article": str(args.article),
        "resolve_s": round(resolve_s, 2),
        "load_s": round(load_s, 2),
    }

    if args.mode in ("naive", "both"):
        result["naive"] = naive(backend, perf, text, args.max_tokens)
        say(f"naive        {describe(result['naive'])}")
    if args.mode in ("briefer", "both"):
        settings = load_settings(
            {
                "backend": "local",
                "cache": False,
                "model_path": args.model_path,
                "max_output_tokens": args.max_tokens,
                "context_window": args.n_ctx,
            }
        )
        briefer = Briefer(settings, backend=backend)
        result["briefer"] = pipeline(briefer, perf, text, str(args.article), cold=True)
        say(f"briefer      {describe(result['briefer'])}")
        say(f"             {result['briefer']['items']}; {result['briefer']['grounded']}")
        result["next_article"] = pipeline(
            briefer, perf, second_article(text), "second article", cold=False
        )
        say(
            f"next article {result['next_article']['prompt_tokens_processed']} prompt tokens "
            "processed (the system prompt is reused from the KV cache), "
            f"wall {result['next_article']['wall_s']:.1f} s"
        )
    if "naive" in result and "briefer" in result:
        ratio = result["briefer"]["wall_s"] / result["naive"]["wall_s"]
        result["wall_ratio_briefer_over_naive"] = round(ratio, 2)
        say(f"ratio        briefer / naive wall time = {ratio:.2f}")
    result["peak_rss_mb"] = round(peak_rss_mb())
    result["loadavg_1min"] = (round(load_before, 2), round(os.getloadavg()[0], 2))
    say(f"peak RSS     {result['peak_rss_mb']} MB")
    say(
        f"load avg     {result['loadavg_1min'][0]} before, {result['loadavg_1min'][1]} after "
        f"(>{backend.n_threads}: contended)"
    )
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


def describe(run: dict[str, Any]) -> str:
    tail = (
        f"{run['finish_reason']}, valid JSON {run['valid_json']}"
        if "valid_json" in run
        else f"{run['calls']} call(s), {run['reasks']} re-ask(s)"
    )
    return (
        f"wall {run['wall_s']:.1f} s | prompt {run['prompt_tokens_processed']} tok, "
        f"{run['prompt_tok_per_s']} tok/s ({run['prompt_s']:.1f} s) | generated "
        f"{run['generated_tokens']} tok, {run['generate_tok_per_s']} tok/s | {tail}"
    )


if __name__ == "__main__":
    sys.exit(main())
