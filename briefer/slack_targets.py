"""Where a digest is posted: a bot token and a channel, or an incoming webhook.

A bot post carries message metadata (``event_type`` ``briefer_post``, the message's key and
day), so :meth:`BotTarget.find` can tell from the channel's history (``conversations.history``
for the header, ``conversations.replies`` for the thread) whether Slack already has a message
a crashed run sent. An incoming webhook can neither thread (it returns no ``ts``) nor read
its channel: :meth:`WebhookTarget.find` always says so. The failure list may have a
destination of its own (:func:`failures_target`): a channel for the same bot token, or the
webhook in ``SLACK_FAILURES_WEBHOOK_URL``; its ledger entries are that destination's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError

from briefer.errors import BrieferError, InputError
from briefer.slack_blocks import SlackMessage
from briefer.slack_client import Redactor, error_code, retry_handlers, sdk_logger

DEFAULT_API_URL = "https://slack.com/api/"
FAILURES_WEBHOOK_ENV = "SLACK_FAILURES_WEBHOOK_URL"
EVENT_TYPE = "briefer_post"
HISTORY_MARGIN = timedelta(minutes=10)  # clock skew between this host and Slack
HISTORY_PAGE = 200
HISTORY_PAGES = 10  # at most 2,000 messages read to find one
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")  # a Slack message ts: "1715000000.123456"
# What a token that may not read the channel's history is told to change.
_HISTORY_FIXES = {
    "missing_scope": "add the channels:history scope (groups:history for a private channel)",
    "not_in_channel": "invite the bot to the channel",
    "channel_not_found": "pass --channel as the channel's ID (C…), not its name",
}

# What to change when Slack refuses a post, by its error code.
_POST_FIXES = {
    "invalid_auth": "check SLACK_BOT_TOKEN",
    "not_authed": "check SLACK_BOT_TOKEN",
    "token_revoked": "the token was revoked: set SLACK_BOT_TOKEN to a current one",
    "account_inactive": "the token's app or user is deactivated: set SLACK_BOT_TOKEN anew",
    "missing_scope": "add the chat:write scope to the bot",
    "is_archived": "unarchive the channel, or choose another",
    "channel_is_archived": "unarchive the channel, or create a webhook for another",
    "not_in_channel": "invite the bot to the channel",
    "no_service": "the webhook was removed: create one and set SLACK_WEBHOOK_URL",
    "invalid_token": "the webhook was revoked: create one and set SLACK_WEBHOOK_URL",
    "channel_not_found": _HISTORY_FIXES["channel_not_found"],
}


def _post_fix(code: str) -> str:
    return f"; {_POST_FIXES[code]}" if code in _POST_FIXES else ""


class Thread(NamedTuple):
    """The header message replies are threaded under."""

    ts: str | None
    channel: str | None


class Found(NamedTuple):
    """A message already in Slack."""

    ts: str
    channel: str


class SlackPostError(BrieferError):
    """Slack refused a message or could not be reached (exit 1; the ledger keeps the rest)."""


class UncertainPostError(SlackPostError):
    """No answer, or a server error: Slack may have stored the message all the same."""


class HistoryUnavailable(Exception):
    """The channel's history cannot tell whether a message is there (the reason says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SlackTarget(Protocol):
    destination: str
    """Names the destination in the ledger; never contains a secret."""
    threaded: bool
    can_look_up: bool
    """Whether :meth:`find` can ever answer (a webhook cannot)."""

    def describe(self) -> str: ...

    def payload(self, message: SlackMessage, thread: Thread | None) -> dict[str, Any]: ...

    def send(self, payload: dict[str, Any]) -> tuple[str | None, str | None]:
        """Post; return the message's (ts, channel) when Slack tells them."""
        ...

    def find(
        self, message: SlackMessage, since: datetime, thread: Thread | None, channel: str | None
    ) -> Found | None:
        """The message if Slack has it (posted after ``since``); raises HistoryUnavailable."""
        ...


class WebhookTarget:
    threaded = False
    can_look_up = False

    def __init__(self, url: str, *, variable: str = "SLACK_WEBHOOK_URL") -> None:
        self._redact = Redactor((url,))
        self._variable = variable
        self._client = WebhookClient(
            url,
            retry_handlers=retry_handlers(repeat_uncertain=True),
            logger=sdk_logger(self._redact),
        )
        self.destination = "webhook:" + hashlib.sha256(url.encode()).hexdigest()[:12]

    def describe(self) -> str:
        return f"the incoming webhook ({self._variable})"

    def payload(self, message: SlackMessage, thread: Thread | None) -> dict[str, Any]:
        return message.payload()

    def send(self, payload: dict[str, Any]) -> tuple[str | None, str | None]:
        try:
            response = self._client.send_dict(payload)
        except Exception as error:  # urllib errors after the SDK's retries
            raise UncertainPostError(
                self._redact(f"could not reach the Slack webhook ({type(error).__name__}: {error})")
            ) from None
        if response.status_code != 200:
            body = " ".join((response.body or "").split())[:200]
            failure = UncertainPostError if response.status_code >= 500 else SlackPostError
            raise failure(
                self._redact(
                    f"the Slack webhook answered HTTP {response.status_code}: {body}"
                    + _post_fix(body)
                )
            )
        return None, None

    def find(
        self, message: SlackMessage, since: datetime, thread: Thread | None, channel: str | None
    ) -> Found | None:
        raise HistoryUnavailable("a webhook cannot read its channel")


