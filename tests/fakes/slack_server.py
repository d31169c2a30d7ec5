"""A fake Slack: an incoming webhook and the Web API methods briefer uses.

    with FakeSlack() as slack:
        slack_sdk.WebhookClient(slack.webhook_url).send(text="hi")
        slack_sdk.WebClient(token="xoxb-test", base_url=slack.api_url).chat_postMessage(...)

* ``POST <webhook_url>`` takes a JSON payload and answers ``200 text/plain "ok"``; a payload
  with no ``text``/``blocks``/``attachments`` gets ``400 "no_text"``, bad JSON
  ``400 "invalid_payload"``, any other ``/services/...`` path ``404 "no_service"``.
* Web API (JSON or form body, or query string; the bearer token or a ``token`` field must
  be non-empty, else ``not_authed``): ``auth.test``; ``chat.postMessage`` (``metadata``
  needs an ``event_type`` string and an ``event_payload`` object, else
  ``invalid_metadata_format``; a ``#name`` channel is answered with its ``C…`` ID);
  ``conversations.history`` and ``conversations.replies`` as ``slack_channels`` describes,
  gated by ``scopes`` (what the token was granted) and ``member_of`` (None: the bot is in
  every channel; else reading or posting elsewhere is ``not_in_channel``, though
  ``chat:write.public`` may post). Other methods answer ``unknown_method``.
* A message over the Block Kit limits (more than 50 blocks, a section's text over 3,000
  characters, a header's over 150, a context of more than 10 elements, the blocks' JSON over
  13,000 characters, ``text`` over 40,000) is refused as Slack refuses it: ``invalid_blocks``,
  ``msg_blocks_too_long``, ``msg_too_long`` (400 on a webhook). ``failures_webhook_url`` is
  a second incoming webhook; ``webhook_posts(url)`` what one of them accepted.
* Message ``ts`` are strings ``"<seconds>.<6 digits>"`` from ``clock`` (``time.time``),
  strictly increasing.
* Scripted ``SlackReply`` answers (FIFO; for one method, or any endpoint) replace the normal
  handling; ``accepted_then_drop`` / ``accepted_then_error`` store the message first, as
  Slack does when the reply is lost. ``hold`` keeps a request waiting until released.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qs

from .slack_channels import HISTORY_METHODS, SlackChannels, metadata
from .web_server import DEFAULT_LIFETIME, MAX_DELAY, Handler, LoopbackServer, redact_headers

WEBHOOK_PATH = "/services/T000/B000/XXXX"
FAILURES_WEBHOOK_PATH = "/services/T000/B001/FAIL"  # a second incoming webhook
# Block Kit limits, as Slack refuses them (invalid_blocks, msg_blocks_too_long, msg_too_long):
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BLOCKS_JSON = 13_000  # Slack's own cut is near 13,200 characters (slackapi/bolt-js#2509)
MAX_TEXT = 40_000
DEFAULT_SCOPES = frozenset({"chat:write", "channels:history", "groups:history"})

SlackReplyKind = Literal[
    "ok", "rate_limited", "error", "api_error", "drop", "accepted_then_drop", "accepted_then_error"
]

# How incoming webhooks report errors: HTTP status per error string (text/plain body).
_WEBHOOK_ERROR_STATUS = {
    "invalid_payload": 400,
    "invalid_blocks": 400,
    "msg_blocks_too_long": 400,
    "msg_too_long": 400,
    "no_text": 400,
    "user_not_found": 400,
    "too_many_attachments": 400,
    "invalid_token": 403,
    "action_prohibited": 403,
    "posting_to_general_channel_denied": 403,
    "channel_not_found": 404,
    "no_service": 404,
    "channel_is_archived": 410,
    "team_disabled": 410,
}


@dataclass
class SlackReply:
    """One scripted Slack answer; build it with the classmethods."""

    kind: SlackReplyKind
    status: int = 200
    error_code: str | None = None
    retry_after: str = "1"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None

    @classmethod
    def ok(cls, *, hold: threading.Event | None = None) -> SlackReply:
        """Handle the request normally; with ``hold``, store the message, then wait for the
        event (bounded) before answering."""
        return cls("ok", hold=hold)

    @classmethod
    def rate_limited(cls, retry_after: int | str = 1) -> SlackReply:
        """429 with ``Retry-After``; Web API body ``{"ok": false, "error": "ratelimited"}``,
        webhook body ``rate_limited``."""
        return cls("rate_limited", status=429, retry_after=str(retry_after))

    @classmethod
    def error(cls, status: int = 500, *, body: str | None = None) -> SlackReply:
        """An HTTP error status; body ``body`` or, by default, Web API
        ``{"ok": false, "error": "internal_error"}`` / webhook ``internal_error``."""
        return cls("error", status=status, body=body)

    @classmethod
    def api_error(cls, error: str) -> SlackReply:
        """Web API: ``200 {"ok": false, "error": error}``. Webhook: Slack's status for that
        error (``channel_not_found`` is 404, ``invalid_token`` 403, default 400) with the
        error as a text/plain body."""
        return cls("api_error", error_code=error)

    @classmethod
    def drop(cls) -> SlackReply:
        """Close the TCP connection without any HTTP response (nothing is stored)."""
        return cls("drop")

    @classmethod
    def accepted_then_drop(cls) -> SlackReply:
        """Store the message as usual, then close the connection without answering."""
        return cls("accepted_then_drop")

    @classmethod
    def accepted_then_error(cls, status: int = 500) -> SlackReply:
        """Store the message as usual, then answer ``status`` (``internal_error``)."""
        return cls("accepted_then_error", status=status)


class SlackRequest(NamedTuple):
    """One request the fake Slack received: ``(path, body, headers)``."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]


