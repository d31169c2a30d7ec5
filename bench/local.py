"""Benchmark the embedded local model on one article.

    python -m bench.local [--article seeds/000_2ebbe5879b4b5f11.txt] [--runs 2] [--json]

Prints the time to assemble/verify and load the model, prompt processing and generation speed
(tokens/s), wall time per article and the process's peak RSS. Each run starts from an empty
KV cache (``--warm`` keeps llama.cpp's prompt-prefix reuse between runs instead).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/local.py` without briefer installed
    sys.path.insert(0, str(ROOT))

from briefer.backends import ChatRequest  # noqa: E402
from briefer.local import LocalBackend, import_llama_cpp  # noqa: E402
from briefer.models import DEFAULT_MODEL  # noqa: E402
from briefer.schema import draft_json_schema  # noqa: E402

DEFAULT_ARTICLE = ROOT / "seeds" / "000_2ebbe5879b4b5f11.txt"

SYSTEM = (
    "You write a short, factual brief of a news article as JSON with the keys title, "
    "summary (one to three sentences), actors (name, role), claims (text, attributed_to, "
    "evidence: a short span copied word for word from the article), numbers (value, unit, "
    "text exactly as written, context) and open_questions. Use only the article. Keep every "
    "string short; do not copy whole paragraphs."
)


def build_messages(article_text: str) -> tuple[tuple[str, str], ...]:
    """The chat messages for one article. The one place to switch to briefer.pipeline's prompts."""
    return (("system", SYSTEM), ("user", f"Article:\n\n{article_text.strip()}"))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_once(
    backend: LocalBackend, request: ChatRequest, *, warm: bool
) -> tuple[dict[str, Any], str]:
    llama_cpp = import_llama_cpp()
    llama = backend.llama
    if not warm:
        llama.reset()  # forget the evaluated prompt: the next run processes all of it
    llama_cpp.llama_perf_context_reset(llama._ctx.ctx)
    start = time.perf_counter()
    response = backend.complete(request)
    wall = time.perf_counter() - start
    perf = llama_cpp.llama_perf_context(llama._ctx.ctx)
    prompt_s = perf.t_p_eval_ms / 1000
    generate_s = max(wall - prompt_s, 1e-9)
    completion = response.usage.completion_tokens
    valid = True
    try:
        json.loads(response.text)
    except ValueError:
        valid = False
    stats = {
        "wall_s": round(wall, 2),
        "prompt_tokens": response.usage.prompt_tokens,
        "prompt_tokens_evaluated": perf.n_p_eval,
        "prompt_s": round(prompt_s, 2),
        "prompt_tok_per_s": round(perf.n_p_eval / prompt_s, 1) if prompt_s else None,
        "completion_tokens": completion,
        # decode alone (llama.cpp's eval time) and generation as experienced (incl. grammar)
        "decode_tok_per_s": round(perf.n_eval / (perf.t_eval_ms / 1000), 1)
        if perf.t_eval_ms
        else None,
        "generate_tok_per_s": round(completion / generate_s, 1),
        "finish_reason": response.finish_reason,
        "valid_json": valid,
        "output_chars": len(response.text),
    }
    return stats, response.text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="registry model name")
    parser.add_argument("--model-path", type=Path, default=None, help="a GGUF file instead")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--no-schema", action="store_true", help="json_object without schema")
    parser.add_argument("--warm", action="store_true", help="keep the KV prefix between runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show-output", action="store_true")
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
    say(f"threads      {backend.n_threads}, n_ctx {backend.n_ctx}, schema {not args.no_schema}")
    say(f"resolve      {resolve_s:.2f} s (assemble/verify)")
    load_s = backend.load()
    say(f"load         {load_s:.2f} s")
    article = args.article.read_text(encoding="utf-8")
    request = ChatRequest(
        messages=build_messages(article),
        json_schema=None if args.no_schema else draft_json_schema(),
        json_mode="object" if args.no_schema else "schema",
        max_tokens=args.max_tokens,
    )
    runs = []
    for i in range(1, args.runs + 1):
        run, text = run_once(backend, request, warm=args.warm)
        runs.append(run)
        say(
            f"run {i}        wall {run['wall_s']:.1f} s | prompt {run['prompt_tokens']} tok, "
            f"{run['prompt_tok_per_s']} tok/s ({run['prompt_s']:.1f} s) | "
            f"generated {run['completion_tokens']} tok, {run['generate_tok_per_s']} tok/s "
            f"(decode alone {run['decode_tok_per_s']} tok/s) | {run['finish_reason']}, "
            f"valid JSON {run['valid_json']}"
        )
        if args.show_output:
            print(text, file=sys.stderr)
    loadavg = (round(load_before, 2), round(os.getloadavg()[0], 2))
    say(f"peak RSS     {round(peak_rss_mb())} MB")
    say(f"load avg     {loadavg[0]} before, {loadavg[1]} after (>{backend.n_threads}: contended)")
    if args.json:
        result = {
            "model": backend.model,
            "model_path": str(backend.model_path),
            "threads": backend.n_threads,
            "n_ctx": backend.n_ctx,
            "article": str(args.article),
            "article_chars": len(article),
            "schema": not args.no_schema,
            "resolve_s": round(resolve_s, 2),
            "load_s": round(load_s, 2),
            "runs": runs,
            "peak_rss_mb": round(peak_rss_mb()),
            "loadavg_1min": loadavg,
        }
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