class BotTarget:
    threaded = True
    can_look_up = True

    def __init__(self, token: str | None, channel: str, *, api_url: str = DEFAULT_API_URL) -> None:
        self._redact = Redactor((token or "",))
        logger = sdk_logger(self._redact)
        # Posts are not retried on a 5xx or a dropped connection (Slack may have stored the
        # message): briefer looks in the history first. Reads are safe to repeat.
        self._poster = WebClient(
            token=token,
            base_url=api_url,
            retry_handlers=retry_handlers(repeat_uncertain=False),
            logger=logger,
        )
        self._reader = WebClient(
            token=token,
            base_url=api_url,
            retry_handlers=retry_handlers(repeat_uncertain=True),
            logger=logger,
        )
        self._denied: dict[str, str] = {}  # channel → why its history cannot be read
        self.channel = channel
        self.destination = f"channel:{channel}"

    def describe(self) -> str:
        if self._poster.token is None:
            return (
                f"channel {self.channel} (a preview: no SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL set)"
            )
        return f"channel {self.channel} (SLACK_BOT_TOKEN)"

    def payload(self, message: SlackMessage, thread: Thread | None) -> dict[str, Any]:
        metadata = {
            "event_type": EVENT_TYPE,
            "event_payload": {"key": message.key, "day": message.day},
        }
        if not (message.reply and thread and thread.ts):
            return {"channel": self.channel, **message.payload(), "metadata": metadata}
        return {
            "channel": thread.channel or self.channel,
            **message.payload(),
            "thread_ts": thread.ts,
            "metadata": metadata,
        }

    def send(self, payload: dict[str, Any]) -> tuple[str | None, str | None]:
        if self._poster.token is None:
            raise InputError("no SLACK_BOT_TOKEN: set it (or SLACK_WEBHOOK_URL) to post")
        try:
            response = self._poster.chat_postMessage(**payload)
        except SlackApiError as error:
            status = error.response.status_code
            failure = UncertainPostError if status >= 500 else SlackPostError
            code = error_code(error.response.data, status)
            hint = " (Slack asked to wait too long; re-run later)" if status == 429 else ""
            hint = hint or _post_fix(code)
            raise failure(self._redact(f"chat.postMessage failed: {code}{hint}")) from None
        except Exception as error:
            raise UncertainPostError(
                self._redact(f"could not reach Slack ({type(error).__name__}: {error})")
            ) from None
        ts, channel = response.get("ts"), response.get("channel")
        if not (isinstance(ts, str) and _TS.fullmatch(ts)):
            # Not Slack's answer (a proxy?): Slack may or may not have the message, and
            # replies cannot be threaded under it. The next run looks it up first.
            raise UncertainPostError(
                "chat.postMessage answered ok without the message's ts, an answer that is not "
                "Slack's; check SLACK_API_URL, then re-run"
            )
        return ts, channel if isinstance(channel, str) and channel else self.channel

    def find(
        self, message: SlackMessage, since: datetime, thread: Thread | None, channel: str | None
    ) -> Found | None:
        params: dict[str, Any] = {
            "oldest": f"{(since - HISTORY_MARGIN).timestamp():.6f}",
            "include_all_metadata": True,
            "limit": HISTORY_PAGE,
        }
        if message.reply and thread and thread.ts:
            method, where = "conversations.replies", thread.channel or self.channel
            params["ts"] = thread.ts
        else:
            method, where = "conversations.history", channel or self.channel
        if where in self._denied:
            raise HistoryUnavailable(self._denied[where])
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = self._read(method, channel=where, cursor=cursor, **params)
            if page is None:
                return None
            for item in page.get("messages") or []:
                if _is_ours(item, message):
                    return Found(str(item["ts"]), where)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
        raise HistoryUnavailable(
            f"it is not among the newest {HISTORY_PAGES * HISTORY_PAGE:,} messages of "
            f"{where}'s history"
        )

    def _read(self, method: str, **params: Any) -> dict[str, Any] | None:
        """One page of history; None when the thread is gone."""
        call = (
            self._reader.conversations_replies
            if method == "conversations.replies"
            else self._reader.conversations_history
        )
        try:
            data = call(**params).data
            return data if isinstance(data, dict) else {}
        except SlackApiError as error:
            code = error_code(error.response.data, error.response.status_code)
            if code == "thread_not_found":
                return None
            if code in _HISTORY_FIXES:
                why = f"{method} answered {code}: {_HISTORY_FIXES[code]}"
                self._denied[params["channel"]] = why
                raise HistoryUnavailable(why) from None
            raise SlackPostError(
                self._redact(f"could not check what Slack already has ({method}: {code}); re-run")
            ) from None
        except Exception as error:
            raise SlackPostError(
                self._redact(f"could not reach Slack ({type(error).__name__}: {error})")
            ) from None


