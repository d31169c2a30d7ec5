"""A fake Slack: an incoming webhook and the Web API methods briefer uses.

    with FakeSlack() as slack:
        slack_sdk.WebhookClient(slack.webhook_url).send(text="hi")
        slack_sdk.WebClient(token="xoxb-test", base_url=slack.api_url).chat_postMessage(...)

* ``POST <webhook_url>`` takes a JSON payload and answers ``200 text/plain "ok"``; a payload
  with no ``text``/``blocks``/``attachments`` gets ``400 "no_text"``, bad JSON
  ``400 "invalid_payload"``, any other ``/services/...`` path ``404 "no_service"``.
* ``POST /api/chat.postMessage`` and ``POST /api/auth.test`` answer like Slack; the bearer
  token (or a ``token`` form field) must be non-empty, else ``{"ok": false, "error":
  "not_authed"}``. Other methods answer ``{"ok": false, "error": "unknown_method"}``.
* Scripted ``SlackReply`` answers (FIFO, any endpoint) replace the normal handling.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qs

from .web_server import DEFAULT_LIFETIME, Handler, LoopbackServer, redact_headers

WEBHOOK_PATH = "/services/T000/B000/XXXX"
TS_BASE_SECONDS = 1_700_000_000

SlackReplyKind = Literal["ok", "rate_limited", "error", "api_error", "drop"]

# How incoming webhooks report errors: HTTP status per error string (text/plain body).
_WEBHOOK_ERROR_STATUS = {
    "invalid_payload": 400,
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
    retry_after: int = 1
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def ok(cls) -> SlackReply:
        """Handle the request normally (as if nothing were scripted)."""
        return cls("ok")

    @classmethod
    def rate_limited(cls, retry_after: int = 1) -> SlackReply:
        """429 with ``Retry-After``; Web API body ``{"ok": false, "error": "ratelimited"}``,
        webhook body ``rate_limited``."""
        return cls("rate_limited", status=429, retry_after=retry_after)

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
        """Close the TCP connection without any HTTP response."""
        return cls("drop")


class SlackRequest(NamedTuple):
    """One request the fake Slack received: ``(path, body, headers)``."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]


class FakeSlack(LoopbackServer):
    """A loopback Slack (incoming webhook + Web API); see the module docstring."""

    def __init__(self, *, lifetime: float = DEFAULT_LIFETIME) -> None:
        super().__init__(lifetime=lifetime)
        self._queue: deque[SlackReply] = deque()
        self._posts: list[dict[str, Any]] = []
        self._requests: list[SlackRequest] = []
        self._ts = itertools.count(1)

    @property
    def webhook_url(self) -> str:
        return f"{self.origin}{WEBHOOK_PATH}"

    @property
    def api_url(self) -> str:
        """Pass as ``base_url`` to ``slack_sdk.WebClient``."""
        return f"{self.origin}/api/"

    def enqueue(self, *replies: SlackReply) -> None:
        """Script the answers to the next requests (any endpoint), first in first out."""
        with self._lock:
            self._queue.extend(replies)

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

    # -- serving ----------------------------------------------------------------------------

    def _handle(self, request: Handler) -> None:
        raw = request.read_body()
        body = _parse_body(raw, request.headers.get("Content-Type", ""), request.query)
        recorded = {**body, "token": "REDACTED"} if "token" in body else body
        with self._lock:
            self._requests.append(
                SlackRequest(request.path, recorded, redact_headers(request.headers))
            )
            reply = self._queue.popleft() if self._queue else SlackReply.ok()
        route = request.route
        is_webhook = route.startswith("/services/")
        if reply.kind == "drop":
            request.drop()
        elif reply.kind == "ok":
            if is_webhook:
                self._webhook(request, route, raw, body)
            else:
                self._web_api(request, route, body)
        elif is_webhook:
            self._scripted_webhook(request, reply)
        else:
            self._scripted_api(request, reply)

    def _webhook(self, request: Handler, route: str, raw: bytes, body: dict[str, Any]) -> None:
        if request.command != "POST" or route != WEBHOOK_PATH:
            request.respond(404, "no_service")
            return
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            request.respond(400, "invalid_payload")
            return
        if not any(payload.get(key) for key in ("text", "blocks", "attachments")):
            request.respond(400, "no_text")
            return
        with self._lock:
            self._posts.append(payload)
        request.respond(200, "ok")

    def _web_api(self, request: Handler, route: str, params: dict[str, Any]) -> None:
        method = route.removeprefix("/api/")
        if not route.startswith("/api/") or not method:
            request.respond(404, "not found")
            return
        if not _token(request, params):
            self._json(request, 200, {"ok": False, "error": "not_authed"})
            return
        if method == "auth.test":
            self._json(
                request,
                200,
                {
                    "ok": True,
                    "url": "https://fake-workspace.slack.com/",
                    "team": "Fake Workspace",
                    "user": "briefer",
                    "team_id": "T000",
                    "user_id": "U000",
                    "bot_id": "B000",
                    "is_enterprise_install": False,
                },
            )
        elif method == "chat.postMessage":
            self._post_message(request, {k: v for k, v in params.items() if k != "token"})
        else:
            self._json(request, 200, {"ok": False, "error": "unknown_method"})

    def _post_message(self, request: Handler, params: dict[str, Any]) -> None:
        channel = params.get("channel")
        if not channel:
            self._json(request, 200, {"ok": False, "error": "channel_not_found"})
            return
        if not any(params.get(key) for key in ("text", "blocks", "attachments")):
            self._json(request, 200, {"ok": False, "error": "no_text"})
            return
        with self._lock:
            n = next(self._ts) * 100
            ts = f"{TS_BASE_SECONDS + n // 1_000_000}.{n % 1_000_000:06d}"
            self._posts.append({**params, "ts": ts})
        message: dict[str, Any] = {
            "type": "message",
            "user": "U000",
            "bot_id": "B000",
            "text": params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in params:
                message[key] = params[key]
        self._json(request, 200, {"ok": True, "channel": channel, "ts": ts, "message": message})

    def _scripted_webhook(self, request: Handler, reply: SlackReply) -> None:
        if reply.kind == "rate_limited":
            request.respond(429, "rate_limited", headers={"Retry-After": str(reply.retry_after)})
        elif reply.kind == "error":
            request.respond(reply.status, reply.body or "internal_error")
        else:
            error = reply.error_code or "invalid_payload"
            request.respond(_WEBHOOK_ERROR_STATUS.get(error, 400), error)

    def _scripted_api(self, request: Handler, reply: SlackReply) -> None:
        if reply.kind == "rate_limited":
            self._json(
                request,
                429,
                {"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(reply.retry_after)},
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
