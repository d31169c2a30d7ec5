"""The model client: the structured-output loop that validates answers and re-asks with
the validation error, over whatever backend stack it is given.

Layers, outermost first::

    ModelClient.structured()  validate as pydantic, re-ask on invalid/truncated output;
                              only an answer that validates is kept by the cache
    CachedBackend             answer repeated requests from SQLite, zero calls
    RetryingBackend           tenacity: 429/5xx/timeouts/connection errors, Retry-After
    OpenAIBackend | LocalBackend | FakeBackend   one HTTP call, one local generation, a queue

The backends and their wrappers live in ``briefer.backends`` (stacked by
``backends.stack.build_backend``). The client keeps the one usage tally
(``backends.tally.Tally``): every request that reached the endpoint, retried attempts,
re-asks, a rejected ``json_schema`` and the calls of briefs that failed included, so a
run's cost is never under-reported.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from briefer.backends import (
    AnswerMemory,
    Backend,
    ChatRequest,
    ChatResponse,
    JsonMode,
    SchemaRejectedError,
    spent_on,
)
from briefer.backends.tally import Tally
from briefer.errors import BriefValidationError, ModelError

__all__ = ["ModelClient"]

T = TypeVar("T", bound=BaseModel)
MessagesBuilder = Callable[[str], tuple[tuple[str, str], ...]]


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
        self.spent = Tally()
        self._lock = threading.Lock()

    def structured(
        self,
        build_messages: MessagesBuilder,
        output: type[T],
        schema: dict[str, Any],
        stats: Tally | None = None,
    ) -> tuple[T, Tally]:
        """The validated answer, and ``stats`` (new if not given) with this call's cost added.

        Pass ``stats`` to keep the cost of a call that raises: it is added either way.
        """
        stats = stats if stats is not None else Tally()
        spent = Tally()
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
        stats: Tally,
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
        self, request: ChatRequest, output: type[T], stats: Tally
    ) -> tuple[ChatResponse, T | str]:
        """One answer and its validation; the cache keeps it only if it validates."""
        response = self._complete(request, stats)
        result = _problem_with(response, output)
        if response.cached and not isinstance(result, output) and self._memory is not None:
            # Never replay a failure (kept by an older briefer, or a damaged row): ask again.
            self._memory.forget(request)
            response = self._complete(request, stats)
            result = _problem_with(response, output)
        stats.answered(response)
        if isinstance(result, output) and self._memory is not None:
            self._memory.remember(request, response)
        return response, result

    def _complete(self, request: ChatRequest, stats: Tally) -> ChatResponse:
        try:
            return self.backend.complete(request)
        except Exception as error:
            stats.failed(spent_on(error))
            raise


def _answer_memory(backend: Backend) -> AnswerMemory | None:
    """The cache in ``backend``'s chain: wrappers (the stop and concurrency bounds) that keep
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