def _is_ours(item: Any, message: SlackMessage) -> bool:
    metadata = item.get("metadata") if isinstance(item, dict) else None
    if not isinstance(metadata, dict) or metadata.get("event_type") != EVENT_TYPE:
        return False
    payload = metadata.get("event_payload") or {}
    return (
        isinstance(payload, dict)
        and payload.get("key") == message.key
        and payload.get("day") == message.day
        and isinstance(item.get("ts"), str)
    )


def slack_target(
    channel: str | None,
    *,
    environ: Mapping[str, str] | None = None,
    api_url: str | None = None,
    dry_run: bool = False,
) -> SlackTarget:
    """A bot token with a channel (threads), else the webhook; a preview for a dry run."""
    if environ is None:  # the variables are briefer.config's to read
        from briefer.config import slack_environment

        environ = slack_environment()
    token = _secret(environ, "SLACK_BOT_TOKEN")
    webhook = _secret(environ, "SLACK_WEBHOOK_URL")
    api_url = api_url or environ.get("SLACK_API_URL") or DEFAULT_API_URL
    if token and channel:
        return BotTarget(token, channel, api_url=api_url)
    if webhook:
        return _webhook(webhook, "SLACK_WEBHOOK_URL")
    if token:
        raise InputError("SLACK_BOT_TOKEN needs a channel: pass --channel or set [slack] channel")
    if dry_run:
        return BotTarget(None, channel or "#your-channel", api_url=api_url)
    raise InputError(
        "no Slack destination: set SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and --channel "
        "(--dry-run shows the messages without either)"
    )


def failures_target(
    channel: str | None,
    *,
    environ: Mapping[str, str] | None = None,
    api_url: str | None = None,
    dry_run: bool = False,
) -> SlackTarget | None:
    """Where the failures go when not with the digest: a channel for the bot token
    (``[slack] failures_channel``), else the webhook in SLACK_FAILURES_WEBHOOK_URL; None
    when neither is set."""
    if environ is None:
        from briefer.config import slack_environment

        environ = slack_environment()
    token = _secret(environ, "SLACK_BOT_TOKEN")
    webhook = _secret(environ, FAILURES_WEBHOOK_ENV)
    api_url = api_url or environ.get("SLACK_API_URL") or DEFAULT_API_URL
    if channel:
        if not (token or dry_run):
            raise InputError(
                "a failures channel needs SLACK_BOT_TOKEN: set it, or drop --failures-channel "
                f"/ [slack] failures_channel (or set {FAILURES_WEBHOOK_ENV})"
            )
        return BotTarget(token or None, channel, api_url=api_url)
    if webhook:
        return _webhook(webhook, FAILURES_WEBHOOK_ENV)
    return None


def failures_label(target: SlackTarget) -> str:
    """How the digest names the failures' destination: a channel, never a webhook's URL."""
    if isinstance(target, BotTarget):
        return target.channel
    return "the failures channel"


def _webhook(url: str, variable: str) -> WebhookTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"{variable} is not an http(s) URL; set it to the incoming webhook URL "
            "Slack gave you (https://hooks.slack.com/services/…)"
        )
    return WebhookTarget(url, variable=variable)


def _secret(environ: Mapping[str, str], name: str) -> str:
    """A secret from the environment, without the spaces a ``.env`` file leaves around it."""
    value = (environ.get(name) or "").strip()
    if _CONTROL.search(value):  # never shown: say where, not what
        raise InputError(f"{name} contains spaces or control characters; set it to the value alone")
    return value


__all__ = [
    "DEFAULT_API_URL",
    "EVENT_TYPE",
    "FAILURES_WEBHOOK_ENV",
    "BotTarget",
    "Found",
    "HistoryUnavailable",
    "SlackPostError",
    "SlackTarget",
    "Thread",
    "UncertainPostError",
    "WebhookTarget",
    "failures_label",
    "failures_target",
    "slack_target",
]