class _Answer(NamedTuple):
    status: int
    payload: dict[str, Any] | str


class FakeSlack(LoopbackServer):
    """A loopback Slack (incoming webhook + Web API); see the module docstring."""

    def __init__(
        self, *, lifetime: float = DEFAULT_LIFETIME, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(lifetime=lifetime)
        self._queue: list[tuple[str | None, SlackReply]] = []
        self._posts: list[dict[str, Any]] = []
        self._hooked: list[tuple[str, dict[str, Any]]] = []
        self._requests: list[SlackRequest] = []
        self.channels = SlackChannels(clock)
        self.scopes: set[str] = set(DEFAULT_SCOPES)
        self.member_of: set[str] | None = None

    @property
    def webhook_url(self) -> str:
        return f"{self.origin}{WEBHOOK_PATH}"

    @property
    def failures_webhook_url(self) -> str:
        """A second incoming webhook (another channel's)."""
        return f"{self.origin}{FAILURES_WEBHOOK_PATH}"

    def webhook_posts(self, url: str) -> list[dict[str, Any]]:
        """The payloads one incoming webhook accepted, in order."""
        with self._lock:
            return [payload for path, payload in self._hooked if url.endswith(path)]

    @property
    def api_url(self) -> str:
        """Pass as ``base_url`` to ``slack_sdk.WebClient``."""
        return f"{self.origin}/api/"

    def enqueue(self, *replies: SlackReply, method: str | None = None) -> None:
        """Script the answers to the next requests, first in first out: to ``method``
        (e.g. ``"chat.postMessage"``) only, or to any endpoint."""
        with self._lock:
            self._queue.extend((method, reply) for reply in replies)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Every message accepted: webhook JSON payloads, and chat.postMessage params plus
        the ``ts`` they were given, in order (a copy)."""
        with self._lock:
            return list(self._posts)

    @property
    def requests(self) -> list[SlackRequest]:
        """Every request, failed ones too: (path, body, headers with secrets redacted)."""
        with self._lock:
            return list(self._requests)

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The bodies of every request to one Web API method, in order."""
        return [r.body for r in self.requests if r.path.split("?")[0] == f"/api/{method}"]

    def channel_id(self, channel: str) -> str:
        """The ID Slack gives a channel: ``#name`` → ``C…``; an ID is itself."""
        return self.channels.channel_id(channel)

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        ts: str | None = None,
    ) -> str:
        """Put a message in a channel as someone else posted it (not counted in ``posts``)."""
        message: dict[str, Any] = {"type": "message", "user": "U999", "text": text}
        if metadata is not None:
            message["metadata"] = metadata
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        return self.channels.store(channel, message, ts)

    # -- serving ----------------------------------------------------------------------------

    def _handle(self, request: Handler) -> None:
        raw = request.read_body()
        body = _parse_body(raw, request.headers.get("Content-Type", ""), request.query)
        recorded = {**body, "token": "REDACTED"} if "token" in body else body
        route = request.route
        method = route.removeprefix("/api/") if route.startswith("/api/") else None
        with self._lock:
            self._requests.append(
                SlackRequest(request.path, recorded, redact_headers(request.headers))
            )
            reply = self._next_reply(method)
        if reply.kind == "drop":
            request.drop()
        elif route.startswith("/services/"):
            self._webhook(request, route, raw, reply)
        elif reply.kind in ("ok", "accepted_then_drop", "accepted_then_error"):
            self._web_api(request, route, body, reply)
        else:
            self._scripted_api(request, reply)

    def _next_reply(self, method: str | None) -> SlackReply:
        for index, (wanted, reply) in enumerate(self._queue):
            if wanted is None or wanted == method:
                del self._queue[index]
                return reply
        return SlackReply.ok()

    def _hold(self, reply: SlackReply) -> None:
        deadline = time.monotonic() + MAX_DELAY
        while reply.hold is not None and not reply.hold.wait(0.02):
            if self.stopping or time.monotonic() > deadline:
                return

    def _finish(self, request: Handler, reply: SlackReply, answer: _Answer, *, api: bool) -> None:
        """Answer a request that was handled (and maybe stored) as the script says."""
        self._hold(reply)
        if reply.kind == "accepted_then_drop":
            request.drop()
        elif reply.kind == "accepted_then_error":
            if api:
                self._json(request, reply.status, {"ok": False, "error": "internal_error"})
            else:
                request.respond(reply.status, "internal_error")
        elif isinstance(answer.payload, str):
            request.respond(answer.status, answer.payload)
        else:
            self._json(request, answer.status, answer.payload)

    def _webhook(self, request: Handler, route: str, raw: bytes, reply: SlackReply) -> None:
        if reply.kind == "rate_limited":
            request.respond(429, "rate_limited", headers={"Retry-After": reply.retry_after})
        elif reply.kind == "error":
            request.respond(reply.status, reply.body or "internal_error")
        elif reply.kind == "api_error":
            error = reply.error_code or "invalid_payload"
            request.respond(_WEBHOOK_ERROR_STATUS.get(error, 400), error)
        else:
            self._finish(request, reply, self._webhook_post(request, route, raw), api=False)

    def _webhook_post(self, request: Handler, route: str, raw: bytes) -> _Answer:
        if request.command != "POST" or route not in (WEBHOOK_PATH, FAILURES_WEBHOOK_PATH):
            return _Answer(404, "no_service")
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return _Answer(400, "invalid_payload")
        if not any(payload.get(key) for key in ("text", "blocks", "attachments")):
            return _Answer(400, "no_text")
        problem = limit_problem(payload)
        if problem:
            return _Answer(400, problem)
        with self._lock:
            self._posts.append(payload)
            self._hooked.append((route, payload))
        return _Answer(200, "ok")

    def _web_api(
        self, request: Handler, route: str, params: dict[str, Any], reply: SlackReply
    ) -> None:
        method = route.removeprefix("/api/")
        if not route.startswith("/api/") or not method:
            request.respond(404, "not found")
            return
        authed = bool(_token(request, params))
        params = {k: v for k, v in params.items() if k != "token"}
        if not authed:
            answer = _Answer(200, {"ok": False, "error": "not_authed"})
        elif method == "auth.test":
            answer = _Answer(200, _AUTH_TEST)
        elif method == "chat.postMessage":
            answer = self._post_message(params)
        elif method in HISTORY_METHODS:
            status, found = self.channels.read(method, params, self.scopes, self.member_of)
            answer = _Answer(status, found)
        else:
            answer = _Answer(200, {"ok": False, "error": "unknown_method"})
        self._finish(request, reply, answer, api=True)

    def _post_message(self, params: dict[str, Any]) -> _Answer:
        channel = params.get("channel")
        if not channel or not isinstance(channel, str):
            return _error("channel_not_found")
        if not any(params.get(key) for key in ("text", "blocks", "attachments")):
            return _error("no_text")
        problem = limit_problem(params)
        if problem:
            return _error(problem)
        outside = self.member_of is not None and self.channel_id(channel) not in self.member_of
        if outside and "chat:write.public" not in self.scopes:
            return _error("not_in_channel")
        stored_metadata = metadata(params.get("metadata"))
        if stored_metadata is False:
            return _error("invalid_metadata_format")
        message: dict[str, Any] = {
            "type": "message",
            "user": "U000",
            "bot_id": "B000",
            "app_id": "A000",
            "text": params.get("text", ""),
        }
        for key in ("blocks", "attachments", "thread_ts"):
            if key in params:
                message[key] = params[key]
        if stored_metadata:
            message["metadata"] = stored_metadata
        with self._lock:
            channel_id = self.channel_id(channel)
            ts = self.channels.store(channel_id, message)
            self._posts.append({**params, "ts": ts})
        return _Answer(200, {"ok": True, "channel": channel_id, "ts": ts, "message": message})

    def _scripted_api(self, request: Handler, reply: SlackReply) -> None:
        if reply.kind == "rate_limited":
            self._json(
                request,
                429,
                {"ok": False, "error": "ratelimited"},
                headers={"Retry-After": reply.retry_after},
            )
        elif reply.kind == "error":
            if reply.body is not None:
                request.respond(reply.status, reply.body)
            else:
                self._json(request, reply.status, {"ok": False, "error": "internal_error"})
        else:
            self._json(request, 200, {"ok": False, "error": reply.error_code})

    @staticmethod
    def _json(
        request: Handler,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        request.respond(
            status,
            json.dumps(payload),
            content_type="application/json; charset=utf-8",
            headers=headers,
        )


_AUTH_TEST = {
    "ok": True,
    "url": "https://fake-workspace.slack.com/",
    "team": "Fake Workspace",
    "user": "briefer",
    "team_id": "T000",
    "user_id": "U000",
    "bot_id": "B000",
    "is_enterprise_install": False,
}


def limit_problem(payload: dict[str, Any]) -> str | None:
    """The error Slack answers a message over its Block Kit limits with, or None."""
    blocks = payload.get("blocks") or []
    if isinstance(blocks, str):  # a form field: JSON text
        blocks = json.loads(blocks)
    if len(str(payload.get("text") or "")) > MAX_TEXT:
        return "msg_too_long"
    if len(blocks) > MAX_BLOCKS or not all(_block_ok(block) for block in blocks):
        return "invalid_blocks"
    if len(json.dumps(blocks, ensure_ascii=False)) > MAX_BLOCKS_JSON:
        return "msg_blocks_too_long"
    return None


def _block_ok(block: Any) -> bool:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "header":
        text = block["text"]
        return text.get("type") == "plain_text" and 0 < len(text["text"]) <= MAX_HEADER_TEXT
    if kind == "section":
        return 0 < len(block["text"]["text"]) <= MAX_SECTION_TEXT
    if kind == "context":
        elements = block["elements"]
        return 0 < len(elements) <= MAX_CONTEXT_ELEMENTS and all(
            0 < len(element["text"]) <= MAX_SECTION_TEXT for element in elements
        )
    return kind == "divider"


def _error(code: str) -> _Answer:
    return _Answer(200, {"ok": False, "error": code})


def _parse_body(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    """JSON or form-urlencoded body (plus query-string params) as a dict.

    Form values are single strings (lists when a name repeats), exactly as Slack gets them:
    e.g. ``blocks`` sent as a form field stays a JSON string.
    """
    params: dict[str, Any] = _form(query) if query else {}
    text = raw.decode("utf-8", errors="replace")
    kind = content_type.lower()
    if "json" in kind:
        try:
            parsed = json.loads(text) if text.strip() else {}
        except ValueError:
            parsed = {"_raw": text}
        if isinstance(parsed, dict):
            params.update(parsed)
        else:
            params["_raw"] = text
    elif "x-www-form-urlencoded" in kind or (not kind and "=" in text):
        params.update(_form(text))
    elif text:
        params["_raw"] = text
    return params


def _form(text: str) -> dict[str, Any]:
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in parse_qs(text, keep_blank_values=True).items()
    }


def _token(request: Handler, params: dict[str, Any]) -> str:
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    form_token = params.get("token")
    return form_token.strip() if isinstance(form_token, str) else ""
