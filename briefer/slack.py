"""Post a day's digest to Slack: Block Kit messages, Slack's limits, a ledger, no secrets shown.

Layout: the digest header (title, counts, the numbered contents) is the main message; each
story, then the failure list, is one reply in its thread. An incoming webhook cannot thread
(it returns no message ``ts``), so there every message is top level, in the same order.

Limits: a message holds at most ``MAX_BLOCKS`` blocks and ``MESSAGE_BUDGET`` characters of
block text; a section at most ``MAX_SECTION_CHARS``. Longer content is split into more
sections and more messages (marked "continued i/n"), never cut.

Safety: every piece of article- or model-derived text is escaped for mrkdwn (``&``, ``<``,
``>``), so ``<!channel>``, ``<@U123>`` or ``<https://evil|bank.com>`` arrive as literal
text; links are built only from http(s) URLs; link unfurling is off.

The ledger (``slack-ledger.json`` in the day folder) records every message posted, per
destination, with its ``ts``; it is written atomically after each post, so a re-run posts
only what is missing. A lock keeps two posts of the same day from running at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from briefer.digest import (
    Digest,
    Failure,
    Story,
    day_lock,
    digest_summary,
    digest_title,
    link_label,
    plural,
    write_atomic,
)
from briefer.errors import BrieferError, InputError
from briefer.render import safe_url

MAX_BLOCKS = 50  # Slack: blocks per message
MAX_SECTION_CHARS = 3000  # Slack: text of one section or context element
MESSAGE_BUDGET = 12_000  # ours: block text per message, far under Slack's 40,000-char cut
MAX_LINK_URL = 1000  # longer URLs are shown as their label only
LEDGER_FILE = "slack-ledger.json"
DEFAULT_API_URL = "https://slack.com/api/"
REDACTED = "[REDACTED]"
_SECRET_PATTERNS = (
    re.compile(r"xox[a-z]-[A-Za-z0-9-]+"),
    re.compile(r"/services/[A-Za-z0-9/_-]+"),
)

Block = dict[str, Any]


class Thread(NamedTuple):
    """The header message replies are threaded under."""

    ts: str | None
    channel: str | None


class SlackPostError(BrieferError):
    """Slack refused a message or could not be reached (exit 1; the ledger keeps the rest)."""


# -- escaping ---------------------------------------------------------------------------------


def mrkdwn_escape(text: str) -> str:
    """Untrusted text as literal mrkdwn: one line, and ``& < >`` as Slack's entities."""
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_link(url: str | None, label: str) -> str:
    """``<url|label>`` for an http(s) URL (the label escaped), else the escaped label."""
    safe = safe_url(url)
    if safe is None or len(safe) > MAX_LINK_URL:
        return mrkdwn_escape(label)
    target = safe.replace("&", "&amp;").replace("|", "%7C")
    return f"<{target}|{mrkdwn_escape(label) or target}>"


# -- messages ---------------------------------------------------------------------------------


