"""An OpenAI-compatible endpoint as a backend, and the one retry layer in front of it.

``OpenAIBackend`` makes one chat-completion request and checks that what came back is a
chat completion (an HTML login page or an empty ``choices`` list is a one-line
``ModelError``, not a traceback). ``RetryingBackend`` retries what is worth retrying and
counts every request that reached the endpoint, so a brief's ``calls`` include the
attempts that failed (see ``backends.charge``); what an SDK error means (transient,
billed, in a few words) is ``backends.openai_errors``. A response's ``seconds`` are the
HTTP exchange alone, so the SDK's local work (building its client, its request, parsing
the answer) never counts as time spent on the model.

The openai SDK's own retries are turned off (``max_retries=0``) so attempts never multiply.
The SDK (half a second to import) is imported when the first request is sent, so a brief
the response cache answers never loads it. Every wait goes through :func:`sleep`, its length through :func:`jitter`, and the clocks
through :func:`monotonic` and :func:`wall_clock`, so tests replace them instead of waiting.
"""

from __future__ import annotations

import email.utils
import json
import math
import random
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlparse

from pydantic import ValidationError

from briefer.backends import (
    Backend,
    ChatRequest,
    ChatResponse,
    FinishReason,
    SchemaRejectedError,
    charge,
    spent_on,
)
from briefer.backends.openai_errors import (
    connection_problem,
    describe,
    is_transient,
    mentions_schema,
    rate_limited,
    reached_endpoint,
)
from briefer.errors import InputError, ModelError
from briefer.schema import Usage, hosted_json_schema
from briefer.urls import is_http_url

if TYPE_CHECKING:
    import openai
    from tenacity import RetryCallState

MAX_RETRY_AFTER = 60.0
DEFAULT_BASE_URL = "https://api.openai.com/v1"  # the SDK's own default
BACKOFF_FIRST = 0.5  # seconds: the widest first wait; each later window doubles
BACKOFF_MAX = 20.0
_BASE_URL_FIX = (
    "check OPENAI_BASE_URL / --base-url (an OpenAI-compatible API, usually ending in /v1)"
)


def sleep(seconds: float) -> None:
    """Every wait between attempts of a model call (tests replace this)."""
    time.sleep(seconds)


def jitter(low: float, high: float) -> float:
    """Where in its window ``[low, high]`` a backoff wait falls: anywhere ("full jitter")."""
    return random.uniform(low, high)


def monotonic() -> float:
    """The clock ``max_seconds`` is measured on (tests replace this)."""
    return time.monotonic()


