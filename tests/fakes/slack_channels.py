"""The fake Slack's channels: stored messages, and the history methods that read them.

``conversations.history`` answers a channel's top-level messages, newest first;
``conversations.replies`` a thread: its parent, then the replies, oldest first. Both take
``oldest``/``latest`` (ends excluded unless ``inclusive``), ``limit`` (default 100, at most
999) and ``cursor``, answer ``has_more`` and, when there is more, ``response_metadata.
next_cursor``, and include each message's ``metadata`` only when ``include_all_metadata``
is true. They take channel IDs only (a ``#name`` is ``channel_not_found``) and need
``channels:history`` (``groups:history`` for a ``G…`` channel) among the token's scopes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Collection
from typing import Any, Literal

HISTORY_METHODS = ("conversations.history", "conversations.replies")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")

Message = dict[str, Any]


class SlackChannels:
    """Messages per channel ID, with ``ts`` strings from ``clock``, strictly increasing."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._messages: dict[str, list[Message]] = {}
        self._names: dict[str, str] = {}
        self._last = 0.0

    def channel_id(self, channel: str) -> str:
        """The ID Slack gives a channel: ``#name`` → ``C…``; an ID is itself."""
        if not channel.startswith("#"):
            return channel
        with self._lock:
            return self._names.setdefault(
                channel, "C" + hashlib.sha256(channel.encode()).hexdigest()[:8].upper()
            )

    def store(self, channel: str, message: Message, ts: str | None = None) -> str:
        """Add ``message`` to ``channel`` (a name or an ID); return its ``ts``."""
        channel_id = self.channel_id(channel)
        with self._lock:
            if ts is None:
                self._last = max(self.clock(), self._last + 0.000001)
                ts = f"{self._last:.6f}"
            self._messages.setdefault(channel_id, []).append({**message, "ts": ts})
        return ts

    def read(
        self,
        method: str,
        params: dict[str, Any],
        scopes: Collection[str],
        member_of: Collection[str] | None,
    ) -> tuple[int, dict[str, Any]]:
        """Answer one history method call as Slack would: ``(status, body)``."""
        channel = str(params.get("channel") or "")
        needed = "groups:history" if channel.startswith("G") else "channels:history"
        if needed not in scopes:
            provided = ",".join(sorted(scopes))
            return 200, {
                "ok": False,
                "error": "missing_scope",
                "needed": needed,
                "provided": provided,
            }
        if not _CHANNEL_ID.fullmatch(channel):  # a name, or nothing
            return _error("channel_not_found")
        if member_of is not None and channel not in member_of:
            return _error("not_in_channel")
        with self._lock:
            messages = list(self._messages.get(channel, ()))
        replies: dict[str, list[Message]] = {}
        for message in messages:
            parent = message.get("thread_ts")
            if parent is not None and parent != message["ts"]:
                replies.setdefault(parent, []).append(message)
        if method == "conversations.history":
            found = [m for m in messages if m.get("thread_ts", m["ts"]) == m["ts"]]
            found = _window(sorted(found, key=_time, reverse=True), params)
        else:
            parent = next((m for m in messages if m["ts"] == params.get("ts")), None)
            if parent is None:
                return _error("thread_not_found")
            thread = sorted(replies.get(parent["ts"], []), key=_time)
            found = [parent, *_window(thread, params)]
        found = [_with_replies(m, replies.get(m["ts"], [])) for m in found]
        if not _truthy(params.get("include_all_metadata")):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return 200, _page(found, params)


def metadata(value: Any) -> dict[str, Any] | Literal[False] | None:
    """chat.postMessage ``metadata`` as Slack stores it; None when absent, False when
    malformed (Slack: ``invalid_metadata_format``)."""
    if value is None:
        return None
    if isinstance(value, str):  # a form-encoded post sends it as a JSON string
        try:
            value = json.loads(value)
        except ValueError:
            return False
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("event_type"), str)
        or not isinstance(value.get("event_payload"), dict)
    ):
        return False
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def _error(code: str) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": False, "error": code}


def _time(message: Message) -> float:
    return float(message["ts"])


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _window(messages: list[Message], params: dict[str, Any]) -> list[Message]:
    inclusive = _truthy(params.get("inclusive"))
    oldest = float(params.get("oldest") or 0)
    latest = float(params["latest"]) if params.get("latest") else float("inf")

    def inside(ts: float) -> bool:
        return oldest <= ts <= latest if inclusive else oldest < ts < latest

    return [m for m in messages if inside(_time(m))]


def _with_replies(message: Message, replies: list[Message]) -> Message:
    if not replies:
        return message
    return {
        **message,
        "thread_ts": message["ts"],
        "reply_count": len(replies),
        "latest_reply": max(replies, key=_time)["ts"],
    }


def _page(messages: list[Message], params: dict[str, Any]) -> dict[str, Any]:
    """One page of ``messages`` at ``cursor``, ``limit`` long, as Slack shapes it."""
    limit = min(max(int(params.get("limit") or 100), 1), 999)
    cursor = str(params.get("cursor") or "")
    start = int(base64.b64decode(cursor).decode().removeprefix("next:")) if cursor else 0
    page = messages[start : start + limit]
    more = start + limit < len(messages)
    answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
    if more:
        next_cursor = base64.b64encode(f"next:{start + limit}".encode()).decode()
        answer["response_metadata"] = {"next_cursor": next_cursor}
    return answer
