"""Slack messages from a digest: Block Kit blocks within Slack's limits, untrusted text escaped.

The Slack renderer of the render layer (``briefer.rendering``): ``to_block_kit`` turns
document blocks into Block Kit, ``mrkdwn_escape`` is the one mrkdwn escaper.

Layout, the same order as the digest (headline, summary, key numbers, then details): each
story's *lead* is one section, ``*1. <url|Headline>* (2 sources)``, its summary and its key
numbers. With a bot (threaded) the channel message is the digest itself: the title, the
counts and the leads of the top stories that fit one message, then "N more in the thread";
each story's reply in the thread is its lead, then actors, claims, numbers (without their
value), open questions, sources and the run line; then the failures. A webhook (no thread)
gets one message: every lead, then the failures. The failures may go to a destination of
their own (``failures_apart``).

Limits: a message holds at most ``MAX_BLOCKS`` blocks and ``MESSAGE_BUDGET`` characters of
block JSON; a section at most ``MAX_SECTION_CHARS``, a header ``MAX_HEADER_CHARS``. Longer
content is split into more sections and more messages (each marked "part k of n"), never
cut; the channel message is never split: what does not fit is in the thread.

Safety: every piece of article- or model-derived text is escaped for mrkdwn (``&``, ``<``,
``>``), so ``<!channel>``, ``<@U123>`` or ``<https://evil|bank.com>`` arrive as literal
text; links are built only from http(s) URLs; link unfurling is off.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from briefer.daymodels import Digest, Failure, Story
from briefer.digestrender import (
    digest_header,
    digest_summary,
    digest_title,
    failure_items,
    plural,
    source_links,
)
from briefer.followlines import followup_blocks
from briefer.rendering import blocks as doc
from briefer.rendering.blocks import safe_url
from briefer.rendering.brief import actor_item, claim_item, number_item
from briefer.schema import Number

MAX_BLOCKS = 50  # Slack: blocks per message
MAX_SECTION_CHARS = 3000  # Slack: text of one section or context element
MAX_HEADER_CHARS = 150  # Slack: text of a header block
# Ours: characters of block JSON per message. Slack documents 40,000 characters of text, but
# refuses blocks with msg_blocks_too_long from about 13,000 characters (slackapi/bolt-js#2509).
MESSAGE_BUDGET = 12_000
KEY_NUMBERS = 2  # numbers in a story's lead
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
                {
                    "type": "header",
                    "text": {
                        "type": "plain_text",
                        "text": _plain(block.content)[:MAX_HEADER_CHARS],
                    },
                }
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
    message metadata; ``reply`` puts it in the thread; ``to`` is the failures destination
    when the failures are posted apart, else the main one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    day: str
    reply: bool
    text: str = Field(description="the notification fallback, escaped like the blocks")
    blocks: list[Block]
    to: Literal["main", "failures"] = "main"

    def payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "blocks": self.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }


def build_messages(
    digest: Digest, *, threaded: bool = True, failures_apart: str | None = None
) -> list[SlackMessage]:
    """The digest as Slack messages, in posting order.

    ``threaded`` (a bot): the channel message (the top stories that fit one message, then
    "N more in the thread"), then one thread reply per story with its details, then the
    failures. Not threaded (a webhook): one message holding every story's lead and the
    failures, in parts only where Slack's limits cut it. ``failures_apart`` names where
    the failures go instead (their messages are ``to="failures"``).
    """
    day = digest.date
    failures = len(digest.failures)
    where = failures_apart if failures and failures_apart else None
    if threaded:
        messages = [_channel_message(digest, where)]
        for rank, story in enumerate(digest.stories, start=1):
            title = f"{rank}. {mrkdwn_escape(story.brief.title)}"
            messages += _split(
                f"story:{story.id}", _story_blocks(rank, story), title, day=day, reply=True
            )
    else:
        leads = [block for rank, s in enumerate(digest.stories, 1) for block in _lead(rank, s)]
        inline = _failure_blocks(digest.failures) if failures and not where else []
        note = [_context(WEBHOOK_NOTE)] if digest.stories else []
        messages = _split(
            "digest", [*_head(digest, where), *leads, *inline, *note], _fallback(digest), day=day
        )
    if failures and (threaded or where):
        fingerprint = hashlib.sha256(
            json.dumps([f.model_dump() for f in digest.failures], sort_keys=True).encode()
        ).hexdigest()[:12]
        messages += _split(
            f"failures:{fingerprint}",
            _failure_blocks(digest.failures, title=digest_title(digest) if where else None),
            f"{digest_title(digest)}: {failures} failed" if where else f"{failures} failed",
            day=day,
            reply=not where,
            to="failures" if where else "main",
        )
    return messages


def _fallback(digest: Digest) -> str:
    return f"{digest_title(digest)}: {digest_summary(digest)}"


def _head(digest: Digest, failures_apart: str | None) -> list[Block]:
    """The title, and the counts (saying where the failures went when elsewhere)."""
    summary = digest_summary(digest) + (f" (listed in {failures_apart})" if failures_apart else "")
    return to_block_kit([digest_header(digest)[0], doc.Subtitle((doc.Lit(summary),))])


def _channel_message(digest: Digest, failures_apart: str | None) -> SlackMessage:
    """The top stories that fit one message under the title, then what the thread holds."""
    head = _head(digest, failures_apart)
    shown: list[Block] = []
    count = 0
    for rank, story in enumerate(digest.stories, start=1):
        lead = _lead(rank, story)
        note = _thread_note(digest, len(digest.stories) - rank, failures_apart)
        if not _fits([*head, *shown, *lead, note]):
            break
        shown += lead
        count = rank
    more = len(digest.stories) - count
    tail = (
        [_thread_note(digest, more, failures_apart)]
        if digest.stories or (digest.failures and not failures_apart)
        else []
    )
    return SlackMessage(
        key="header:1",
        day=digest.date,
        reply=False,
        text=_fallback(digest),
        blocks=[*head, *shown, *tail],
    )


def _thread_note(digest: Digest, more: int, failures_apart: str | None) -> Block:
    """``*3 more in the thread*, with every story's details and the failures``."""
    failures = " and the failures" if digest.failures and not failures_apart else ""
    if more:
        return _context(f"*{more} more in the thread*, with every story's details{failures}")
    if digest.stories:
        return _context(f"Every story's details{failures} in the thread")
    return _context("The failures in the thread")


