"""A backend with no model: it answers from a queue and keeps every request it was sent.

For tests and for trying a pipeline without a model::

    fake = FakeBackend()
    fake.enqueue('{"title": ...}')        # the next answer's text, a ChatResponse, or an
                                          # exception the call raises
    Briefer(settings, backend=fake).brief(article)
    fake.history[0].messages              # what the pipeline asked

An empty queue asks ``respond(request)`` (if given: it returns the text or a
``ChatResponse``, or raises), then answers ``default`` (if given), else raises ``LookupError``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from briefer.backends.base import ChatRequest, ChatResponse

Responder = Callable[[ChatRequest], str | ChatResponse]


class FakeBackend:
    def __init__(
        self,
        *,
        model: str = "fake-model",
        endpoint: str = "fake",
        default: str | None = None,
        respond: Responder | None = None,
    ) -> None:
        self.name, self.model, self.endpoint = "fake", model, endpoint
        self.default = default
        self.respond = respond
        self.history: list[ChatRequest] = []
        self._answers: deque[ChatResponse | BaseException] = deque()
        self._lock = threading.Lock()

    def enqueue(self, *answers: str | ChatResponse | BaseException) -> FakeBackend:
        """Queue answers: a completion's text, a whole ``ChatResponse``, or an exception."""
        with self._lock:
            for answer in answers:
                if isinstance(answer, BaseException):
                    self._answers.append(answer)
                    continue
                self._answers.append(self._as_response(answer))
        return self

    def _as_response(self, answer: str | ChatResponse) -> ChatResponse:
        response = answer if isinstance(answer, ChatResponse) else ChatResponse(text=answer)
        return response.model_copy(update={"model": self.model})

    def complete(self, request: ChatRequest) -> ChatResponse:
        with self._lock:
            self.history.append(request)
            answer = self._answers.popleft() if self._answers else None
        if isinstance(answer, BaseException):
            raise answer
        if answer is not None:
            return answer
        if self.respond is not None:
            return self._as_response(self.respond(request))
        if self.default is None:
            raise LookupError(f"FakeBackend: no answer queued for request {len(self.history)}")
        return self._as_response(self.default)


__all__ = ["FakeBackend"]
