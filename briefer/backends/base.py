"""What every model backend speaks: one chat request in, one completion out.

A backend only turns a ``ChatRequest`` into a ``ChatResponse``. Retries, the concurrency
bound and the response cache are ``Wrapper``s stacked in one place (``backends.stack``);
schema validation with re-asks, and counting what the calls cost, are ``llm.ModelClient``'s,
so the OpenAI-compatible, the local and the fake backend share all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from briefer.schema import Usage

FinishReason = Literal["stop", "length", "refusal", "content_filter", "other"]
JsonMode = Literal["schema", "object"]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: tuple[tuple[str, str], ...] = Field(description="(role, content) pairs.")
    json_schema: dict[str, Any] | None = None
    schema_name: str = "brief"
    max_tokens: int = 1500
    temperature: float = 0.0
    json_mode: JsonMode = "schema"

    def message_dicts(self) -> list[dict[str, str]]:
        return [{"role": role, "content": content} for role, content in self.messages]


class ChatResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    finish_reason: FinishReason = "stop"
    refusal: str | None = None
    usage: Usage = Field(default_factory=Usage)
    model: str = ""
    cached: bool = False
    seconds: float = 0.0
    attempts: int = Field(
        default=1,
        ge=0,
        description="Requests this answer took (failed attempts that reached the endpoint too).",
    )


@runtime_checkable
class Backend(Protocol):
    """A model that completes chat requests. ``name`` is 'openai', 'local' or 'fake'."""

    name: str
    model: str
    endpoint: str

    def complete(self, request: ChatRequest) -> ChatResponse: ...


class Wrapper:
    """A backend around another: it keeps the inner one's identity and, by default, passes
    every request through; a wrapper overrides ``complete`` to change how a call runs."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name, self.model, self.endpoint = inner.name, inner.model, inner.endpoint

    def complete(self, request: ChatRequest) -> ChatResponse:
        return self.inner.complete(request)


@runtime_checkable
class AnswerMemory(Protocol):
    """A backend that keeps answers only once the caller accepted them (``CachedBackend``).

    ``complete`` may replay a kept answer (``cached=True``); the caller validates it and
    ``forget``s one that no longer passes, ``remember``s a fresh one that does, so no
    failure is ever replayed. It also keeps which ``json_mode`` the endpoint accepts.
    """

    def remember(self, request: ChatRequest, response: ChatResponse) -> None: ...

    def forget(self, request: ChatRequest) -> None: ...

    def learned_json_mode(self) -> JsonMode | None: ...

    def learn_json_mode(self, mode: JsonMode) -> None: ...


class Deferred(Exception):
    """The request was not answered now but queued (for a batch); its brief waits for it."""


class SchemaRejectedError(Exception):
    """The endpoint does not accept ``json_schema`` response formats; retry in json mode."""


@dataclass(frozen=True)
class Spent:
    """What a failed call cost before it raised: requests that reached the endpoint, tokens."""

    attempts: int = 0
    usage: Usage = field(default_factory=Usage)


_SPENT = "_briefer_spent"


def charge(error: BaseException, *, attempts: int, usage: Usage | None = None) -> None:
    """Note on ``error`` what its call spent, so the run's accounting can count it."""
    setattr(error, _SPENT, Spent(attempts, usage or Usage()))


def spent_on(error: BaseException) -> Spent:
    """What ``charge`` noted on ``error`` (nothing, for an error no backend charged)."""
    spent = getattr(error, _SPENT, None)
    return spent if isinstance(spent, Spent) else Spent()