def wall_clock() -> float:
    """Now, for a Retry-After given as an HTTP date (tests replace this)."""
    return time.time()


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
        # Given to the SDK always, so it never reads OPENAI_BASE_URL itself (config does).
        self.base_url = base_url or DEFAULT_BASE_URL
        check_base_url(self.base_url)
        self.endpoint = endpoint_host(self.base_url)
        self._client_options: dict[str, Any] = {
            "api_key": api_key or "not-needed",  # local servers (vLLM, Ollama) accept any key
            "timeout": timeout,
            "http_client": http_client,
        }
        self._sdk_client: openai.OpenAI | None = None
        self._client_lock = threading.Lock()

    @property
    def _client(self) -> openai.OpenAI:
        """The SDK client, built (and the SDK imported) on the first request."""
        with self._client_lock:
            if self._sdk_client is None:
                import openai

                self._sdk_client = openai.OpenAI(
                    base_url=self.base_url, max_retries=0, **self._client_options
                )
            return self._sdk_client

    def complete(self, request: ChatRequest) -> ChatResponse:
        """One request; its ``seconds`` are the wait on the endpoint alone (request sent to
        answer read, as the HTTP client timed it), not the SDK's local work around it."""
        import openai

        completions = self._client.chat.completions.with_raw_response
        try:
            answer = completions.create(**chat_body(self.model, request))
            completion = answer.parse()
        except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
            if request.json_mode == "schema" and mentions_schema(error):
                rejected = SchemaRejectedError(str(error.message))
                charge(rejected, attempts=1)
                raise rejected from error
            raise
        except json.JSONDecodeError:  # the SDK parses a JSON content type without checking it
            self._fail(
                f"the endpoint {self.endpoint} answered a body that is not valid JSON (cut off, "
                f"or not the API); {_BASE_URL_FIX}"
            )
        return self.response_from(completion, answer.elapsed.total_seconds())

    def response_from(self, completion: object, seconds: float) -> ChatResponse:
        """A chat completion (live, or one line of a batch's output) as a ``ChatResponse``
        that took ``seconds`` of waiting on the model."""
        choice = self._first_choice(completion)
        refusal = getattr(choice.message, "refusal", None)
        usage = _usage(completion)
        model = (
            name if isinstance(name := getattr(completion, "model", None), str) and name else None
        )
        try:  # the SDK builds its objects without validating them: any field may be any type
            return ChatResponse(
                text=choice.message.content or "",
                finish_reason="refusal" if refusal else _finish_reason(choice.finish_reason),
                refusal=refusal,
                usage=usage,
                model=model or self.model,
                seconds=seconds,
            )
        except ValidationError as error:
            field = str(error.errors()[0]["loc"][0])
            self._fail(
                f"the endpoint {self.endpoint} answered a chat completion whose "
                f"message.{'content' if field == 'text' else field} is not text; check --model / BRIEFER_MODEL and the endpoint's logs",
                usage=usage,
            )

    def _first_choice(self, completion: object) -> Any:
        """The completion's first choice; a ModelError naming the endpoint when there is none."""
        from openai.types.chat import ChatCompletion

        if isinstance(completion, str):  # the SDK hands back the text of a non-JSON answer
            what = (
                "an HTML page, not the API (a login or proxy page?)"
                if re.match(r"\s*<", completion)
                else "text that is not JSON"
            )
            self._fail(f"the endpoint {self.endpoint} answered with {what}; {_BASE_URL_FIX}")
        if not isinstance(completion, ChatCompletion) or completion.choices is None:
            self._fail(
                f"the endpoint {self.endpoint} answered JSON that is not a chat completion; "
                + _BASE_URL_FIX
            )
        if not completion.choices or getattr(completion.choices[0], "message", None) is None:
            self._fail(
                f"the endpoint {self.endpoint} answered a chat completion with no choices; "
                "check --model / BRIEFER_MODEL, and the endpoint's logs (it may filter the prompt)",
                usage=_usage(completion),
            )
        return completion.choices[0]

    def _fail(self, message: str, *, usage: Usage | None = None) -> NoReturn:
        error = ModelError(message)
        charge(error, attempts=1, usage=usage)
        raise error


def chat_body(model: str, request: ChatRequest) -> dict[str, Any]:
    """The chat-completion request body for ``request``: what a live call sends, and what a
    batch line's ``body`` holds, so both get the same answer (and the same cache key)."""
    return {
        "model": model,
        "messages": request.message_dicts(),
        "response_format": _response_format(model, request),
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }


def _response_format(model: str, request: ChatRequest) -> dict[str, Any]:
    if request.json_mode == "schema" and request.json_schema is not None:
        schema = hosted_json_schema(request.json_schema, fine_tuned=model.startswith("ft:"))
        return {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": schema, "strict": True},
        }
    return {"type": "json_object"}