class SlackMessage(BaseModel):
    """One message to post. ``key`` names it in the ledger; ``reply`` puts it in the thread."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    reply: bool
    text: str = Field(description="the notification fallback, escaped like the blocks")
    blocks: list[Block]

    def payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "blocks": self.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }


def build_messages(digest: Digest) -> list[SlackMessage]:
    """The digest as Slack messages, in posting order: header, stories, failures."""
    messages = _split(
        "header",
        _header_blocks(digest),
        f"{digest_title(digest)}: {digest_summary(digest)}",
        reply=False,
    )
    for rank, story in enumerate(digest.stories, start=1):
        title = f"{rank}. {mrkdwn_escape(story.brief.title)}"
        messages += _split(f"story:{story.id}", _story_blocks(rank, story), title, reply=True)
    if digest.failures:
        fingerprint = hashlib.sha256(
            json.dumps([f.model_dump() for f in digest.failures], sort_keys=True).encode()
        ).hexdigest()[:12]
        messages += _split(
            f"failures:{fingerprint}",
            _failure_blocks(digest.failures),
            f"{len(digest.failures)} failed",
            reply=True,
        )
    return messages


def _header_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": digest_title(digest)}},
        _context(mrkdwn_escape(digest_summary(digest))),
    ]
    contents = "\n".join(
        f"{rank}. {mrkdwn_escape(s.brief.title)} ({plural(len(s.sources), 'source')})"
        for rank, s in enumerate(digest.stories, start=1)
    )
    return blocks + (_sections(contents) if contents else [])


def _story_blocks(rank: int, story: Story) -> list[Block]:
    brief = story.brief
    blocks = _sections(f"*{rank}. {mrkdwn_escape(brief.title)}*\n{mrkdwn_escape(brief.summary)}")
    claims = [
        f"• {mrkdwn_escape(c.text)}"
        + (f" — _{mrkdwn_escape(c.attributed_to)}_" if c.attributed_to else "")
        + _flag(c.grounded)
        for c in brief.claims
    ]
    numbers = [
        f"• *{mrkdwn_escape(n.text)}*{' ' + mrkdwn_escape(n.unit) if n.unit else ''}: "
        f"{mrkdwn_escape(n.context)}{_flag(n.grounded)}"
        for n in brief.numbers
    ]
    actors = [
        f"• *{mrkdwn_escape(a.name)}*: {mrkdwn_escape(a.role)}{_flag(a.grounded)}"
        for a in brief.actors
    ]
    questions = [f"• {mrkdwn_escape(q)}" for q in brief.open_questions]
    for heading, lines in (
        ("Claims", claims),
        ("Numbers", numbers),
        ("Actors", actors),
        ("Open questions", questions),
    ):
        if lines:
            blocks += _sections(f"*{heading}*\n" + "\n".join(lines))
    links = [mrkdwn_link(link.url, link_label(link)) for link in story.sources]
    blocks += _sections("*Sources:* " + " · ".join(links))
    counts = brief.meta.grounding
    blocks.append(
        _context(
            f"{counts.grounded} grounded · {counts.ungrounded} unverified · "
            f"model {mrkdwn_escape(brief.meta.model)}"
        )
    )
    return blocks


def _failure_blocks(failures: Sequence[Failure]) -> list[Block]:
    lines = [f"• *{f.stage}* {mrkdwn_escape(f.item)}: {mrkdwn_escape(f.reason)}" for f in failures]
    return _sections(
        f"*Failed ({len(failures)})*: a re-run of the day retries these\n" + "\n".join(lines)
    )


def _flag(grounded: bool) -> str:
    return "" if grounded else " _⚠ unverified_"


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# -- splitting --------------------------------------------------------------------------------

_ATOM = re.compile(r"<[^<>]*>|&[a-z]+;|\s+|[^\s<&]+|[<&]")


def _sections(text: str, limit: int = MAX_SECTION_CHARS) -> list[Block]:
    """Sections of at most ``limit`` characters, cut between lines, else between words."""
    chunks: list[str] = []
    current = ""
    for line in (piece for raw in text.split("\n") for piece in split_line(raw, limit)):
        candidate = f"{current}\n{line}" if current else line
        if current and len(candidate) > limit:
            chunks.append(current)
            candidate = line
        current = candidate
    chunks.append(current)
    return [_section(chunk) for chunk in chunks if chunk.strip()]


def split_line(line: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, never inside a ``<link>`` or an ``&entity;``."""
    if len(line) <= limit:
        return [line]
    pieces: list[str] = []
    current = ""
    for atom in _ATOM.findall(line):
        for part in [atom[i : i + limit] for i in range(0, len(atom), limit)]:
            if len(current) + len(part) > limit:
                pieces.append(current)
                current = part.lstrip()
            else:
                current += part
    pieces.append(current)
    return [piece for piece in pieces if piece]


def _block_chars(block: Block) -> int:
    return len(json.dumps(block, ensure_ascii=False))


