"""A fake OpenAI-compatible chat completions server for the real ``openai`` client.

    with FakeOpenAI() as fake:
        fake.enqueue(Reply.content("{}"), Reply.status(429, headers={"Retry-After": "1"}))
        client = openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0)

Serves ``POST /v1/chat/completions`` (JSON, or SSE when the request has ``"stream": true``)
and ``GET /v1/models``; anything else is an OpenAI-style 404. Scripted replies are used
first (FIFO), then ``responder(request_body)``, then a default valid brief.

The Batch API too: ``POST /v1/files`` (multipart upload), ``GET /v1/files/{id}/content``,
``POST /v1/batches`` and ``GET /v1/batches/{id}``. A batch is created ``validating``; each
retrieve moves it one step along ``batch_statuses`` (default in_progress, completed: no
sleeps). Reaching completed, expired or cancelled answers its lines like live requests
(scripted replies, then the responder; the first ``batch_answer_limit`` lines only, if
set; the rest are error lines ``batch_expired``/``batch_cancelled``): 200s go to the
output file, other statuses to the error file. Failed answers nothing. Batch lines are not
in ``requests`` (those are live calls); they are in ``batch_lines``.

Like the real API, a strict ``json_schema`` response format outside the documented subset
(``strict_schema.py``) is answered with a 400 before any scripted reply is used;
``json_schema_supported=False`` plays an endpoint that has no ``json_schema`` mode at all.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .strict_schema import strict_schema_problem
from .web_server import DEFAULT_LIFETIME, Handler, LoopbackServer, redact_headers

ReplyKind = Literal["content", "refusal", "status", "hang", "drop", "raw", "no_choices"]

DEFAULT_MODEL = "fake-model"
DEFAULT_BRIEF: dict[str, Any] = {
    "title": "Fake brief",
    "summary": "A default brief from the fake server.",
    "actors": [],
    "claims": [],
    "numbers": [],
    "questions": [],
}
DEFAULT_CONTENT = json.dumps(DEFAULT_BRIEF)

_ERRORS: dict[int, tuple[str, str | None, str]] = {
    # status: (type, code, message) as the real API words them
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Forbidden."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    408: ("server_error", None, "Request timed out."),
    409: ("invalid_request_error", None, "Conflict."),
    422: ("invalid_request_error", None, "Unprocessable entity."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


def error_body(
    status: int, message: str | None = None, *, type_: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """An OpenAI-style error body: ``{"error": {"message", "type", "param", "code"}}``."""
    default_type, default_code, default_message = _ERRORS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None, "Error.")
    )
    return {
        "error": {
            "message": message or default_message,
            "type": type_ or default_type,
            "param": None,
            "code": code if code is not None else default_code,
        }
    }


@dataclass
class Reply:
    """One scripted answer; build it with the classmethods, not the constructor."""

    kind: ReplyKind
    text: str | None = DEFAULT_CONTENT
    refusal_text: str | None = None
    finish_reason: str = "stop"
    prompt_tokens: int = 100
    completion_tokens: int = 50
    status_code: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    content_type: str = "application/json"

    @classmethod
    def content(
        cls,
        text: str,
        *,
        finish_reason: str = "stop",
        prompt_tokens: int = 100,
        completion_tokens: int = 50,
    ) -> Reply:
        """A normal chat.completion with ``choices[0].message.content == text``."""
        return cls(
            "content",
            text=text,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )

    @classmethod
    def refusal(cls, text: str) -> Reply:
        """``message.content`` null, ``message.refusal == text``, finish_reason "stop"."""
        return cls("refusal", text=None, refusal_text=text)

    @classmethod
    def status(
        cls, code: int, *, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        """An error status; the body defaults to an OpenAI-style error for ``code``."""
        return cls("status", status_code=code, body=body, headers=dict(headers or {}))

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        """Sleep ``seconds`` (bounded; cut short when the server stops), then answer normally."""
        return cls("hang", seconds=seconds)

    @classmethod
    def drop(cls) -> Reply:
        """Close the TCP connection without any HTTP response."""
        return cls("drop")

    @classmethod
    def raw(
        cls, body: str, *, status: int = 200, content_type: str = "text/html; charset=utf-8"
    ) -> Reply:
        """``body`` as it is, e.g. a proxy's HTML login page answered with 200."""
        return cls("raw", text=body, status_code=status, content_type=content_type)

    @classmethod
    def no_choices(cls, *, prompt_tokens: int = 100) -> Reply:
        """A 200 chat.completion whose ``choices`` is empty (usage still reported)."""
        return cls("no_choices", text=None, prompt_tokens=prompt_tokens, completion_tokens=0)


