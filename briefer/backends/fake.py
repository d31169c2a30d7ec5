"""A backend with no model: it answers from a queue and keeps every request it was sent.

For tests and for trying a pipeline without a model::

    fake = FakeBackend()
    fake.enqueue('{"title": ...}')        # the text of the next answer, or a ChatResponse
    Briefer(settings, backend=fake).brief(article)
    fake.history[0].messages              # what the pipeline asked

An empty queue answers ``default`` (if given) or raises ``LookupError``.
"""

from __future__ import annotations

import threading
from collections import deque

from briefer.backends.base import ChatRequest, ChatResponse


class FakeBackend:
    def __init__(
        self, *, model: str = "fake-model", endpoint: str = "fake", default: str | None = None
    ) -> None:
        self.name, self.model, self.endpoint = "fake", model, endpoint
        self.default = default
        self.history: list[ChatRequest] = []
        self._answers: deque[ChatResponse] = deque()
        self._lock = threading.Lock()

    def enqueue(self, *answers: str | ChatResponse) -> FakeBackend:
        """Queue answers, each the text of a completion or a whole ``ChatResponse``."""
        with self._lock:
            for answer in answers:
                response = answer if isinstance(answer, ChatResponse) else ChatResponse(text=answer)
                self._answers.append(response.model_copy(update={"model": self.model}))
        return self

    def complete(self, request: ChatRequest) -> ChatResponse:
        with self._lock:
            self.history.append(request)
            if self._answers:
                return self._answers.popleft()
        if self.default is None:
            raise LookupError(f"FakeBackend: no answer queued for request {len(self.history)}")
        return ChatResponse(text=self.default, model=self.model)


__all__ = ["FakeBackend"]