def check_base_url(url: object) -> None:
    """An InputError (exit 2, before any call) unless ``url`` is http(s) with a host.

    The value itself is not shown: a key pasted into the wrong variable must not be printed.
    """
    valid = is_http_url(str(url))
    if not valid:
        raise InputError(
            "OPENAI_BASE_URL / --base-url: not an http(s) URL with a host name; set it to the "
            "endpoint's address, e.g. http://localhost:8000/v1, or unset it for api.openai.com"
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


def _usage(completion: object) -> Usage:
    """The reported token counts; 0 for any count that is missing or not a whole number."""
    usage = getattr(completion, "usage", None)

    def count(name: str) -> int:
        value = getattr(usage, name, None)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    return Usage(prompt_tokens=count("prompt_tokens"), completion_tokens=count("completion_tokens"))


def _finish_reason(reason: str | None) -> FinishReason:
    known: dict[str | None, FinishReason] = {
        "stop": "stop",
        "length": "length",
        "content_filter": "content_filter",
    }
    return known.get(reason, "other")


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's Retry-After (``retry-after-ms`` or seconds or an HTTP date), capped.

    None when there is none, or when it is neither a number nor a date: the backoff waits.
    """
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    seconds: float | None = None
    if headers.get("retry-after-ms"):
        milliseconds = _number(headers["retry-after-ms"])
        seconds = None if milliseconds is None else milliseconds / 1000
    if seconds is None and headers.get("retry-after"):
        seconds = _parse_retry_after(headers["retry-after"])
    return None if seconds is None else max(0.0, min(seconds, MAX_RETRY_AFTER))


def _parse_retry_after(value: str) -> float | None:
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (ValueError, OverflowError):  # not a date either: a garbled header is no crash
        return None
    return parsed.timestamp() - wall_clock()


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


class _Tally:
    """Requests of one ``RetryingBackend.complete`` that reached the endpoint, and their usage."""

    def __init__(self) -> None:
        self.attempts = 0
        self.usage = Usage()

    def failed(self, error: BaseException) -> None:
        import openai

        if isinstance(error, openai.APIError):
            self.attempts += reached_endpoint(error)
        else:  # the inner backend said what it spent
            spent = spent_on(error)
            self.attempts += spent.attempts
            self.usage = self.usage + spent.usage


class RetryingBackend:
    """The single retry layer: exponential backoff with jitter, honouring Retry-After."""

    def __init__(
        self,
        inner: Backend,
        *,
        max_attempts: int = 5,
        max_seconds: float = 120.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.inner = inner
        self.name, self.model, self.endpoint = inner.name, inner.model, inner.endpoint
        self.max_attempts = max_attempts
        self.max_seconds = max_seconds
        self._sleep = sleep  # None: the module's sleep(), looked up at each wait

    def complete(self, request: ChatRequest) -> ChatResponse:
        # tenacity is imported with the first request, as the SDK is: a cached brief needs neither.
        from tenacity import Retrying, retry_if_exception, wait_exponential

        window = wait_exponential(multiplier=BACKOFF_FIRST, max=BACKOFF_MAX)
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=_Stop(self.max_attempts, self.max_seconds),
            wait=lambda state: self._wait(state, window),
            sleep=self._pause,
            reraise=True,
        )
        tally = _Tally()

        def attempt() -> ChatResponse:
            try:
                return self.inner.complete(request)
            except Exception as error:
                tally.failed(error)
                raise

        try:
            response = retrying(attempt)
        except Exception as error:
            final = self._translate(error)
            charge(final, attempts=tally.attempts, usage=tally.usage)
            if final is error:
                raise
            raise final from error
        attempts, usage = tally.attempts + response.attempts, response.usage + tally.usage
        return response.model_copy(update={"attempts": attempts, "usage": usage})

    def _translate(self, error: Exception) -> Exception:
        """The one-line error a user sees for what the endpoint did (others pass as they are)."""
        import openai

        if isinstance(error, openai.AuthenticationError):
            return InputError(
                f"the endpoint {self.endpoint} rejected the API key; check OPENAI_API_KEY"
            )
        if isinstance(error, openai.NotFoundError):
            return InputError(
                f"the endpoint {self.endpoint} has no model {self.model!r}; "
                "check --model / BRIEFER_MODEL"
            )
        if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
            return ModelError(
                f"could not reach {self.endpoint} ({connection_problem(error)}); "
                "check OPENAI_BASE_URL and the network"
            )
        if isinstance(error, openai.PermissionDeniedError):
            return InputError(
                f"the endpoint {self.endpoint} refused the request (HTTP 403); check that "
                f"OPENAI_API_KEY may use model {self.model!r} there (its project, organisation "
                "or region)"
            )
        if isinstance(error, openai.APIStatusError) and not is_transient(error):
            return ModelError(
                f"the endpoint {self.endpoint} refused the request (HTTP {error.status_code}); "
                "check --model, --max-output-tokens and the endpoint's logs"
            )
        if isinstance(error, openai.APIError):
            wait = " (or raise max_attempts in briefer.toml)" if rate_limited(error) else ""
            return ModelError(
                f"model call failed after retries: {describe(error)}; try again later{wait}"
            )
        return error

    def _wait(self, state: RetryCallState, window: Callable[[RetryCallState], float]) -> float:
        error = state.outcome.exception() if state.outcome else None
        server_says = retry_after_seconds(error) if error else None
        return server_says if server_says is not None else jitter(0.0, float(window(state)))

    def _pause(self, seconds: float) -> None:
        (self._sleep or sleep)(seconds)


class _Stop:
    """tenacity's ``stop_after_attempt | stop_after_delay``, the delay on :func:`monotonic`:
    the ``attempts``-th failed attempt is the last, and so is any once ``seconds`` have
    passed since the first."""

    def __init__(self, attempts: int, seconds: float) -> None:
        self.attempts = attempts
        self.seconds = seconds
        self.started = monotonic()

    def __call__(self, retry_state: RetryCallState) -> bool:
        out_of_attempts = retry_state.attempt_number >= self.attempts
        return out_of_attempts or monotonic() - self.started >= self.seconds