def _split(key: str, blocks: Sequence[Block], fallback: str, *, reply: bool) -> list[SlackMessage]:
    """One message, or several (``key:1``, ``key:2`` …) when the blocks exceed a message."""
    parts: list[list[Block]] = [[]]
    used = 0
    reserve = 300  # room for the "continued" marker added to later parts
    for block in blocks:
        size = _block_chars(block)
        if parts[-1] and (
            len(parts[-1]) >= MAX_BLOCKS - 1 or used + size > MESSAGE_BUDGET - reserve
        ):
            parts.append([])
            used = 0
        parts[-1].append(block)
        used += size
    total = len(parts)
    messages = []
    for index, part in enumerate(parts, start=1):
        marker = f" (continued {index}/{total})" if total > 1 else ""
        if index > 1:
            part = [_context(f"_{fallback}{marker}_"), *part]
        messages.append(
            SlackMessage(
                key=f"{key}:{index}",
                reply=reply or index > 1,
                text=f"{fallback}{marker}",
                blocks=part,
            )
        )
    return messages


# -- secrets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redactor:
    secrets: tuple[str, ...]

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, REDACTED)
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(REDACTED, text)
        return text


class _RedactingFilter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        return True


def _sdk_logger(redact: Redactor) -> logging.Logger:
    """The SDK logs request URLs (a webhook URL is a secret): give it a quiet, redacting logger."""
    logger = logging.Logger("briefer.slack.sdk", level=logging.CRITICAL)  # not global: own filter
    logger.parent = logging.getLogger("briefer.slack")
    logger.addFilter(_RedactingFilter(redact))
    return logger


def _retry_handlers() -> list[RetryHandler]:
    """429s wait for Retry-After; 500/503 and dropped connections are tried again."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ]


# -- destinations -----------------------------------------------------------------------------


class SlackTarget(Protocol):
    destination: str
    """Names the destination in the ledger; never contains a secret."""
    threaded: bool

    def describe(self) -> str: ...

    def payload(self, message: SlackMessage, thread: Thread | None) -> dict[str, Any]: ...

    def send(self, payload: dict[str, Any]) -> tuple[str | None, str | None]:
        """Post; return the message's (ts, channel) when Slack tells them."""
        ...


class WebhookTarget:
    threaded = False

    def __init__(self, url: str) -> None:
        self._redact = Redactor((url,))
        self._client = WebhookClient(
            url, retry_handlers=_retry_handlers(), logger=_sdk_logger(self._redact)
        )
        self.destination = "webhook:" + hashlib.sha256(url.encode()).hexdigest()[:12]

    def describe(self) -> str:
        return "the incoming webhook (SLACK_WEBHOOK_URL)"

    def payload(self, message: SlackMessage, thread: Thread | None) -> dict[str, Any]:
        return message.payload()

    def send(self, payload: dict[str, Any]) -> tuple[str | None, str | None]:
        try:
            response = self._client.send_dict(payload)
        except Exception as error:  # urllib errors after the SDK's retries
            raise SlackPostError(
                self._redact(f"could not reach the Slack webhook ({type(error).__name__}: {error})")
            ) from None
        if response.status_code != 200:
            body = (response.body or "")[:200]
            raise SlackPostError(
                self._redact(f"the Slack webhook answered HTTP {response.status_code}: {body}")
            )
        return None, None


class BotTarget:
    threaded = True

    def __init__(self, token: str | None, channel: str, *, api_url: str = DEFAULT_API_URL) -> None:
        self._redact = Redactor((token or "",))
        self._client = WebClient(
            token=token,
            base_url=api_url,
            retry_handlers=_retry_handlers(),
            logger=_sdk_logger(self._redact),
        )
        self.channel = channel
        self.destination = f"channel:{channel}"

    def describe(self) -> str:
        if self._client.token is None:
            return (
                f"channel {self.channel} (a preview: no SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL set)"
            )
        return f"channel {self.channel} (SLACK_BOT_TOKEN)"

    def payload(self, message: SlackMessage, thread: Thread | None) -> dict[str, Any]:
        if not (message.reply and thread and thread.ts):
            return {"channel": self.channel, **message.payload()}
        return {
            "channel": thread.channel or self.channel,
            **message.payload(),
            "thread_ts": thread.ts,
        }

    def send(self, payload: dict[str, Any]) -> tuple[str | None, str | None]:
        if self._client.token is None:
            raise InputError("no SLACK_BOT_TOKEN: set it (or SLACK_WEBHOOK_URL) to post")
        try:
            response = self._client.chat_postMessage(**payload)
        except SlackApiError as error:
            code = error.response.get("error") or f"HTTP {error.response.status_code}"
            raise SlackPostError(self._redact(f"chat.postMessage failed: {code}")) from None
        except Exception as error:
            raise SlackPostError(
                self._redact(f"could not reach Slack ({type(error).__name__}: {error})")
            ) from None
        return str(response["ts"]), str(response["channel"])


