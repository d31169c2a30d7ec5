"""The embedded backend: a GGUF model run in process with llama-cpp-python.

No API key, no network. ``llama_cpp`` is imported lazily, so ``import briefer.backends.local`` works
without the ``local`` extra; using the backend without it raises an InputError naming the fix.

One ``Llama`` per (model file, n_ctx) is loaded per process and shared by every backend and
article (loading takes about a second and two gigabytes); calls into it are serialised with a
lock, since a llama.cpp context is not thread-safe. The model is loaded on the first
``complete`` (or an explicit ``load()``), so runs answered entirely from the response cache
never load it.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import threading
import time
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from briefer.backends import ChatRequest, ChatResponse, FinishReason
from briefer.backends.greedy import chat_prompt_tokens, generate, has_chat_template
from briefer.backends.kvstate import PrefixStore
from briefer.config import debug_enabled, models_dir
from briefer.errors import InputError, ModelError
from briefer.models import DEFAULT_MODEL, MODELS, Progress, missing_parts, resolve_model_path
from briefer.schema import Usage

INSTALL_HINT = (
    "the local backend needs llama-cpp-python: pip install 'briefer[local]' "
    "(the first install compiles llama.cpp, which takes several minutes)"
)

KV_STATE_DIR = "kv-state"
MIN_OUTPUT_ROOM = 768  # tokens; a cited brief of the seed takes 300-600

_FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "content_filter": "content_filter",
}


def import_llama_cpp() -> ModuleType:
    """The ``llama_cpp`` module, or an InputError saying how to install it."""
    try:
        return importlib.import_module("llama_cpp")
    except ImportError as exc:
        raise InputError(f"{INSTALL_HINT} [{exc}]") from None
    except (OSError, RuntimeError) as exc:  # the shared library is there but cannot load
        raise InputError(f"llama-cpp-python is installed but cannot load: {exc}") from None


@cache
def _llama_cpp_loads() -> bool:
    try:
        import_llama_cpp()
    except InputError:
        return False
    return True


def local_available() -> bool:
    """Can the local backend run the default model here (llama_cpp and its part packages)?"""
    return not missing_parts(MODELS[DEFAULT_MODEL]) and _llama_cpp_loads()


def local_runnable(model_path: Path | None) -> bool:
    """Can the local backend run here: a user's GGUF needs llama_cpp only, the default model
    its part packages too (the question ``backend = auto`` asks)."""
    if model_path is not None and _llama_cpp_loads():
        return True
    return local_available()


@lru_cache(maxsize=16)
def schema_grammar(schema_json: str) -> Any:
    """The llama.cpp grammar (a ``LlamaGrammar``) that constrains output to a JSON schema."""
    grammar_module = importlib.import_module("llama_cpp.llama_grammar")
    try:
        gbnf = grammar_module.json_schema_to_gbnf(schema_json)
        return grammar_module.LlamaGrammar.from_string(_no_control_chars(gbnf), verbose=False)
    except Exception as exc:  # the converter raises bare Exceptions
        raise ModelError(f"cannot turn the JSON schema into a llama.cpp grammar: {exc}") from None


_STRING_CHAR = 'char ::= [^"\\\\] |'
_JSON_STRING_CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F] |'


def _no_control_chars(gbnf: str) -> str:
    """llama-cpp-python's converter lets a raw newline into JSON strings, which is invalid
    JSON (it sent the model into re-asks that overflowed the context); llama.cpp's own
    converter excludes control characters, as JSON requires."""
    if _STRING_CHAR not in gbnf:
        return gbnf
    return gbnf.replace(_STRING_CHAR, _JSON_STRING_CHAR)


def default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class _Loaded:
    llama: Any
    lock: threading.Lock
    seconds: float


_LOADED: dict[tuple[str, int], _Loaded] = {}
_LOAD_LOCK = threading.Lock()


def load_llama(model_path: Path, n_ctx: int, n_threads: int, seed: int) -> _Loaded:
    """The process-wide ``Llama`` for (model_path, n_ctx), loading it on first use."""
    key = (str(Path(model_path).resolve()), n_ctx)
    with _LOAD_LOCK:
        loaded = _LOADED.get(key)
        if loaded is None:
            llama_cpp = import_llama_cpp()
            start = time.perf_counter()
            try:
                llama = llama_cpp.Llama(
                    model_path=key[0],
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    seed=seed,
                    verbose=debug_enabled(),
                )
            except (ValueError, RuntimeError, OSError) as exc:  # registry models are verified,
                raise InputError(  # so this is a user's GGUF llama.cpp cannot read
                    f"llama.cpp could not load {key[0]} ({exc}); is it a complete GGUF of a "
                    "model architecture this llama-cpp-python supports?"
                ) from None
            loaded = _Loaded(llama, threading.Lock(), time.perf_counter() - start)
            if not _LOADED:
                # Free models before interpreter teardown: llama-cpp-python's own finaliser
                # fails noisily once its module globals are gone.
                atexit.register(unload_all)
            _LOADED[key] = loaded
        return loaded


def unload_all() -> None:
    """Close and drop every cached model (at exit, and in tests)."""
    with _LOAD_LOCK:
        for loaded in _LOADED.values():
            close = getattr(loaded.llama, "close", None)
            if callable(close):
                close()
        _LOADED.clear()


class LocalBackend:
    """A ``Backend`` that completes chat requests with a local GGUF model."""

    name = "local"
    endpoint = "local"

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        seed: int = 0,
        model_name: str | None = None,
        kv_dir: Path | None = None,
    ) -> None:
        """``kv_dir``: where the system prompt's KV state is kept across processes (none:
        each process evaluates it once)."""
        import_llama_cpp()  # fail early, before any article is read
        self.model_path = Path(model_path)
        self.model = model_name or self.model_path.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.seed = seed
        self.prefixes = PrefixStore(kv_dir, self.model_path, n_ctx) if kv_dir else None

    @classmethod
    def from_options(
        cls,
        model_path: Path | None = None,
        name: str = DEFAULT_MODEL,
        *,
        cache_dir: Path | None = None,
        progress: Progress | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        seed: int = 0,
        kv_dir: Path | None = None,
    ) -> LocalBackend:
        """The backend for ``--model-path`` or registry model ``name`` (assembled if needed);
        the system prompt's KV state is kept in ``kv_dir``, by default ``KV_STATE_DIR`` of
        the models folder."""
        import_llama_cpp()
        path = resolve_model_path(model_path, name, cache_dir=cache_dir, progress=progress)
        return cls(
            path,
            n_ctx=n_ctx,
            n_threads=n_threads,
            seed=seed,
            model_name=None if model_path is not None else name,
            kv_dir=kv_dir or (cache_dir or models_dir()) / KV_STATE_DIR,
        )

    def load(self) -> float:
        """Load the model now (if this process has not yet); the seconds its load took."""
        return self._loaded().seconds

    def _loaded(self) -> _Loaded:
        return load_llama(self.model_path, self.n_ctx, self.n_threads, self.seed)

    @property
    def llama(self) -> Any:
        """The shared ``llama_cpp.Llama`` (loads it)."""
        return self._loaded().llama

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in this model's own vocabulary."""
        loaded = self._loaded()
        with loaded.lock:
            return len(loaded.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def complete(self, request: ChatRequest) -> ChatResponse:
        loaded = self._loaded()
        # A schema always goes in (as a grammar), whatever request.json_mode says: llama.cpp
        # has no "schema rejected" case. The grammar is built here rather than passed as
        # response_format["schema"], because llama-cpp-python silently falls back to free
        # JSON (no maxLength/maxItems caps) when a schema does not convert.
        grammar = None
        response_format: dict[str, Any] | None = {"type": "json_object"}
        if request.json_schema is not None:
            grammar = schema_grammar(json.dumps(request.json_schema))
            response_format = None
        with loaded.lock:
            start = time.perf_counter()
            if grammar is not None and request.temperature == 0 and has_chat_template(loaded.llama):
                return self._complete_greedy(loaded.llama, request, grammar, start)
            try:
                result = loaded.llama.create_chat_completion(
                    messages=request.message_dicts(),
                    response_format=response_format,
                    grammar=grammar,
                    max_tokens=request.max_tokens,
                    temperature=request.temperature,
                    seed=self.seed,
                )
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise ModelError(f"local model {self.model}: {exc}") from None
            seconds = time.perf_counter() - start
        choice = result["choices"][0]
        usage = result.get("usage") or {}
        return ChatResponse(
            text=choice["message"].get("content") or "",
            finish_reason=_FINISH_REASONS.get(choice.get("finish_reason") or "stop", "other"),
            usage=Usage(
                prompt_tokens=int(usage.get("prompt_tokens", 0)),
                completion_tokens=int(usage.get("completion_tokens", 0)),
            ),
            model=self.model,
            seconds=seconds,
        )

    def _complete_greedy(
        self, llama: Any, request: ChatRequest, grammar: Any, start: float
    ) -> ChatResponse:
        """Temperature 0 under a grammar: ``greedy.generate``, same tokens, less time."""
        try:
            prompt = chat_prompt_tokens(llama, request.message_dicts())
            if self.prefixes is not None:
                self.prefixes.prime(llama, request.message_dicts(), prompt)
            # The pipeline budgets with tiktoken; when this model's own count leaves less
            # than max_tokens but still room for a brief, answer in that room.
            room = llama.n_ctx() - len(prompt)
            max_tokens = (
                min(request.max_tokens, room) if room >= MIN_OUTPUT_ROOM else request.max_tokens
            )
            result = generate(llama, prompt, grammar, max_tokens)
        except ValueError as exc:  # e.g. the prompt does not fit the context window
            raise ModelError(f"local model {self.model}: {exc}") from None
        return ChatResponse(
            text=result.text,
            finish_reason="length" if result.finish_reason == "length" else "stop",
            usage=Usage(
                prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens
            ),
            model=self.model,
            seconds=time.perf_counter() - start,
        )
