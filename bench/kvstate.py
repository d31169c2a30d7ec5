"""First-call prefill of the local model with and without the system prompt's saved KV state.

    python bench/kvstate.py --model-path FILE.gguf [--runs 3] [--n-ctx 4096]

Each run is a fresh process that briefs the seed article once (response cache off) and
reports what llama.cpp evaluated of its first prompt: the first run of each pair finds no
saved state (it evaluates the system prompt and saves it), the second loads it.
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
    from briefer.backends.local import LocalBackend, import_llama_cpp
    from briefer.config import load_settings
    from briefer.pipeline import Briefer

    backend = LocalBackend(model_path, n_ctx=n_ctx, kv_dir=kv_dir)
    backend.load()
    lib, llama = import_llama_cpp(), backend.llama
    settings = load_settings(
        {
            "backend": "local",
            "cache": False,
            "context_window": n_ctx,
            "model_path": model_path,
            "max_output_tokens": 700,
        }
    )
    briefer = Briefer(settings, backend=backend)
    lib.llama_perf_context_reset(llama._ctx.ctx)
    started = time.perf_counter()
    briefer.brief(load_article(str(SEED)))
    perf = lib.llama_perf_context(llama._ctx.ctx)
    prefixes = backend.prefixes
    assert prefixes is not None
    print(
        json.dumps(
            {
                "wall_s": round(time.perf_counter() - started, 2),
                "prompt_tokens_evaluated": perf.n_p_eval,
                "prompt_eval_s": round(perf.t_p_eval_ms / 1000, 2),
                "state_loaded": prefixes.loaded,
                "state_saved": prefixes.saved,
            }
        )
    )


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
