"""The model client: the structured-output loop that validates answers and re-asks with
the validation error, over whatever backend stack it is given.

Layers, outermost first::

    ModelClient.structured()  validate as pydantic, re-ask on invalid/truncated output;
                              only an answer that validates is kept by the cache
    CachedBackend             answer repeated requests from SQLite, zero calls
    RetryingBackend           tenacity: 429/5xx/timeouts/connection errors, Retry-After
    OpenAIBackend | LocalBackend | FakeBackend   one HTTP call, one local generation, a queue

The backends and their wrappers live in ``briefer.backends`` (stacked by
``backends.stack.build_backend``). Every request that reached the endpoint is counted
(``CallStats``): retried attempts, re-asks, a rejected ``json_schema`` and the calls of
briefs that failed, so a run's cost is never under-reported.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from briefer.backends import (
    AnswerMemory,
    Backend,
    ChatRequest,
    ChatResponse,
    JsonMode,
    SchemaRejectedError,
    Spent,
    spent_on,
)
from briefer.errors import BriefValidationError, ModelError
from briefer.schema import Usage

__all__ = ["CallStats", "ModelClient"]

T = TypeVar("T", bound=BaseModel)
MessagesBuilder = Callable[[str], tuple[tuple[str, str], ...]]


@dataclass
class CallStats:
    """Calls (every request that reached the endpoint), cache hits, re-asks, tokens, time."""

    calls: int = 0
    cache_hits: int = 0
    reasks: int = 0
    usage: Usage = field(default_factory=Usage)
    model_seconds: float = 0.0
    answered_by: str = ""
    """The model the endpoint said answered (a local server's own name), if it said."""

    def add(self, other: CallStats) -> None:
        self.answered_by = other.answered_by or self.answered_by
        self.calls += other.calls
        self.cache_hits += other.cache_hits
        self.reasks += other.reasks
        self.usage = self.usage + other.usage
        self.model_seconds += other.model_seconds

    def record(self, response: ChatResponse) -> None:
        self.answered_by = response.model or self.answered_by
        if response.cached:
            self.cache_hits += 1
        else:
            self.calls += response.attempts
            self.usage = self.usage + response.usage
            self.model_seconds += response.seconds

    def charge(self, spent: Spent) -> None:
        """A call that failed: what it spent before it raised still counts."""
        self.calls += spent.attempts
        self.usage = self.usage + spent.usage


class ModelClient:
    """Asks a backend for output that validates as a pydantic model, re-asking when it does not.

    ``spent`` totals every call this client made, those of failed briefs included (a daily
    run reports it); it is updated under a lock, as briefs run on several threads.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        reasks: int = 2,
        max_tokens: int = 1500,
        temperature: float = 0.0,
    ) -> None:
        self.backend = backend
        self.reasks = reasks
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._memory = _answer_memory(backend)
        learned = self._memory.learned_json_mode() if self._memory else None
        self.json_mode: JsonMode = learned or "schema"
        self.spent = CallStats()
        self._lock = threading.Lock()

    def structured(
        self,
        build_messages: MessagesBuilder,
        output: type[T],
        schema: dict[str, Any],
        stats: CallStats | None = None,
    ) -> tuple[T, CallStats]:
        """The validated answer, and ``stats`` (new if not given) with this call's cost added.

        Pass ``stats`` to keep the cost of a call that raises: it is added either way.
        """
        stats = stats if stats is not None else CallStats()
        spent = CallStats()
        try:
            try:
                return self._ask(build_messages, output, schema, spent), stats
            except SchemaRejectedError:
                self._fall_back_to_json_object()
                return self._ask(build_messages, output, schema, spent), stats
        finally:
            stats.add(spent)
            with self._lock:
                self.spent.add(spent)

    def _fall_back_to_json_object(self) -> None:
        """Later calls, and later runs (through the cache), skip the rejected mode."""
        with self._lock:
            self.json_mode = "object"
        if self._memory is not None:
            self._memory.learn_json_mode("object")

    def _ask(
        self,
        build_messages: MessagesBuilder,
        output: type[T],
        schema: dict[str, Any],
        stats: CallStats,
    ) -> T:
        json_mode = self.json_mode
        messages = build_messages(json_mode)
        last_text = ""
        for attempt in range(self.reasks + 1):
            request = ChatRequest(
                messages=messages,
                json_schema=schema,
                schema_name=output.__name__.lower(),
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                json_mode=json_mode,
            )
            response, result = self._answer(request, output, stats)
            if response.finish_reason in ("refusal", "content_filter"):
                reason = response.refusal or "content filter"
                raise ModelError(f"the model declined to brief this article: {reason}")
            last_text = response.text
            if isinstance(result, output):
                return result
            if attempt < self.reasks:
                stats.reasks += 1
                messages = (*messages, ("assistant", response.text), ("user", str(result)))
        raise BriefValidationError(
            f"the model's answer was not a valid brief after {self.reasks + 1} attempts",
            last_output=last_text,
            attempts=self.reasks + 1,
        )

    def _answer(
        self, request: ChatRequest, output: type[T], stats: CallStats
    ) -> tuple[ChatResponse, T | str]:
        """One answer and its validation; the cache keeps it only if it validates."""
        response = self._complete(request, stats)
        result = _problem_with(response, output)
        if response.cached and not isinstance(result, output) and self._memory is not None:
            # Never replay a failure (kept by an older briefer, or a damaged row): ask again.
            self._memory.forget(request)
            response = self._complete(request, stats)
            result = _problem_with(response, output)
        stats.record(response)
        if isinstance(result, output) and self._memory is not None:
            self._memory.remember(request, response)
        return response, result

    def _complete(self, request: ChatRequest, stats: CallStats) -> ChatResponse:
        try:
            return self.backend.complete(request)
        except Exception as error:
            stats.charge(spent_on(error))
            raise


def _answer_memory(backend: Backend) -> AnswerMemory | None:
    """The cache in ``backend``'s chain: wrappers (metering, concurrency bounds) that keep
    their inner backend as ``.inner`` are looked through."""
    layer: object = backend
    for _ in range(8):
        if isinstance(layer, AnswerMemory):
            return layer
        layer = getattr(layer, "inner", None)
        if layer is None:
            break
    return None


def _problem_with(response: ChatResponse, output: type[T]) -> T | str:
    """The validated output, or the instruction to send back to the model."""
    if response.finish_reason == "length":
        return (
            "Your answer was cut off before the JSON was complete. Answer again with the same "
            "JSON object, but shorter: fewer items and shorter strings."
        )
    if response.finish_reason in ("refusal", "content_filter"):
        return "declined"
    text = _json_text(response.text)
    try:
        return output.model_validate_json(text)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'root'}: {e['msg']}"
            for e in error.errors()[:8]
        )
        return (
            f"Your answer is not valid: {details}. "
            "Answer again with only the corrected JSON object."
        )


_WHOLE_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)\n?[ \t]*```", re.DOTALL)


def _json_text(text: str) -> str:
    """The JSON in a model's answer: the answer itself, or what one ``` fence around the
    whole answer holds, or the outermost ``{…}`` of prose around it.

    Fences inside the JSON (an article quoting code) are string content, never stripped.
    """
    body = text.strip()
    fenced = _WHOLE_FENCE.fullmatch(body)
    if fenced:
        body = fenced.group(1).strip()
    if _parses(body):
        return body
    start, end = body.find("{"), body.rfind("}")
    return body[start : end + 1] if 0 <= start < end else body


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
