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
    return _group(piece)


def _item(item: Item) -> str:
    quote = "" if item.quote is None else f"<blockquote>{escape(item.quote)}</blockquote>"
    return f"<li>{inlines(item.content)}{quote}</li>"


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
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1, h2 { line-height: 1.2; } h3 { margin-bottom: .2rem; font-size: 1rem; text-transform: uppercase; color: #555; }
blockquote { margin: .2rem 0 .6rem 1rem; color: #555; font-style: italic; }
.unverified { color: #a15c00; font-size: .85em; white-space: nowrap; }
article.brief { border-top: 1px solid #ddd; padding-top: 1rem; margin-top: 1.5rem; }
footer { color: #777; font-size: .85em; }
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
