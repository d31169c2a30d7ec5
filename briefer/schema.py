"""The brief's JSON contract, as pydantic models (the single source of truth).

Three layers:

* ``BriefDraft`` and its items: the brief's content fields, as gold briefs are written and
  as the merge step condenses them.
* ``CitedDraft`` is what a model is asked to write: the same brief, but claims cite a
  sentence id and numbers are the ids of listed quantities (``briefer.citations`` numbers
  the article's sentences and lists its quantities in the prompt), so evidence, values,
  units and contexts are copied from the article by the pipeline, never retyped by the
  model. ``citations.resolve`` turns it into a ``BriefDraft``.
* ``Brief`` is what briefer outputs: the draft's fields, each item marked ``grounded``
  by the grounding stage, plus the article reference and run metadata.

Gold briefs in ``evals/gold`` use the draft fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

MAX_ACTORS = 8
MAX_CLAIMS = 8
MAX_NUMBERS = 10
MAX_QUESTIONS = 4
MAX_EVIDENCE_CHARS = 300
MAX_CONTEXT_CHARS = 160
MIN_CLAIMS = 5  # asked of the model when the article has that many sentences
# Asked of the model per prompt (the contract allows MAX_CLAIMS after merging chunks): each
# claim costs a local model ~1.5 s, and past six the small model repeats itself.
MODEL_MAX_CLAIMS = 6


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
        max_length=MAX_EVIDENCE_CHARS,
        description="A short span copied word for word from the article.",
    )


class NumberDraft(_Strict):
    value: float = Field(description="The number as a plain value: '50 thousand' is 50000.")
    unit: str | None = Field(
        max_length=40, description="What is counted or the unit: 'soldiers', '%', 'USD'."
    )
    text: str = Field(max_length=80, description="The number exactly as written in the article.")
    context: str = Field(
        max_length=MAX_CONTEXT_CHARS, description="What the number counts, briefly."
    )


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


HeadlineStatus = Literal["ok", "reasked", "replaced"]


class HeadlineProblem(_Strict):
    """Something the title or summary states that the article does not."""

    field: Literal["title", "summary"]
    kind: Literal["name", "number", "role"]
    text: str = Field(description="The name, number or role phrase as the field writes it.")
    message: str


class HeadlineChecks(_Strict):
    """How the title and summary were checked against the article (``briefer.headline``).

    ``ok``: the model's first answer is supported; ``reasked``: it was not, and the
    corrected answer of one more call is; ``replaced``: neither was, and the article's lead
    (its first sentence; first two for the summary) stands in.
    """

    title: HeadlineStatus = "ok"
    summary: HeadlineStatus = "ok"
    problems: list[HeadlineProblem] = Field(
        default_factory=list, description="What the model's first title and summary got wrong."
    )
    reask_problems: list[HeadlineProblem] = Field(
        default_factory=list, description="What the re-asked title and summary still got wrong."
    )


class Headline(_Strict):
    """What a headline re-ask writes: a corrected title and summary."""

    title: str = Field(max_length=100)
    summary: str = Field(max_length=300)


class BriefMeta(_Strict):
    model: str
    backend: str
    endpoint_host: str | None = None
    prompt_version: str
    prompt_hash: str
    usage: Usage = Field(default_factory=Usage, description="Tokens billed for this brief.")
    cached_usage: Usage = Field(
        default_factory=Usage,
        description="Tokens of the answers the response cache replayed (not billed again).",
    )
    calls: int = Field(
        default=0, description="Requests the endpoint received: retries and re-asks included."
    )
    cache_hits: int = 0
    chunks: int = 1
    reasks: int = 0
    seconds: float = 0.0
    model_seconds: float = 0.0
    grounding: GroundingCounts = Field(default_factory=GroundingCounts)
    invalid_citations: int = Field(
        default=0,
        description="Sentence or number ids the model cited that the prompt did not list.",
    )
    strict: bool = False
    headline_checks: HeadlineChecks | None = Field(
        default=None, description="None: not checked (briefs of older versions, baselines)."
    )


class ReportedNumber(_Strict):
    """One source's value in a disagreement."""

    value: float
    text: str = Field(description="As written, with its qualifier: 'at least 10,000'.")
    source: str = Field(description="The site (else the title) of the article that reports it.")
    url: str | None = None
    context: str = Field(description="The clause of the article that states it.")


