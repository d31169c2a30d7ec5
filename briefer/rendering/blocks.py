"""The document model every output is built from: blocks of inline content, no markup.

A builder (a brief, a digest, a Slack message, an eval report) makes these once; the
Markdown, HTML and mrkdwn renderers turn them into text, each escaping every ``str`` for its
own target. A ``str`` anywhere in a document is untrusted text, never markup (one line in
the text formats); ``Lit`` is the builder's own wording.

A few nodes exist because the formats show the same thing differently today (``TextOnly``,
``Link.style``, ``Heading.html_level``): each names one place where they disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

UNVERIFIED = "⚠ unverified"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are ever rendered, percent-encoded (no ``javascript:``, no spaces)."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


# -- inline content ---------------------------------------------------------------------------

Mark = Literal["ok", "bad", "missed", "extra", "ungrounded", "hallucinated"]
MARK_LABELS: dict[Mark, str] = {
    "ok": "✓",
    "bad": "✗",
    "missed": "✗ missed",
    "extra": "+ extra",
    "ungrounded": "⚠ ungrounded",
    "hallucinated": "⚠ number not in article",
}


@dataclass(frozen=True)
class Strong:
    content: Inlines


@dataclass(frozen=True)
class Em:
    content: Inlines


@dataclass(frozen=True)
class Label:
    """A short lead-in ("Sources:", a failure's stage): bold in text formats; in HTML a
    ``<span class=role>`` (plain when it has no role: its paragraph is styled)."""

    text: str
    role: str | None = None


@dataclass(frozen=True)
class Aside:
    """A secondary remark: ``(text)`` in text formats, ``<span class=role>· text</span>`` in HTML."""

    text: str
    role: str


@dataclass(frozen=True)
class Link:
    """A link; only an http(s) URL (``safe_url``) becomes one, else the label is shown.

    ``source``: a link everywhere. ``page``: a link in HTML, the label alone in text formats.
    ``anchor``: ``url`` is an id on the same HTML page; text formats show the label.
    """

    url: str | None
    label: str
    style: Literal["source", "page", "anchor"] = "source"


@dataclass(frozen=True)
class Unverified:
    """The mark on an item grounding could not verify (``UNVERIFIED``)."""


@dataclass(frozen=True)
class TextOnly:
    """Shown in the text formats (Markdown, mrkdwn) and left out of HTML."""

    content: Inlines


@dataclass(frozen=True)
class Cell:
    """Text carrying eval marks (missed, extra, ungrounded…), each rendered as its label."""

    text: str = ""
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class Lit:
    """The builder's own words (" — ", "Sources:"), escaped like any text but with their
    spacing kept; a bare ``str`` is untrusted text, shown on one line."""

    text: str


Inline = str | Lit | Strong | Em | Label | Aside | Link | Unverified | TextOnly | Cell
Inlines = tuple[Inline, ...]


# -- blocks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    content: Inlines
    level: int = 2
    anchor: str | None = None
    html_level: int | None = None
    """The HTML level when it differs from the Markdown one (a brief's title is ``<h2>``)."""


@dataclass(frozen=True)
class Para:
    content: Inlines
    role: str | None = None


@dataclass(frozen=True)
class Subtitle:
    """The line under a page's title: emphasised in Markdown, a Slack context line."""

    content: Inlines


@dataclass(frozen=True)
class Item:
    content: Inlines
    quote: str | None = None
    """A verbatim quote under the item (a claim's evidence)."""


@dataclass(frozen=True)
class BulletList:
    items: Sequence[Item]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Footer:
    """Run details under a brief: an emphasised line in Markdown, ``<footer>`` in HTML, a
    Slack context line."""

    content: Inlines


@dataclass(frozen=True)
class Group:
    """Blocks that belong together. Text formats render the children one after another;
    HTML wraps them in ``tag`` (none: side by side), one per line when ``lines``."""

    children: Sequence[Block]
    tag: str | None = None
    id: str | None = None
    role: str | None = None
    lines: bool = False


@dataclass(frozen=True)
class Listing:
    """One titled list of a ``Disclosure`` (a brief's actors, its claims...)."""

    title: Inlines
    items: Sequence[Item]


@dataclass(frozen=True)
class Disclosure:
    """Details behind a one-line summary. HTML: a closed ``<details>`` whose ``<summary>`` is
    ``summary``, then each part as an ``<h{level}>`` and a list. Text formats cannot collapse:
    the parts are one nested list there, and ``summary`` is left out (the part titles say
    what it says)."""

    summary: Inlines
    parts: Sequence[Listing]
    level: int = 3
    role: str | None = None


Block = Heading | Para | Subtitle | BulletList | Table | Footer | Group | Disclosure


__all__ = [
    "MARK_LABELS",
    "UNVERIFIED",
    "Aside",
    "Block",
    "BulletList",
    "Cell",
    "Disclosure",
    "Em",
    "Footer",
    "Group",
    "Heading",
    "Inline",
    "Inlines",
    "Item",
    "Label",
    "Link",
    "Listing",
    "Lit",
    "Mark",
    "Para",
    "Strong",
    "Subtitle",
    "Table",
    "TextOnly",
    "Unverified",
    "safe_url",
]
