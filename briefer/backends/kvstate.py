"""The fixed system prompt's KV state, kept across processes for the local backend.

Every brief starts with the same system prompt, so its prefill (hundreds of tokens, seconds
on two cores) is the same work in every process. After a process evaluates it, its KV
cells are saved with ``llama_state_seq_save_file`` in the models folder, keyed by the model
file (path, size, mtime), the llama-cpp-python version, ``n_ctx`` and the prefix tokens
themselves; the next process loads them instead of evaluating. Files are written to a
temporary name and renamed; one that does not load, or holds other tokens, is ignored and
written again. Any failure only costs the prefill.

Not ``Llama.save_state()``: it copies the whole logits buffer (n_batch × n_vocab floats:
310 MB for Qwen2.5) beside the KV cells, to memory only.

The prefix is evaluated on its own, then the article after it, whether the state was
loaded or not, so a loaded state gives the same tokens as an evaluated one.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from briefer.backends.greedy import chat_prompt_tokens, evaluate_prompt


class PrefixStore:
    """Saved KV states of system-prompt prefixes for one model file and context size."""

    def __init__(self, folder: Path, model_path: Path, n_ctx: int) -> None:
        self.folder = folder
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.loaded = 0  # prefixes restored from a file (for tests and benchmarks)
        self.saved = 0

    def prime(self, llama: Any, messages: list[dict[str, str]], prompt: list[int]) -> None:
        """Put ``prompt``'s system-prompt prefix in the KV cache: kept from the last call,
        loaded from its file, or evaluated (and saved)."""
        prefix = system_prefix(llama, messages)
        if len(prefix) < 2 or len(prefix) >= len(prompt) or prompt[: len(prefix)] != prefix:
            return
        if _evaluated(llama)[: len(prefix)] == prefix:  # kept from the last call
            return
        path = self._path(prefix)
        if self._restore(llama, path, prefix):
            self.loaded += 1
            return
        evaluate_prompt(llama, prefix)
        self._save(llama, path, prefix)

    def _path(self, prefix: list[int]) -> Path:
        import llama_cpp

        stat = self.model_path.stat()
        key = json.dumps(
            [
                str(self.model_path.resolve()),
                stat.st_size,
                stat.st_mtime_ns,
                llama_cpp.__version__,
                self.n_ctx,
                prefix,
            ]
        )
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.kv"

    def _restore(self, llama: Any, path: Path, prefix: list[int]) -> bool:
        import llama_cpp as lib

        if not path.is_file():
            return False
        _clear(llama)
        tokens = (lib.llama_token * len(prefix))()
        count = ctypes.c_size_t(0)
        read = lib.llama_state_seq_load_file(
            llama._ctx.ctx, os.fsencode(path), 0, tokens, len(prefix), ctypes.byref(count)
        )
        if not read or list(tokens[: count.value]) != prefix:
            _clear(llama)  # a damaged or foreign file: evaluate, and write it again
            return False
        llama.input_ids[: len(prefix)] = prefix
        llama.n_tokens = len(prefix)
        return True

    def _save(self, llama: Any, path: Path, prefix: list[int]) -> None:
        import llama_cpp as lib

        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tokens = (lib.llama_token * len(prefix))(*prefix)
            if lib.llama_state_seq_save_file(
                llama._ctx.ctx, os.fsencode(tmp), 0, tokens, len(prefix)
            ):
                os.replace(tmp, path)
                self.saved += 1
        except OSError:
            pass  # a read-only cache folder only costs the next process its prefill
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()


def system_prefix(llama: Any, messages: list[dict[str, str]]) -> list[int]:
    """The tokens every prompt with ``messages``' system message starts with (none when the
    first message is not a system one): where two different user messages part."""
    if not messages or messages[0]["role"] != "system":
        return []
    first = chat_prompt_tokens(llama, [messages[0], {"role": "user", "content": "A"}])
    second = chat_prompt_tokens(llama, [messages[0], {"role": "user", "content": "B"}])
    shared = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        shared += 1
    return first[:shared]


def _evaluated(llama: Any) -> list[int]:
    tokens: list[int] = llama.input_ids[: llama.n_tokens].tolist()
    return tokens


def _clear(llama: Any) -> None:
    llama._ctx.kv_cache_seq_rm(-1, 0, -1)
    llama.reset()


__all__ = ["PrefixStore", "system_prefix"]