class Disagreement(_Strict):
    """Two sources of a story report the same counted thing with inconsistent values."""

    counts: str = Field(description="What both count: 'troop', 'repair (GBP)'.")
    values: list[ReportedNumber] = Field(min_length=2, max_length=2)


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
    disagreements: list[Disagreement] = Field(
        default_factory=list,
        description="Sources of a multi-source story that report one counted thing differently.",
    )


# The bounds of what a model writes, also where the pipeline writes those fields itself.
CITED_NAME_CHARS = 60
CITED_ROLE_CHARS = 70
CITED_CLAIM_CHARS = 140


class CitedActor(_Strict):
    name: str = Field(max_length=CITED_NAME_CHARS)
    role: str = Field(max_length=CITED_ROLE_CHARS)


class CitedClaim(_Strict):
    text: str = Field(max_length=CITED_CLAIM_CHARS)
    by: str | None = Field(max_length=60)
    sentence: int


class CitedDraft(_Strict):
    """What the model writes (JSON Schema below, with hard bounds on every string and list).

    Short and flat on purpose: every output token costs a local model about 0.1 s, and
    the bounds are what keeps a small model from copying paragraphs or looping.
    """

    title: str = Field(max_length=100)
    summary: str = Field(max_length=300)
    actors: list[CitedActor] = Field(max_length=MAX_ACTORS)
    claims: list[CitedClaim] = Field(max_length=MAX_CLAIMS)
    numbers: list[int] = Field(max_length=MAX_NUMBERS)
    questions: list[Annotated[str, Field(max_length=120)]] = Field(max_length=MAX_QUESTIONS)


class Selection(_Strict):
    """What the condense pass writes: a title and summary, and which merged items to keep."""

    title: str = Field(max_length=100)
    summary: str = Field(max_length=300)
    actors: list[int] = Field(max_length=MAX_ACTORS)
    claims: list[int] = Field(max_length=MAX_CLAIMS)
    numbers: list[int] = Field(max_length=MAX_NUMBERS)
    questions: list[int] = Field(max_length=MAX_QUESTIONS)


LIST_CAPS = {  # the contract's cap of each list, by its name in the model's answers
    "actors": MAX_ACTORS,
    "claims": MAX_CLAIMS,
    "numbers": MAX_NUMBERS,
    "questions": MAX_QUESTIONS,
}


def selection_json_schema(lengths: dict[str, int]) -> dict[str, Any]:
    """The strict schema of ``Selection`` for lists of these lengths.

    A list within its cap is kept whole (``maxItems`` 0: nothing to choose); in a longer
    one the ids run from 1 to its length.
    """
    schema = strict_json_schema(Selection)
    for field, cap in LIST_CAPS.items():
        length = lengths.get(field, 0)
        node = schema["properties"][field]
        if length <= cap:
            node["maxItems"] = 0
        else:
            node["items"]["enum"] = list(range(1, length + 1))
    return schema


def headline_json_schema() -> dict[str, Any]:
    """The strict schema of ``Headline``, what a headline re-ask answers."""
    return strict_json_schema(Headline)


def cited_json_schema(
    sentence_ids: Sequence[int], number_ids: Sequence[int], actor_names: Sequence[str] = ()
) -> dict[str, Any]:
    """The strict JSON Schema of ``CitedDraft`` for one prompt: ids limited to those it lists.

    With a grammar (llama.cpp) or strict structured outputs the model cannot cite a
    sentence or number that does not exist, nor name an actor the candidates do not hold
    (when there are candidates); other endpoints may, and resolution flags it.
    """
    schema = strict_json_schema(CitedDraft)
    definitions = schema["$defs"]
    _limit_ids(definitions["CitedClaim"]["properties"]["sentence"], sentence_ids)
    _limit_ids(schema["properties"]["numbers"]["items"], number_ids)
    if actor_names:
        definitions["CitedActor"]["properties"]["name"]["enum"] = list(actor_names)
    if not number_ids:
        schema["properties"]["numbers"]["maxItems"] = 0
    # A brief of fewer than five claims says too little (small models stop at two or
    # three); fewer sentences than that allow no more.
    schema["properties"]["claims"]["minItems"] = min(MIN_CLAIMS, len(sentence_ids))
    schema["properties"]["claims"]["maxItems"] = MODEL_MAX_CLAIMS
    if not sentence_ids:
        schema["properties"]["claims"]["maxItems"] = 0
    return schema


