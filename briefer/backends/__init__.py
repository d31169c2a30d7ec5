"""Model backends: the protocol, the OpenAI-compatible, local and fake backends, and the
wrappers (retry, concurrency bound, cache) that ``backends.stack`` puts around them.

    base.py     the protocol (``Backend``, ``ChatRequest``, ``ChatResponse``) and ``Wrapper``
    openai.py   an OpenAI-compatible endpoint, and the one retry layer in front of it
    local.py    the embedded llama.cpp model (greedy.py: its grammar-checked decoding;
                kvstate.py: the system prompt's KV state, kept across processes)
    cache.py    the SQLite response cache and ``CachedBackend``
    fake.py     ``FakeBackend``: queued answers and a history of requests, for tests
    stack.py    ``build_backend``: the one place the wrappers are stacked
    tally.py    ``Tally``: the one count of calls, cache hits and billed/cached tokens
"""

from briefer.backends.base import (
    AnswerMemory,
    Backend,
    ChatRequest,
    ChatResponse,
    Deferred,
    FinishReason,
    JsonMode,
    SchemaRejectedError,
    Spent,
    Wrapper,
    charge,
    spent_on,
)

__all__ = [
    "AnswerMemory",
    "Backend",
    "ChatRequest",
    "ChatResponse",
    "Deferred",
    "FinishReason",
    "JsonMode",
    "SchemaRejectedError",
    "Spent",
    "Wrapper",
    "charge",
    "spent_on",
]
