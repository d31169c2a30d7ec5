"""First-call prefill of the local model with and without the system prompt's saved KV state.

    python bench/kvstate.py --model-path FILE.gguf [--runs 3] [--n-ctx 4096]

Each run is a fresh process that sends the seed article's first prompt, as the pipeline
words it, for one output token, and reports the call's time and what llama.cpp evaluated:
the first process of each pair finds no saved state (it evaluates the system prompt and
saves it), the second loads it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_2ebbe5879b4b5f11.txt"


def child(model_path: Path, kv_dir: Path, n_ctx: int) -> None:
    sys.path.insert(0, str(ROOT))
    from briefer.articles import load_article
    from briefer.backends import ChatRequest
    from briefer.backends.local import LocalBackend, import_llama_cpp
    from briefer.citations import CitedArticle
    from briefer.config import load_settings
    from briefer.pipeline import Briefer
    from briefer.schema import cited_json_schema

    backend = LocalBackend(model_path, n_ctx=n_ctx, kv_dir=kv_dir)
    backend.load()
    lib, llama = import_llama_cpp(), backend.llama
    settings = load_settings({"backend": "local", "cache": False, "context_window": n_ctx})
    briefer = Briefer(settings, backend=backend)
    article = load_article(str(SEED))
    cited = CitedArticle(article.text)
    chunk = briefer.chunk(article, cited)[0]
    excerpt = cited.excerpt(chunk.start, chunk.end)
    schema = cited_json_schema(excerpt.sentence_ids, excerpt.listed_ids)
    # the first chunk's prompt as the pipeline words it; one output token: prefill only
    messages = briefer._chunk_messages(article, excerpt, chunk.index, 1, "schema", "")
    request = ChatRequest(messages=messages, json_schema=schema, max_tokens=1)
    lib.llama_perf_context_reset(llama._ctx.ctx)
    started = time.perf_counter()
    response = backend.complete(request)
    perf = lib.llama_perf_context(llama._ctx.ctx)
    prefixes = backend.prefixes
    assert prefixes is not None
    result = {
        "first_call_s": round(time.perf_counter() - started, 3),
        "prompt_tokens": response.usage.prompt_tokens,
        "tokens_evaluated": perf.n_p_eval,
        "prefill_s": round(perf.t_p_eval_ms / 1000, 3),
        "state_loaded": prefixes.loaded,
    }
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model-path", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.model_path, args.child, args.n_ctx)
        return
    results: dict[str, list[dict[str, float]]] = {"without state": [], "with state": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as kv:
            for name in results:
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--model-path",
                        str(args.model_path),
                        "--n-ctx",
                        str(args.n_ctx),
                        "--child",
                        kv,
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    for name, runs in results.items():
        print(
            f"{name:>14}: "
            + ", ".join(f"{key} {statistics.median(r[key] for r in runs)}" for key in runs[0])
        )


if __name__ == "__main__":
    main()