WEBHOOK_NOTE = "Each story's actors, claims and numbers: the day's digest (digest.html)"


def _fits(blocks: Sequence[Block]) -> bool:
    return len(blocks) <= MAX_BLOCKS and sum(map(_block_chars, blocks)) <= MESSAGE_BUDGET


def headline_url(story: Story) -> str | None:
    """Where a story's headline links: its first source with an http(s) URL."""
    urls = [link.url for link in story.sources] + [story.brief.article.url]
    return next((url for url in urls if safe_url(url)), None)


def key_numbers(story: Story) -> list[doc.Inlines]:
    """The story's first ``KEY_NUMBERS`` numbers, as its lead shows them: ``*3,000*
    civilians: …``, without a unit the number's text already shows (``*1.1%*``, ``*£4m*``)."""
    return [
        number_item(n.model_copy(update={"unit": None}) if _shown_unit(n) else n, value=False)
        for n in story.brief.numbers[:KEY_NUMBERS]
    ]


def _shown_unit(number: Number) -> bool:
    """A symbol (``%``) or a currency code (``GBP``): the text says it already."""
    unit = number.unit or ""
    return not unit.isalpha() or (len(unit) == 3 and unit.isupper())


def _lead(rank: int, story: Story) -> list[Block]:
    """``*1. <url|Headline>* (2 sources)``, the summary, the key numbers: one section."""
    brief = story.brief
    headline = doc.Strong((doc.Lit(f"{rank}. "), doc.Link(headline_url(story), brief.title)))
    count = (doc.Lit(" "), doc.Aside(plural(len(story.sources), "source"), "count"))
    numbers: list[doc.Inline] = []
    for item in key_numbers(story):
        numbers += [doc.Lit(" · " if numbers else "\n"), *item]
    lead = doc.Para((headline, *count, doc.Lit("\n"), brief.summary, *numbers))
    return to_block_kit([lead])


def _story_blocks(rank: int, story: Story) -> list[Block]:
    """A story's thread reply: its lead, then the details in the digest's order."""
    brief = story.brief
    parts = (
        ("Actors", [actor_item(a, ": ") for a in brief.actors]),
        ("Claims", [claim_item(c) for c in brief.claims]),
        ("Numbers", [number_item(n, value=False) for n in brief.numbers]),
        ("Open questions", [(q,) for q in brief.open_questions]),
    )
    counts = brief.meta.grounding
    run = f"{counts.grounded} grounded · {counts.ungrounded} unverified · model "
    return _lead(rank, story) + to_block_kit(
        [
            *followup_blocks(story),  # new or continuing, sources that disagree
            *(_listed(heading, lines) for heading, lines in parts if lines),
            doc.Para(source_links(story)),
            doc.Footer((doc.Lit(run), brief.meta.model)),
        ]
    )


def _listed(heading: str, lines: Sequence[doc.Inlines]) -> doc.Group:
    items = doc.BulletList([doc.Item(line) for line in lines])
    return doc.Group([doc.Heading((doc.Lit(heading),), 3), items])


def _failure_blocks(failures: Sequence[Failure], *, title: str | None = None) -> list[Block]:
    heading = doc.Para(
        (
            doc.Strong((doc.Lit(f"Failed ({len(failures)})"),)),
            doc.Lit(": a re-run of the day retries these"),
        )
    )
    top = [doc.Heading((doc.Lit(title),), 1)] if title else []
    return to_block_kit([*top, doc.Group([heading, failure_items(failures)])])


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
    key: str,
    blocks: Sequence[Block],
    fallback: str,
    *,
    day: str,
    reply: bool = False,
    to: Literal["main", "failures"] = "main",
) -> list[SlackMessage]:
    """One message, or several (``key:1``, ``key:2`` …, each saying "part k of n") when the
    blocks exceed a message; later parts are replies to the first where there is a thread."""
    parts: list[list[Block]] = [[]]
    used = 0
    reserve = 300  # room for the "part k of n" marker added when there are several parts
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
        marker = f" (part {index} of {total})" if total > 1 else ""
        if total > 1:
            part = [_context(f"_{fallback}{marker}_"), *part]
        messages.append(
            SlackMessage(
                key=f"{key}:{index}",
                day=day,
                reply=reply or index > 1,
                text=f"{fallback}{marker}",
                blocks=part,
                to=to,
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