class FakeOpenAI(LoopbackServer):
    """A loopback OpenAI-compatible server; see the module docstring."""

    def __init__(
        self,
        responder: Callable[[dict[str, Any]], Reply] | None = None,
        *,
        latency: float = 0.0,
        lifetime: float = DEFAULT_LIFETIME,
        json_schema_supported: bool = True,
    ) -> None:
        super().__init__(lifetime=lifetime)
        self.responder = responder
        self.latency = latency
        """Seconds to sleep before every answer (bounded, cut short on stop)."""
        self.json_schema_supported = json_schema_supported
        """False: every ``json_schema`` response format is refused with a 400."""
        self.model = DEFAULT_MODEL
        """The model ``GET /v1/models`` lists and completions name if the request has none."""
        self._queue: deque[Reply] = deque()
        self._requests: list[dict[str, Any]] = []
        self._headers: list[dict[str, str]] = []
        self._authorizations: list[str] = []
        self._ids = itertools.count(1)
        # -- the Batch API --
        self.batch_statuses: list[str] = ["in_progress", "completed"]
        """What each retrieve of a batch moves it to, in order (it stays at the last)."""
        self.batch_answer_limit: int | None = None
        """Lines answered when a batch ends expired or cancelled (None: all of them)."""
        self.files: dict[str, tuple[str, bytes]] = {}
        """Uploaded and result files by id: (purpose, content)."""
        self.batch_lines: list[dict[str, Any]] = []
        """Every batch input line answered, in order."""
        self.batch_retrieves = 0
        self._batches: dict[str, dict[str, Any]] = {}
        self._batch_steps: dict[str, int] = {}

    @property
    def batches(self) -> list[dict[str, Any]]:
        """Every batch created (its current object), in order."""
        with self._lock:
            return [dict(batch) for batch in self._batches.values()]

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def enqueue(self, *replies: Reply) -> None:
        """Script the next answers, first in first out; used before the responder."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every ``POST /v1/chat/completions`` JSON body received, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def headers(self) -> list[dict[str, str]]:
        """Their headers (lower-case names, Authorization redacted), in the same order."""
        with self._lock:
            return list(self._headers)

    @property
    def authorizations(self) -> list[str]:
        """Their raw ``Authorization`` headers ("" when absent), unredacted, in the same order.

        Only for a test that checks the key reached the endpoint (``headers`` redacts it, so
        comparing against that could never fail); never printed or logged.
        """
        with self._lock:
            return list(self._authorizations)

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self._requests)

    # -- serving ----------------------------------------------------------------------------

    def _handle(self, request: Handler) -> None:
        raw = request.read_body()
        route = request.route.rstrip("/")
        if request.command == "GET" and route == "/v1/models":
            self._send_json(request, 200, self._models())
            return
        if route.startswith(("/v1/files", "/v1/batches")):
            self._batch_api(request, route, raw)
            return
        if request.command != "POST" or route != "/v1/chat/completions":
            message = f"Invalid URL ({request.command} {request.route})"
            self._send_json(request, 404, error_body(404, message, code=None))
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            message = "We could not parse the JSON body of your request."
            self._send_json(request, 400, error_body(400, message))
            return
        with self._lock:
            self._requests.append(body)
            self._headers.append(redact_headers(request.headers))
            self._authorizations.append(str(request.headers.get("Authorization", "")))
            refusal = self._refuse_response_format(body)
            reply = self._queue.popleft() if self._queue and refusal is None else None
        if refusal is not None:
            self._send_json(request, 400, refusal)
            return
        if reply is None:
            reply = (
                self.responder(body)
                if self.responder is not None
                else Reply.content(DEFAULT_CONTENT)
            )
        self.delay(self.latency)
        self._answer(request, body, reply)

    def _refuse_response_format(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """The 400 body the real API sends for this request's response format, if any."""
        response_format = body.get("response_format")
        if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
            return None
        if not self.json_schema_supported:
            message = "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."
        else:
            spec = response_format.get("json_schema") or {}
            if not spec.get("strict"):
                return None
            model = body.get("model")
            problem = strict_schema_problem(
                str(spec.get("name", "")),
                spec.get("schema"),
                model=model if isinstance(model, str) else "",
            )
            if problem is None:
                return None
            message = problem
        refusal = error_body(400, message)
        refusal["error"]["param"] = "response_format"
        return refusal

    def _answer(self, request: Handler, body: dict[str, Any], reply: Reply) -> None:
        if reply.kind == "drop":
            request.drop()
            return
        if reply.kind == "hang":
            self.delay(reply.seconds)
            if self.stopping:
                request.drop()
                return
        if reply.kind == "status":
            payload = reply.body if reply.body is not None else error_body(reply.status_code)
            self._send_json(request, reply.status_code, payload, reply.headers)
            return
        if reply.kind == "raw":
            request.respond(reply.status_code, reply.text or "", content_type=reply.content_type)
            return
        completion = self._completion(body, reply)
        if reply.kind == "no_choices":  # JSON only: a stream of no choices is not scripted
            completion["choices"] = []
        if body.get("stream") and completion["choices"]:
            self._send_stream(request, body, completion)
        else:
            self._send_json(request, 200, completion, reply.headers)

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        model = body.get("model")
        return {
            "id": f"chatcmpl-fake{next(self._ids):06d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model if isinstance(model, str) else self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": reply.text if reply.kind != "refusal" else None,
                        "refusal": reply.refusal_text,
                        "annotations": [],
                    },
                    "finish_reason": reply.finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }

    def _send_stream(
        self, request: Handler, body: dict[str, Any], completion: dict[str, Any]
    ) -> None:
        """The completion as ``chat.completion.chunk`` server-sent events, then ``[DONE]``."""
        choice = completion["choices"][0]
        message = choice["message"]
        base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
        base["object"] = "chat.completion.chunk"
        usage_wanted = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
            event = dict(base)
            event["choices"] = [
                {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
            ]
            if usage_wanted:
                event["usage"] = None
            return event

        events = [chunk({"role": "assistant", "content": ""}, None)]
        text = message["content"] or ""
        for start in range(0, len(text), 16):
            events.append(chunk({"content": text[start : start + 16]}, None))
        if message["refusal"] is not None:
            events.append(chunk({"refusal": message["refusal"]}, None))
        events.append(chunk({}, choice["finish_reason"]))
        if usage_wanted:
            events.append({**base, "choices": [], "usage": completion["usage"]})
        data = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        request.respond(
            200,
            data,
            content_type="text/event-stream; charset=utf-8",
            headers=self._request_id_header(),
        )

    def _models(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {"id": self.model, "object": "model", "created": 1700000000, "owned_by": "fake"}
            ],
        }

    def _request_id_header(self) -> dict[str, str]:
        return {"x-request-id": f"req_fake{int(time.monotonic() * 1e6):x}"}

    def _send_json(
        self,
        request: Handler,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        request.respond(
            status,
            json.dumps(payload),
            content_type="application/json",
            headers={**self._request_id_header(), **(headers or {})},
        )

    # -- the Batch API ------------------------------------------------------------------------

    def _batch_api(self, request: Handler, route: str, raw: bytes) -> None:
        parts = route.split("/")[2:]  # ["files"], ["files", id, "content"], ["batches", id]
        with self._lock:
            found: tuple[int, dict[str, Any] | bytes] | None = None
            if request.command == "POST" and parts == ["files"]:
                found = self._upload(request, raw)
            elif request.command == "GET" and len(parts) == 3 and parts[0] == "files":
                file = self.files.get(parts[1])
                found = (200, file[1]) if file and parts[2] == "content" else None
            elif request.command == "POST" and parts == ["batches"]:
                found = self._create_batch(raw)
            elif request.command == "GET" and len(parts) == 2 and parts[0] == "batches":
                found = self._retrieve_batch(parts[1])
        if found is None:
            message = f"No such object: {request.command} {request.route}"
            self._send_json(request, 404, error_body(404, message, code=None))
        elif isinstance(found[1], bytes):
            request.respond(found[0], found[1], content_type="application/octet-stream")
        else:
            self._send_json(request, found[0], found[1])

    def _upload(self, request: Handler, raw: bytes) -> tuple[int, dict[str, Any]]:
        head = f"Content-Type: {request.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts() if message.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[str(name)] = (
                part.get_filename(),
                payload if isinstance(payload, bytes) else b"",
            )
        if "file" not in fields or "purpose" not in fields:
            return 400, error_body(400, "Missing file or purpose.")
        purpose = fields["purpose"][1].decode()
        file_id = f"file-fake{next(self._ids):06d}"
        self.files[file_id] = (purpose, fields["file"][1])
        return 200, self._file_object(file_id, fields["file"][0] or "upload.jsonl")

    def _file_object(self, file_id: str, filename: str) -> dict[str, Any]:
        purpose, content = self.files[file_id]
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }

    def _create_batch(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        body = json.loads(raw or b"{}")
        file = self.files.get(str(body.get("input_file_id")))
        if file is None or file[0] != "batch":
            return 400, error_body(400, "The input file must be uploaded with purpose batch.")
        batch_id = f"batch_fake{next(self._ids):06d}"
        total = sum(1 for line in file[1].splitlines() if line.strip())
        self._batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint"),
            "input_file_id": body["input_file_id"],
            "completion_window": body.get("completion_window"),
            "status": "validating",
            "created_at": int(time.time()),
            "output_file_id": None,
            "error_file_id": None,
            "errors": None,
            "request_counts": {"total": total, "completed": 0, "failed": 0},
        }
        self._batch_steps[batch_id] = 0
        return 200, dict(self._batches[batch_id])

    def _retrieve_batch(self, batch_id: str) -> tuple[int, dict[str, Any]] | None:
        batch = self._batches.get(batch_id)
        if batch is None:
            return None
        self.batch_retrieves += 1
        if batch["status"] in ("validating", "in_progress", "finalizing", "cancelling"):
            step = min(self._batch_steps[batch_id], len(self.batch_statuses) - 1)
            self._batch_steps[batch_id] += 1
            batch["status"] = self.batch_statuses[step]
            if batch["status"] in ("completed", "expired", "cancelled"):
                self._run_batch(batch)
            elif batch["status"] == "failed":
                message = "The batch input file is not valid."
                batch["errors"] = {
                    "object": "list",
                    "data": [{"code": "invalid_file", "message": message}],
                }
        return 200, dict(batch)

    def _run_batch(self, batch: dict[str, Any]) -> None:
        """Answer the batch's lines (the lock is held) into its output and error files."""
        lines = [
            json.loads(line)
            for line in self.files[batch["input_file_id"]][1].splitlines()
            if line.strip()
        ]
        limit = len(lines) if batch["status"] == "completed" else self.batch_answer_limit
        output: list[str] = []
        errors: list[str] = []
        for index, line in enumerate(lines):
            result: dict[str, Any] = {"id": f"batch_req_{index}", "custom_id": line["custom_id"]}
            if limit is not None and index >= limit:
                code = "batch_expired" if batch["status"] == "expired" else "batch_cancelled"
                result |= {"response": None, "error": {"code": code, "message": f"{code}."}}
                errors.append(json.dumps(result))
                continue
            body = line["body"]
            self.batch_lines.append(body)
            status, payload = self._batch_answer(body)
            result |= {
                "response": {"status_code": status, "request_id": f"req_{index}", "body": payload},
                "error": None,
            }
            (output if status == 200 else errors).append(json.dumps(result))
        counts = batch["request_counts"]
        counts["completed"], counts["failed"] = len(output), len(errors)
        for name, chunk in (("output_file_id", output), ("error_file_id", errors)):
            if chunk:
                file_id = f"file-fake{next(self._ids):06d}"
                self.files[file_id] = ("batch_output", "".join(c + "\n" for c in chunk).encode())
                batch[name] = file_id

    def _batch_answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refusal = self._refuse_response_format(body)
        if refusal is not None:
            return 400, refusal
        reply = self._queue.popleft() if self._queue else None
        if reply is None:
            reply = (
                self.responder(body)
                if self.responder is not None
                else Reply.content(DEFAULT_CONTENT)
            )
        if reply.kind == "status":
            return reply.status_code, reply.body if reply.body is not None else error_body(
                reply.status_code
            )
        if reply.kind in ("hang", "drop", "raw"):
            return 500, error_body(500)
        completion = self._completion(body, reply)
        if reply.kind == "no_choices":
            completion["choices"] = []
        return 200, completion
