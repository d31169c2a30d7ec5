"""Blocks as HTML: one element per top-level block, every piece of text escaped.

``escape`` (``html.escape``, quotes included) is the one HTML escaper; links are rendered
only for http(s) URLs. ``page`` and ``report_page`` wrap a body in a self-contained page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from briefer.rendering.blocks import (
    MARK_LABELS,
    UNVERIFIED,
    Aside,
    Block,
    BulletList,
    Cell,
    Disclosure,
    Em,
    Footer,
    Group,
    Heading,
    Inline,
    Item,
    Label,
    Link,
    Lit,
    Para,
    Strong,
    Subtitle,
    Table,
    TextOnly,
    Unverified,
    safe_url,
)

escape = html.escape


def inlines(content: Sequence[Inline]) -> str:
    return "".join(inline(piece) for piece in content)


def inline(piece: Inline) -> str:
    if isinstance(piece, str):
        return escape(piece)
    if isinstance(piece, Lit):
        return escape(piece.text)
    if isinstance(piece, Strong):
        return f"<b>{inlines(piece.content)}</b>"
    if isinstance(piece, Em):
        return f"<i>{inlines(piece.content)}</i>"
    if isinstance(piece, Label):
        return _span(piece.role, escape(piece.text)) if piece.role else escape(piece.text)
    if isinstance(piece, Aside):
        return _span(piece.role, f"· {escape(piece.text)}")
    if isinstance(piece, Link):
        return link(piece)
    if isinstance(piece, Unverified):
        return _span("unverified", UNVERIFIED)
    if isinstance(piece, TextOnly):
        return ""
    return cell(piece, "span")


def _span(role: str, inner: str) -> str:
    return f"<span{_attributes(role, None)}>{inner}</span>"


def link(piece: Link) -> str:
    label = escape(piece.label)
    if piece.style == "anchor":
        return f'<a href="#{escape(piece.url or "")}">{label}</a>'
    url = safe_url(piece.url)
    if url is None:
        return label
    rel = ' rel="noopener noreferrer"' if piece.style == "source" else ""
    return f'<a href="{escape(url)}"{rel}>{label}</a>'


def cell(piece: Cell, tag: str = "td") -> str:
    classes = " ".join(f"has-{m}" for m in piece.marks)
    labels = "".join(
        f'<span class="mark m-{m}">{escape(MARK_LABELS[m])}</span>' for m in piece.marks
    )
    return f"<{tag}{_attributes(classes, None)}>{escape(piece.text)}{labels}</{tag}>"


def _attributes(role: str | None, anchor: str | None) -> str:
    classes = f' class="{escape(role)}"' if role else ""
    return classes + (f' id="{escape(anchor)}"' if anchor else "")


def block(piece: Block) -> str:
    if isinstance(piece, Heading):
        level = piece.html_level or piece.level
        return f"<h{level}{_attributes(None, piece.anchor)}>{inlines(piece.content)}</h{level}>"
    if isinstance(piece, Para):
        return f"<p{_attributes(piece.role, None)}>{inlines(piece.content)}</p>"
    if isinstance(piece, Subtitle):
        return f"<p>{inlines(piece.content)}</p>"
    if isinstance(piece, Footer):
        return f"<footer>{inlines(piece.content)}</footer>"
    if isinstance(piece, BulletList):
        tag = "ol" if piece.ordered else "ul"
        return f"<{tag}>" + "".join(_item(item) for item in piece.items) + f"</{tag}>"
    if isinstance(piece, Table):
        head = "".join(f"<th>{escape(h)}</th>" for h in piece.headers)
        body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in piece.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(piece, Disclosure):
        return _disclosure(piece)
    return _group(piece)


def _item(item: Item) -> str:
    quote = "" if item.quote is None else f"<blockquote>{escape(item.quote)}</blockquote>"
    return f"<li>{inlines(item.content)}{quote}</li>"


def _disclosure(disclosure: Disclosure) -> str:
    level = disclosure.level
    parts = "".join(
        f"<h{level}>{inlines(part.title)}</h{level}>"
        + "<ul>"
        + "".join(_item(item) for item in part.items)
        + "</ul>"
        for part in disclosure.parts
    )
    summary = f"<summary>{inlines(disclosure.summary)}</summary>"
    return f"<details{_attributes(disclosure.role, None)}>{summary}{parts}</details>"


def _group(group: Group) -> str:
    separator = "\n" if group.lines else ""
    inner = separator.join(block(child) for child in group.children)
    if group.tag is None:
        return inner
    return f"<{group.tag}{_attributes(group.role, group.id)}>{inner}{separator}</{group.tag}>"


def to_html(blocks: Sequence[Block]) -> str:
    """The blocks, one top-level block per line (a page's body)."""
    return "\n".join(block(piece) for piece in blocks)


PAGE_STYLE = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #fff; --muted: #59636e; --line: #d8dee4;
  --link: #0b57d0; --warn: #8a4600; --warn-bg: #fff1d6; --bad: #b3261e; --quote: #d8dee4; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #30363d; --link: #7cb7ff;
    --warn: #f2b45a; --warn-bg: #3b2a0e; --bad: #ff8a80; --quote: #3d444d; }
}
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; max-width: 42rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; color: var(--fg);
  background: var(--bg); overflow-wrap: break-word; -webkit-text-size-adjust: 100%; }
a { color: var(--link); }
h1, h2 { line-height: 1.25; } h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
@media (max-width: 30rem) { h1 { font-size: 1.35rem; } }
h3 { margin: .8rem 0 .2rem; font-size: .8rem; letter-spacing: .04em; text-transform: uppercase;
  color: var(--muted); }
blockquote { margin: .15rem 0 .5rem; padding-left: .7rem; border-left: 3px solid var(--quote);
  color: var(--muted); font-style: italic; }
.unverified { color: var(--warn); background: var(--warn-bg); border-radius: .25rem;
  padding: 0 .3rem; font-size: .85em; white-space: nowrap; }
header p { color: var(--muted); margin: 0 0 1rem; }
article.brief { border-top: 1px solid var(--line); padding-top: 1rem; margin-top: 1.5rem; }
body > article.brief:first-child { border-top: 0; padding-top: 0; margin-top: 0; }
footer { color: var(--muted); font-size: .85em; }
"""


def page(title: str, body: str, style: str = PAGE_STYLE) -> str:
    """A self-contained page for reading (briefs, digests), readable on a phone."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{style}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def report_page(title: str, body: str, style: str) -> str:
    """A self-contained page of wide tables (eval reports)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{escape(title)}</title><style>{style}</style></head><body>\n{body}\n</body></html>\n"
    )


__all__ = ["PAGE_STYLE", "block", "escape", "inline", "inlines", "page", "report_page", "to_html"]
