"""Slack messages from a digest: Block Kit blocks within Slack's limits, untrusted text escaped.

Layout: the digest header (title, counts, the numbered contents) is the main message; each
story, then the failure list, is one reply in its thread.

Limits: a message holds at most ``MAX_BLOCKS`` blocks and ``MESSAGE_BUDGET`` characters of
block text; a section at most ``MAX_SECTION_CHARS``. Longer content is split into more
sections and more messages (marked "continued i/n"), never cut.

Safety: every piece of article- or model-derived text is escaped for mrkdwn (``&``, ``<``,
``>``), so ``<!channel>``, ``<@U123>`` or ``<https://evil|bank.com>`` arrive as literal
text; links are built only from http(s) URLs; link unfurling is off.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from briefer.digest import Digest, Failure, Story, digest_summary, digest_title, link_label, plural
from briefer.render import safe_url

MAX_BLOCKS = 50  # Slack: blocks per message
MAX_SECTION_CHARS = 3000  # Slack: text of one section or context element
MESSAGE_BUDGET = 12_000  # ours: block text per message, far under Slack's 40,000-char cut
MAX_LINK_URL = 1000  # longer URLs are shown as their label only

Block = dict[str, Any]


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
    """One message to post. ``key`` names it (with ``day``) in the ledger and in Slack's
    message metadata; ``reply`` puts it in the thread."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    day: str
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
    day = digest.date
    messages = _split(
        "header",
        _header_blocks(digest),
        f"{digest_title(digest)}: {digest_summary(digest)}",
        day=day,
        reply=False,
    )
    for rank, story in enumerate(digest.stories, start=1):
        title = f"{rank}. {mrkdwn_escape(story.brief.title)}"
        messages += _split(
            f"story:{story.id}", _story_blocks(rank, story), title, day=day, reply=True
        )
    if digest.failures:
        fingerprint = hashlib.sha256(
            json.dumps([f.model_dump() for f in digest.failures], sort_keys=True).encode()
        ).hexdigest()[:12]
        messages += _split(
            f"failures:{fingerprint}",
            _failure_blocks(digest.failures),
            f"{len(digest.failures)} failed",
            day=day,
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


def _split(
    key: str, blocks: Sequence[Block], fallback: str, *, day: str, reply: bool
) -> list[SlackMessage]:
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
                day=day,
                reply=reply or index > 1,
                text=f"{fallback}{marker}",
                blocks=part,
            )
        )
    return messages


__all__ = [
    "MAX_BLOCKS",
    "MAX_SECTION_CHARS",
    "MESSAGE_BUDGET",
    "Block",
    "SlackMessage",
    "build_messages",
    "mrkdwn_escape",
    "mrkdwn_link",
    "split_line",
]