def slack_target(
    channel: str | None,
    *,
    environ: Mapping[str, str] | None = None,
    api_url: str | None = None,
    dry_run: bool = False,
) -> SlackTarget:
    """A bot token with a channel (threads), else the webhook; a preview for a dry run."""
    environ = os.environ if environ is None else environ
    token, webhook = environ.get("SLACK_BOT_TOKEN"), environ.get("SLACK_WEBHOOK_URL")
    api_url = api_url or environ.get("SLACK_API_URL") or DEFAULT_API_URL
    if token and channel:
        return BotTarget(token, channel, api_url=api_url)
    if webhook:
        return WebhookTarget(webhook)
    if token:
        raise InputError("SLACK_BOT_TOKEN needs a channel: pass --channel or set [slack] channel")
    if dry_run:
        return BotTarget(None, channel or "#your-channel", api_url=api_url)
    raise InputError(
        "no Slack destination: set SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and --channel "
        "(--dry-run shows the messages without either)"
    )


# -- the ledger and posting -------------------------------------------------------------------


class LedgerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ts: str | None = None
    channel: str | None = None
    posted_at: str


class Ledger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    destinations: dict[str, dict[str, LedgerEntry]] = Field(default_factory=dict)


def load_ledger(day_dir: Path) -> Ledger:
    path = day_dir / LEDGER_FILE
    if not path.exists():
        return Ledger()
    try:
        return Ledger.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as error:  # never guess: a lost ledger means double posts
        raise InputError(
            f"{path}: unreadable Slack ledger ({type(error).__name__}); fix or remove it"
        ) from error


@dataclass
class PostReport:
    destination: str
    posted: int = 0
    already: int = 0
    planned: int = 0


def post_digest(
    day_dir: Path,
    digest: Digest,
    target: SlackTarget,
    *,
    dry_run: bool = False,
    show: Callable[[str], None] = print,
) -> PostReport:
    """Post the messages the ledger does not list yet; a dry run shows them instead."""
    messages = build_messages(digest)
    report = PostReport(target.describe())
    with day_lock(day_dir, "slack"):
        ledger = load_ledger(day_dir)
        posted = ledger.destinations.setdefault(target.destination, {})
        for number, message in enumerate(messages, start=1):
            if message.key in posted:
                report.already += 1
                continue
            payload = target.payload(message, _thread(posted.get(messages[0].key), dry_run=dry_run))
            if dry_run:
                show(f"# message {number}/{len(messages)} ({message.key}) to {target.describe()}")
                show(json.dumps(payload, indent=2, ensure_ascii=False))
                report.planned += 1
                continue
            ts, channel = target.send(payload)
            posted[message.key] = LedgerEntry(
                ts=ts, channel=channel, posted_at=datetime.now(UTC).isoformat()
            )
            write_atomic(day_dir / LEDGER_FILE, ledger.model_dump_json(indent=2) + "\n")
            report.posted += 1
    return report


def _thread(header: LedgerEntry | None, *, dry_run: bool) -> Thread | None:
    """Where replies go: the posted header message (a placeholder in a dry run before it)."""
    if header is not None:
        return Thread(header.ts, header.channel)
    return Thread("<ts of the header message>", None) if dry_run else None


__all__ = [
    "BotTarget",
    "Ledger",
    "PostReport",
    "SlackMessage",
    "SlackPostError",
    "SlackTarget",
    "WebhookTarget",
    "build_messages",
    "load_ledger",
    "mrkdwn_escape",
    "mrkdwn_link",
    "post_digest",
    "slack_target",
    "split_line",
]
