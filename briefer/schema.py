"""The brief's JSON contract, as pydantic models (the single source of truth).

Two layers:

* ``BriefDraft`` and its items are what a model is asked to write. Their JSON Schema
  (with hard caps on list lengths and string lengths, so a small model cannot run away)
  is sent as ``response_format``.
* ``Brief`` is what briefer outputs: the draft's fields, each item marked ``grounded``
  by the grounding stage, plus the article reference and run metadata.

Gold briefs in ``evals/gold`` use the draft fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

MAX_ACTORS = 8
MAX_CLAIMS = 8
MAX_NUMBERS = 10
MAX_QUESTIONS = 4


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActorDraft(_Strict):
    name: str = Field(max_length=80, description="The actor's name as the article gives it.")
    role: str = Field(max_length=160, description="Who the actor is in this story.")


class ClaimDraft(_Strict):
    text: str = Field(max_length=300, description="The claim, in one short sentence.")
    attributed_to: str | None = Field(
        max_length=80, description="Who makes the claim; null when the article itself asserts it."
    )
    evidence: str = Field(
        max_length=300, description="A short span copied word for word from the article."
    )


class NumberDraft(_Strict):
    value: float = Field(description="The number as a plain value: '50 thousand' is 50000.")
    unit: str | None = Field(
        max_length=40, description="What is counted or the unit: 'soldiers', '%', 'USD'."
    )
    text: str = Field(max_length=80, description="The number exactly as written in the article.")
    context: str = Field(max_length=160, description="What the number counts, briefly.")


class BriefDraft(_Strict):
    title: str = Field(max_length=160)
    summary: str = Field(max_length=600, description="One to three sentences.")
    actors: list[ActorDraft] = Field(max_length=MAX_ACTORS)
    claims: list[ClaimDraft] = Field(max_length=MAX_CLAIMS)
    numbers: list[NumberDraft] = Field(max_length=MAX_NUMBERS)
    open_questions: list[str] = Field(max_length=MAX_QUESTIONS)


class Actor(ActorDraft):
    grounded: bool = False


class Claim(ClaimDraft):
    grounded: bool = False


class Number(NumberDraft):
    grounded: bool = False


class ArticleRef(_Strict):
    id: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    date: str | None = None


class Usage(_Strict):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class GroundingCounts(_Strict):
    grounded: int = 0
    ungrounded: int = 0
    dropped: int = 0


class BriefMeta(_Strict):
    model: str
    backend: str
    endpoint_host: str | None = None
    prompt_version: str
    prompt_hash: str
    usage: Usage = Field(default_factory=Usage)
    calls: int = 0
    cache_hits: int = 0
    chunks: int = 1
    reasks: int = 0
    seconds: float = 0.0
    model_seconds: float = 0.0
    grounding: GroundingCounts = Field(default_factory=GroundingCounts)
    strict: bool = False


class Brief(_Strict):
    schema_version: str = SCHEMA_VERSION
    title: str
    summary: str
    actors: list[Actor]
    claims: list[Claim]
    numbers: list[Number]
    open_questions: list[str]
    article: ArticleRef
    meta: BriefMeta


def draft_json_schema() -> dict[str, Any]:
    """JSON Schema of ``BriefDraft`` in the shape strict structured outputs accept.

    Every property is required and no extra keys are allowed; pydantic's ``maxLength``
    and ``maxItems`` bounds stay in, since grammars (llama.cpp) honour them and they are
    what stops a small model from copying paragraphs.
    """
    schema = BriefDraft.model_json_schema()
    _require_all(schema)
    for definition in schema.get("$defs", {}).values():
        _require_all(definition)
    return schema


def _require_all(node: dict[str, Any]) -> None:
    properties = node.get("properties")
    if isinstance(properties, dict):
        node["required"] = list(properties)
        node["additionalProperties"] = False
        for prop in properties.values():
            prop.pop("title", None)
    node.pop("title", None)