def _limit_ids(node: dict[str, Any], ids: Sequence[int]) -> None:
    if ids:
        node["enum"] = list(ids)


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON Schema of ``model`` in the shape strict structured outputs accept.

    Every property is required and no extra keys are allowed; pydantic's ``maxLength``
    and ``maxItems`` bounds stay in, since grammars (llama.cpp) honour them and they are
    what stops a small model from copying paragraphs.
    """
    schema = model.model_json_schema()
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


# -- the schema as hosted endpoints take it ---------------------------------------------------
#
# OpenAI's strict structured outputs accept a subset of JSON Schema ("Supported schemas" in
# the Structured Outputs guide): besides the structural keywords, strings may have
# ``pattern`` and ``format`` (a fixed list), numbers ``multipleOf``, ``maximum``,
# ``exclusiveMaximum``, ``minimum``, ``exclusiveMinimum``, arrays ``minItems`` and
# ``maxItems``; fine-tuned models none of those; at most 1000 enum values in a schema.
# Anything else (``minLength``/``maxLength`` above all) is answered with a 400. The full
# schema still goes to the embedded model's grammar; hosted endpoints get this one, and
# pydantic enforces the dropped bounds on the answer (a re-ask when one is broken).

HOSTED_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "$ref",
        "$defs",
        "definitions",
        "description",
        "title",
    }
)
_NUMBER_BOUNDS = frozenset(
    {"multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"}
)
HOSTED_TYPE_KEYWORDS: dict[str, frozenset[str]] = {
    "string": frozenset({"pattern", "format"}),
    "number": _NUMBER_BOUNDS,
    "integer": _NUMBER_BOUNDS,
    "array": frozenset({"minItems", "maxItems"}),
}
HOSTED_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
HOSTED_MAX_ENUM_VALUES = 1000


def hosted_json_schema(schema: dict[str, Any], *, fine_tuned: bool = False) -> dict[str, Any]:
    """``schema`` inside the subset strict structured outputs accept (a new dict).

    Unsupported keywords are dropped, string lengths said in the description instead
    ("At most 100 characters."); every object gets ``additionalProperties: false`` and all
    its properties required; past 1000 enum values the largest integer enums become a
    ``minimum``/``maximum`` range (dropped for fine-tuned models).
    """
    hosted: dict[str, Any] = _hosted_node(schema, fine_tuned)
    enums = sorted(_enum_nodes(hosted), key=lambda node: len(node["enum"]), reverse=True)
    total = sum(len(node["enum"]) for node in enums)
    for node in enums:
        if total <= HOSTED_MAX_ENUM_VALUES:
            break
        values = node.pop("enum")
        total -= len(values)
        if not fine_tuned and values and all(type(v) is int for v in values):
            node["minimum"], node["maximum"] = min(values), max(values)
    return hosted


def _hosted_node(node: Any, fine_tuned: bool) -> Any:
    if isinstance(node, list):
        return [_hosted_node(item, fine_tuned) for item in node]
    if not isinstance(node, dict):
        return node
    types = node.get("type")
    kinds = types if isinstance(types, list) else [types]
    allowed = set(HOSTED_KEYWORDS)
    if not fine_tuned:
        for kind in kinds:
            allowed |= HOSTED_TYPE_KEYWORDS.get(str(kind), frozenset())
    hosted: dict[str, Any] = {}
    for key, value in node.items():
        if key not in allowed or (key == "format" and value not in HOSTED_FORMATS):
            continue
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            hosted[key] = {name: _hosted_node(child, fine_tuned) for name, child in value.items()}
        elif key in ("items", "anyOf"):
            hosted[key] = _hosted_node(value, fine_tuned)
        else:
            hosted[key] = value
    lengths = _length_note(node)
    if lengths:
        described = hosted.get("description")
        hosted["description"] = f"{described} {lengths}" if described else lengths
    if isinstance(hosted.get("properties"), dict):
        hosted["required"] = list(hosted["properties"])
        hosted["additionalProperties"] = False
    return hosted


def _length_note(node: dict[str, Any]) -> str:
    low, high = node.get("minLength"), node.get("maxLength")
    if isinstance(high, int) and isinstance(low, int) and low > 0:
        return f"{low} to {high} characters."
    if isinstance(high, int):
        return f"At most {high} characters."
    if isinstance(low, int) and low > 0:
        return f"At least {low} characters."
    return ""


def _enum_nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in _enum_nodes(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if isinstance(node.get("enum"), list) else []
    return own + [found for value in node.values() for found in _enum_nodes(value)]
