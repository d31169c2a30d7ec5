"""The OpenAI Batch JSONL format: one request per line in, one result per line out.

In: ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``; ``custom_id``
is the response cache key of the request, so an answer goes back to the exact request it
belongs to. Out (OpenAI's output and error files, and ``vllm run-batch -o``):
``{"custom_id", "response": {"status_code", "body"}, "error"}``, in any order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from briefer.errors import InputError

ENDPOINT: Final = "/v1/chat/completions"
# The provider's limits per input file (read when a day is split, so tests can lower them).
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1000 * 1000  # 200 MB, counted in decimal megabytes to stay under either


@dataclass(frozen=True)
class Queued:
    """One request to send: its cache key (the ``custom_id``), model and request body."""

    custom_id: str
    model: str
    body: Mapping[str, Any]

    def line(self) -> str:
        request = {
            "custom_id": self.custom_id,
            "method": "POST",
            "url": ENDPOINT,
            "body": self.body,
        }
        return json.dumps(request, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Part:
    """The lines of one input file: one model, within the limits."""

    model: str
    lines: tuple[str, ...]
    custom_ids: tuple[str, ...]

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    @property
    def size(self) -> int:
        return sum(len(line.encode("utf-8")) + 1 for line in self.lines)


def split(requests: Iterable[Queued], *, max_requests: int = 0, max_bytes: int = 0) -> list[Part]:
    """The requests as input files: one model per file, at most ``max_requests`` lines and
    ``max_bytes`` bytes each (0: the provider's limits). Models in first-seen order."""
    max_requests = max_requests or MAX_REQUESTS
    max_bytes = max_bytes or MAX_BYTES
    by_model: dict[str, list[Queued]] = {}
    for request in requests:
        by_model.setdefault(request.model, []).append(request)
    parts: list[Part] = []
    for model, queued in by_model.items():
        lines: list[str] = []
        ids: list[str] = []
        size = 0
        for request in queued:
            line = request.line()
            length = len(line.encode("utf-8")) + 1
            if length > max_bytes:
                raise InputError(
                    f"a request of model {model!r} is {length} bytes, over the batch file limit "
                    f"of {max_bytes}; lower --max-chars or brief the day live"
                )
            if lines and (len(lines) == max_requests or size + length > max_bytes):
                parts.append(Part(model, tuple(lines), tuple(ids)))
                lines, ids, size = [], [], 0
            lines.append(line)
            ids.append(request.custom_id)
            size += length
        if lines:
            parts.append(Part(model, tuple(lines), tuple(ids)))
    return parts


@dataclass(frozen=True)
class Result:
    """One result line: the chat completion's JSON, or why there is none."""

    custom_id: str
    completion: dict[str, Any] | None
    error: str | None = None


def parse_results(text: str) -> tuple[dict[str, Result], int]:
    """Results by ``custom_id`` (a success wins over an error for the same id), and how many
    lines were not results at all (not JSON, no ``custom_id``)."""
    results: dict[str, Result] = {}
    unreadable = 0
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            unreadable += 1
            continue
        custom_id = line.get("custom_id") if isinstance(line, dict) else None
        if not isinstance(custom_id, str) or not custom_id:
            unreadable += 1
            continue
        result = _result(custom_id, line)
        if result.completion is not None or custom_id not in results:
            results[custom_id] = result
    return results, unreadable


def _result(custom_id: str, line: dict[str, Any]) -> Result:
    response = line.get("response")
    error = line.get("error")
    if isinstance(error, dict) and error:
        return Result(custom_id, None, _words(error.get("message") or error.get("code")))
    if not isinstance(response, dict):
        return Result(custom_id, None, "no response")
    if "choices" in response and "body" not in response:  # a bare completion, as some tools write
        response = {"status_code": 200, "body": response}
    status, body = response.get("status_code"), response.get("body")
    if status == 200 and isinstance(body, dict):
        return Result(custom_id, body)
    message = body.get("error", {}).get("message") if isinstance(body, dict) else None
    detail = f": {_words(message)}" if isinstance(body, dict) and message else ""
    return Result(custom_id, None, f"HTTP {status}{detail}")


def _words(value: object) -> str:
    text = " ".join(str(value or "failed").split())
    return text if len(text) <= 160 else text[:157] + "..."


__all__ = [
    "ENDPOINT",
    "MAX_BYTES",
    "MAX_REQUESTS",
    "Part",
    "Queued",
    "Result",
    "parse_results",
    "split",
]
