"""What the real API refuses in a strict ``json_schema`` response format, for the fake.

Written from OpenAI's "Structured Outputs → Supported schemas" guide, independently of
briefer's own sanitiser, so a test catches briefer sending what the API would refuse:

* the root is an object; every object sets ``additionalProperties: false`` and lists every
  property in ``required``;
* besides the structural keywords, only these are supported: strings ``pattern``,
  ``format`` (a fixed list); numbers ``multipleOf``, ``maximum``, ``exclusiveMaximum``,
  ``minimum``, ``exclusiveMinimum``; arrays ``minItems``, ``maxItems``. Anything else
  (``minLength``, ``maxLength``, ``uniqueItems``, ``default``, ``patternProperties`` …)
  is refused; fine-tuned models (``ft:…``) refuse the type-specific ones too;
* at most 1000 enum values in the whole schema, 5000 object properties, 10 levels.
"""

from __future__ import annotations

from typing import Any

STRUCTURAL = frozenset(
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
TYPE_SPECIFIC: dict[str, frozenset[str]] = {
    "string": frozenset({"pattern", "format"}),
    "number": frozenset(
        {"multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"}
    ),
    "integer": frozenset(
        {"multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"}
    ),
    "array": frozenset({"minItems", "maxItems"}),
}
FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
MAX_ENUM_VALUES = 1000
MAX_PROPERTIES = 5000
MAX_DEPTH = 10


class _Refused(Exception):
    pass


def strict_schema_problem(name: str, schema: Any, *, model: str = "") -> str | None:
    """The API's 400 message for a strict schema it refuses, or None when it accepts it."""
    counts = {"enum": 0, "properties": 0}
    try:
        if not isinstance(schema, dict) or schema.get("type") != "object" or "anyOf" in schema:
            raise _Refused(
                "In context=(), schema must be a JSON Schema of 'type: \"object\"', got something else."
            )
        _check(schema, (), model.startswith("ft:"), counts, depth=1)
    except _Refused as refusal:
        return f"Invalid schema for response_format '{name}': {refusal}"
    return None


def _check(
    node: Any, path: tuple[str, ...], fine_tuned: bool, counts: dict[str, int], depth: int
) -> None:
    if not isinstance(node, dict):
        raise _Refused(f"In context={path!r}, schema must be an object.")
    if depth > MAX_DEPTH:
        raise _Refused(f"In context={path!r}, schema nesting exceeds {MAX_DEPTH} levels.")
    types = node.get("type")
    kinds = set(types) if isinstance(types, list) else {types}
    allowed = set(STRUCTURAL)
    if not fine_tuned:
        for kind in kinds:
            allowed |= TYPE_SPECIFIC.get(str(kind), frozenset())
    for keyword in node:
        if keyword not in allowed:
            raise _Refused(f"In context={path!r}, '{keyword}' is not permitted.")
    if "format" in node and node["format"] not in FORMATS:
        raise _Refused(f"In context={path!r}, format '{node['format']}' is not permitted.")
    if isinstance(node.get("enum"), list):
        counts["enum"] += len(node["enum"])
        if counts["enum"] > MAX_ENUM_VALUES:
            raise _Refused(
                f"Expected at most {MAX_ENUM_VALUES} enum values in total within a schema, "
                f"but received {counts['enum']}. Consider reducing the number of enum values."
            )
    properties = node.get("properties")
    if "object" in kinds or isinstance(properties, dict):
        _check_object(node, path)
    if isinstance(properties, dict):
        counts["properties"] += len(properties)
        if counts["properties"] > MAX_PROPERTIES:
            raise _Refused(f"Expected at most {MAX_PROPERTIES} object properties in total.")
        for key, child in properties.items():
            _check(child, (*path, "properties", key), fine_tuned, counts, depth + 1)
    if "items" in node:
        _check(node["items"], (*path, "items"), fine_tuned, counts, depth + 1)
    for index, variant in enumerate(node.get("anyOf") or []):
        _check(variant, (*path, "anyOf", str(index)), fine_tuned, counts, depth)
    for group in ("$defs", "definitions"):
        for key, child in (node.get(group) or {}).items():
            _check(child, (*path, group, key), fine_tuned, counts, depth)


def _check_object(node: dict[str, Any], path: tuple[str, ...]) -> None:
    if node.get("additionalProperties") is not False:
        raise _Refused(
            f"In context={path!r}, 'additionalProperties' is required to be supplied and to be false."
        )
    properties = node.get("properties") or {}
    required = node.get("required")
    missing = [key for key in properties if not isinstance(required, list) or key not in required]
    if missing:
        raise _Refused(
            f"In context={path!r}, 'required' is required to be supplied and to be an array "
            f"including every key in properties. Missing '{missing[0]}'."
        )
