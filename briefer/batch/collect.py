"""``CollectingBackend``: in a batch day, a request the cache cannot answer is queued as a
batch line instead of sent, and its story waits (``Deferred``).

It sits inside the response cache (a hit never reaches it) and outside the retry layer.
Requests go live instead when a batch of the day already had them (its answer was an
error, or the batch expired first) or when they re-ask (the conversation holds the
model's own rejected answer: one more day of waiting for a fix is not worth half a price).
"""

from __future__ import annotations

import threading

from briefer.backends import Backend, ChatRequest, ChatResponse, Deferred, Wrapper
from briefer.backends.cache import cache_key
from briefer.backends.openai import chat_body
from briefer.batch.lines import Queued


class CollectingBackend(Wrapper):
    def __init__(self, inner: Backend, *, asked: frozenset[str] = frozenset()) -> None:
        super().__init__(inner)
        self.asked = asked
        self._queued: dict[str, Queued] = {}
        self._lock = threading.Lock()

    def complete(self, request: ChatRequest) -> ChatResponse:
        key = cache_key(self.name, self.endpoint, self.model, request)
        if key in self.asked or is_reask(request):
            return self.inner.complete(request)
        with self._lock:
            self._queued.setdefault(key, Queued(key, self.model, chat_body(self.model, request)))
        raise Deferred("queued for a batch")

    @property
    def queued(self) -> list[Queued]:
        """The queued requests, each once, in the order they were first asked."""
        with self._lock:
            return list(self._queued.values())


def is_reask(request: ChatRequest) -> bool:
    return any(role == "assistant" for role, _ in request.messages)


__all__ = ["CollectingBackend", "is_reask"]
