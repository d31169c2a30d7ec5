"""The model client: an OpenAI-compatible backend, one retry layer, the cache, and the
structured-output loop that validates answers and re-asks with the validation error.

Layers, outermost first::

    ModelClient.structured()  validate as pydantic, re-ask on invalid/truncated output
    CachedBackend             answer repeated requests from SQLite, zero calls
    RetryingBackend           tenacity: 429/5xx/timeouts/connection errors, Retry-After
    OpenAIBackend | LocalBackend | a test double   one HTTP call or one local generation

The openai SDK's own retries are turned off (``max_retries=0``) so attempts never multiply.
"""

from __future__ import annotations

import email.utils
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlparse

import openai
from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from briefer.backends import Backend, ChatRequest, ChatResponse, FinishReason, SchemaRejectedError
from briefer.cache import ResponseCache, cache_key
from briefer.errors import BriefValidationError, InputError, ModelError
from briefer.schema import Usage, hosted_json_schema

T = TypeVar("T", bound=BaseModel)
MessagesBuilder = Callable[[str], tuple[tuple[str, str], ...]]

MAX_RETRY_AFTER = 60.0


class OpenAIBackend:
    """One chat completion against any OpenAI-compatible endpoint."""

    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        http_client: Any = None,
    ) -> None:
        self.model = model
        self._client = openai.OpenAI(
            api_key=api_key or "not-needed",  # local servers (vLLM, Ollama) accept any key
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
        )
        self.endpoint = endpoint_host(str(self._client.base_url))

    def complete(self, request: ChatRequest) -> ChatResponse:
        started = time.monotonic()
        try:
            completion = self._client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                messages=request.message_dicts(),
                response_format=_response_format(request, self.model),
                max_tokens=request.max_tokens,
                temperature=request.temperature,
            )
        except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
            if request.json_mode == "schema" and _mentions_schema(error):
                raise SchemaRejectedError(str(error.message)) from error
            raise
        choice = completion.choices[0]
        usage = completion.usage
        refusal = getattr(choice.message, "refusal", None)
        return ChatResponse(
            text=choice.message.content or "",
            finish_reason="refusal" if refusal else _finish_reason(choice.finish_reason),
            refusal=refusal,
            usage=Usage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
            ),
            model=completion.model or self.model,
            seconds=time.monotonic() - started,
        )


def endpoint_host(url: str) -> str:
    """``host[:port]`` of an endpoint URL: never its credentials, path or query."""
    parsed = urlparse(url)
    try:
        host, port = parsed.hostname or "", parsed.port
    except ValueError:  # a port that is not a number
        host, port = parsed.hostname or "", None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def _response_format(request: ChatRequest, model: str) -> dict[str, Any]:
    if request.json_mode == "schema" and request.json_schema is not None:
        schema = hosted_json_schema(request.json_schema, fine_tuned=model.startswith("ft:"))
        return {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": schema, "strict": True},
        }
    return {"type": "json_object"}


def _mentions_schema(error: openai.APIStatusError) -> bool:
    return bool(re.search(r"response_format|json_schema|schema", str(error.message), re.IGNORECASE))


def _finish_reason(reason: str | None) -> FinishReason:
    known: dict[str | None, FinishReason] = {
        "stop": "stop",
        "length": "length",
        "content_filter": "content_filter",
    }
    return known.get(reason, "other")


def is_transient(error: BaseException) -> bool:
    """Errors worth another attempt: rate limits, server errors, timeouts, dropped connections."""
    if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return False


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's Retry-After (``retry-after-ms`` or seconds or an HTTP date), capped."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    seconds: float | None = None
    if headers.get("retry-after-ms"):
        try:
            seconds = float(headers["retry-after-ms"]) / 1000
        except ValueError:
            seconds = None
    if seconds is None and headers.get("retry-after"):
        seconds = _parse_retry_after(headers["retry-after"])
    return None if seconds is None else max(0.0, min(seconds, MAX_RETRY_AFTER))


