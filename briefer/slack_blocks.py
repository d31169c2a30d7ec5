"""Slack messages from a digest: Block Kit blocks within Slack's limits, untrusted text escaped.

The Slack renderer of the render layer (``briefer.rendering``): ``to_block_kit`` turns
document blocks into Block Kit, ``mrkdwn_escape`` is the one mrkdwn escaper.

Layout: the digest header (title, counts, the numbered contents) is the main message; each
story, then the failure list, is one reply in its thread. A story's reply lists claims,
numbers (without their value), actors and questions, in that order, without the evidence.

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

from briefer.daymodels import Digest, Failure, Story
from briefer.digestrender import (
    contents_list,
    digest_header,
    digest_summary,
    digest_title,
    failure_items,
    source_links,
)
from briefer.followlines import followup_blocks
from briefer.rendering import blocks as doc
from briefer.rendering.blocks import safe_url
from briefer.rendering.brief import actor_item, claim_item, number_item

MAX_BLOCKS = 50  # Slack: blocks per message
MAX_SECTION_CHARS = 3000  # Slack: text of one section or context element
MESSAGE_BUDGET = 12_000  # ours: block text per message, far under Slack's 40,000-char cut
MAX_LINK_URL = 1000  # longer URLs are shown as their label only

Block = dict[str, Any]


# -- escaping ---------------------------------------------------------------------------------


def mrkdwn_escape(text: str) -> str:
    """Untrusted text as literal mrkdwn: one line, and ``& < >`` as Slack's entities."""
    return _entities(" ".join(text.split()))


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_link(url: str | None, label: str) -> str:
    """``<url|label>`` for an http(s) URL (the label escaped), else the escaped label."""
    safe = safe_url(url)
    if safe is None or len(safe) > MAX_LINK_URL:
        return mrkdwn_escape(label)
    target = safe.replace("&", "&amp;").replace("|", "%7C")
    return f"<{target}|{mrkdwn_escape(label) or target}>"


# -- rendering: document blocks as Block Kit --------------------------------------------------


def to_block_kit(blocks: Sequence[doc.Block]) -> list[Block]:
    """A page title as a header, a subtitle or run details as context, the rest as sections."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, doc.Heading) and block.level == 1:
            out.append(
                {"type": "header", "text": {"type": "plain_text", "text": _plain(block.content)}}
            )
        elif isinstance(block, doc.Subtitle | doc.Footer):
            out.append(_context(mrkdwn(block.content)))
        else:
            out += _sections(_text(block))
    return out


def _text(block: doc.Block) -> str:
    if isinstance(block, doc.Group):
        return "\n".join(_text(child) for child in block.children)
    if isinstance(block, doc.BulletList):
        return "\n".join(
            (f"{n}. " if block.ordered else "• ") + mrkdwn(item.content)
            for n, item in enumerate(block.items, start=1)
        )
    if isinstance(block, doc.Heading):
        return f"*{mrkdwn(block.content)}*"
    assert isinstance(block, doc.Para | doc.Subtitle | doc.Footer), block
    return mrkdwn(block.content)


def mrkdwn(content: Sequence[doc.Inline]) -> str:
    return "".join(_inline(piece) for piece in content)


def _inline(piece: doc.Inline) -> str:
    if isinstance(piece, str):
        return mrkdwn_escape(piece)
    if isinstance(piece, doc.Lit):
        return _entities(piece.text)
    if isinstance(piece, doc.Strong):
        return f"*{mrkdwn(piece.content)}*"
    if isinstance(piece, doc.Label):
        return f"*{mrkdwn_escape(piece.text)}*"
    if isinstance(piece, doc.Em):
        return f"_{mrkdwn(piece.content)}_"
    if isinstance(piece, doc.Aside):
        return f"({mrkdwn_escape(piece.text)})"
    if isinstance(piece, doc.Link):
        return (
            mrkdwn_link(piece.url, piece.label)
            if piece.style == "source"
            else mrkdwn_escape(piece.label)
        )
    if isinstance(piece, doc.Unverified):
        return f"_{doc.UNVERIFIED}_"
    if isinstance(piece, doc.TextOnly):
        return mrkdwn(piece.content)
    return mrkdwn_escape(piece.text)


def _plain(content: Sequence[doc.Inline]) -> str:
    """Text for a ``plain_text`` element, which Slack shows as is (nothing to escape)."""
    return "".join(
        piece if isinstance(piece, str) else getattr(piece, "text", "") for piece in content
    )


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


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
    contents = contents_list(digest)
    return to_block_kit([*digest_header(digest), *([contents] if contents.items else [])])


def _story_blocks(rank: int, story: Story) -> list[Block]:
    brief = story.brief
    title = doc.Para(
        (doc.Strong((doc.Lit(f"{rank}. "), brief.title)), doc.Lit("\n"), brief.summary)
    )
    parts = (
        ("Claims", [claim_item(c) for c in brief.claims]),
        ("Numbers", [number_item(n, value=False) for n in brief.numbers]),
        ("Actors", [actor_item(a, ": ") for a in brief.actors]),
        ("Open questions", [(q,) for q in brief.open_questions]),
    )
    counts = brief.meta.grounding
    run = f"{counts.grounded} grounded · {counts.ungrounded} unverified · model "
    return to_block_kit(
        [
            title,
            *followup_blocks(story),  # new or continuing, sources that disagree
            *(_listed(heading, lines) for heading, lines in parts if lines),
            doc.Para(source_links(story)),
            doc.Footer((doc.Lit(run), brief.meta.model)),
        ]
    )


def _listed(heading: str, lines: Sequence[doc.Inlines]) -> doc.Group:
    items = doc.BulletList([doc.Item(line) for line in lines])
    return doc.Group([doc.Heading((doc.Lit(heading),), 3), items])


def _failure_blocks(failures: Sequence[Failure]) -> list[Block]:
    heading = doc.Para(
        (
            doc.Strong((doc.Lit(f"Failed ({len(failures)})"),)),
            doc.Lit(": a re-run of the day retries these"),
        )
    )
    return to_block_kit([doc.Group([heading, failure_items(failures)])])


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