def _parse_retry_after(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return parsed.timestamp() - time.time() if parsed else None


class RetryingBackend:
    """The single retry layer: exponential backoff with jitter, honouring Retry-After."""

    def __init__(
        self,
        inner: Backend,
        *,
        max_attempts: int = 5,
        max_seconds: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.name, self.model, self.endpoint = inner.name, inner.model, inner.endpoint
        self.max_attempts = max_attempts
        self.max_seconds = max_seconds
        self._sleep = sleep
        self._backoff = wait_random_exponential(multiplier=0.5, max=20)

    def complete(self, request: ChatRequest) -> ChatResponse:
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(self.max_seconds),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self.inner.complete, request)
        except openai.AuthenticationError as error:
            raise InputError(
                f"the endpoint {self.endpoint} rejected the API key; check OPENAI_API_KEY"
            ) from error
        except openai.NotFoundError as error:
            raise InputError(
                f"the endpoint {self.endpoint} has no model {self.model!r}; check --model / BRIEFER_MODEL"
            ) from error
        except openai.APIConnectionError as error:  # includes APITimeoutError
            raise ModelError(
                f"could not reach {self.endpoint} ({_connection_problem(error)}); "
                "check OPENAI_BASE_URL and the network"
            ) from error
        except openai.APIError as error:
            raise ModelError(f"model call failed after retries: {_describe(error)}") from error

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        server_says = retry_after_seconds(error) if error else None
        return server_says if server_says is not None else float(self._backoff(state))


def _connection_problem(error: openai.APIConnectionError) -> str:
    """What went wrong under a connection error, in a few words (never a URL or a key)."""
    if isinstance(error, openai.APITimeoutError):
        return "timed out"
    cause: BaseException | None = error
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host not found"
        if isinstance(cause, ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(cause, TimeoutError):
            return "timed out"
        cause = cause.__cause__ or cause.__context__
    return "connection failed"


def _describe(error: openai.APIError) -> str:
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code} from the endpoint"
    return type(error).__name__


class CachedBackend:
    def __init__(self, inner: Backend, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name, self.model, self.endpoint = inner.name, inner.model, inner.endpoint

    def complete(self, request: ChatRequest) -> ChatResponse:
        key = cache_key(self.name, self.endpoint, self.model, request)
        hit = self.cache.get(key)
        if hit is not None:
            return hit.model_copy(update={"cached": True, "seconds": 0.0})
        response = self.inner.complete(request)
        # Only whole JSON answers are kept: replaying a broken one would repeat its re-ask
        # even after whatever broke it (a model, a grammar) is fixed.
        if response.finish_reason == "stop" and _is_json(response.text):
            self.cache.put(key, self.model, response)
        return response


def _is_json(text: str) -> bool:
    try:
        json.loads(_json_text(text))
    except ValueError:
        return False
    return True


@dataclass
class CallStats:
    calls: int = 0
    cache_hits: int = 0
    reasks: int = 0
    usage: Usage = field(default_factory=Usage)
    model_seconds: float = 0.0

    def add(self, other: CallStats) -> None:
        self.calls += other.calls
        self.cache_hits += other.cache_hits
        self.reasks += other.reasks
        self.usage = self.usage + other.usage
        self.model_seconds += other.model_seconds

    def record(self, response: ChatResponse) -> None:
        if response.cached:
            self.cache_hits += 1
        else:
            self.calls += 1
            self.usage = self.usage + response.usage
            self.model_seconds += response.seconds


class ModelClient:
    """Asks a backend for output that validates as a pydantic model, re-asking when it does not."""

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
        self.json_mode = "schema"
        self._mode_lock = threading.Lock()

    def structured(
        self,
        build_messages: MessagesBuilder,
        output: type[T],
        schema: dict[str, Any],
    ) -> tuple[T, CallStats]:
        stats = CallStats()
        try:
            return self._ask(build_messages, output, schema, stats), stats
        except SchemaRejectedError:
            with self._mode_lock:
                self.json_mode = "object"  # remembered: later calls skip the rejected mode
            return self._ask(build_messages, output, schema, stats), stats

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
                json_mode="schema" if json_mode == "schema" else "object",
            )
            response = self.backend.complete(request)
            stats.record(response)
            if response.finish_reason in ("refusal", "content_filter"):
                reason = response.refusal or "content filter"
                raise ModelError(f"the model declined to brief this article: {reason}")
            last_text = response.text
            problem = _problem_with(response, output)
            if isinstance(problem, output):
                return problem
            if attempt < self.reasks:
                stats.reasks += 1
                messages = (*messages, ("assistant", response.text), ("user", str(problem)))
        raise BriefValidationError(
            f"the model's answer was not a valid brief after {self.reasks + 1} attempts",
            last_output=last_text,
            attempts=self.reasks + 1,
        )


def _problem_with(response: ChatResponse, output: type[T]) -> T | str:
    """The validated output, or the instruction to send back to the model."""
    if response.finish_reason == "length":
        return (
            "Your answer was cut off before the JSON was complete. Answer again with the same "
            "JSON object, but shorter: fewer items and shorter strings."
        )
    text = _json_text(response.text)
    try:
        return output.model_validate_json(text)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'root'}: {e['msg']}"
            for e in error.errors()[:8]
        )
        return f"Your answer is not valid: {details}. Answer again with only the corrected JSON object."


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
