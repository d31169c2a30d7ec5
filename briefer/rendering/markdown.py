"""Blocks as Markdown: blocks apart by a blank line, every piece of text escaped.

``escape`` is the one Markdown escaper. Strict (briefs, digests), it neutralises every
character Markdown or HTML acts on; loose (eval reports, whose tables are full of names such
as ``actors_f1``), it keeps underscores, brackets and ``#`` readable and still breaks links.
"""

from __future__ import annotations

import re
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

_STRICT = re.compile(r"([\\`*_\[\]<>#|])")
_LOOSE = re.compile(r"([\\`*<>|])")


def escape(text: str, *, loose: bool = False, one_line: bool = True) -> str:
    """Untrusted text made inert in Markdown: no HTML, emphasis, code, table breaks or links;
    on one line unless ``one_line`` is off (the builder's own words keep their spacing)."""
    if one_line:
        text = " ".join(text.split())
    if not loose:
        return _STRICT.sub(r"\\\1", text)
    return _LOOSE.sub(r"\\\1", text).replace("](", "]\\(")


class MarkdownRenderer:
    def __init__(self, *, loose: bool = False) -> None:
        self.loose = loose

    def text(self, text: str, *, one_line: bool = True) -> str:
        return escape(text, loose=self.loose, one_line=one_line)

    def inlines(self, content: Sequence[Inline]) -> str:
        return "".join(self.inline(piece) for piece in content)

    def inline(self, piece: Inline) -> str:
        if isinstance(piece, str):
            return self.text(piece)
        if isinstance(piece, Lit):
            return self.text(piece.text, one_line=False)
        if isinstance(piece, Strong):
            return f"**{self.inlines(piece.content)}**"
        if isinstance(piece, Em):
            return f"_{self.inlines(piece.content)}_"
        if isinstance(piece, Label):
            return f"**{self.text(piece.text)}**"
        if isinstance(piece, Aside):
            return f"({self.text(piece.text)})"
        if isinstance(piece, Link):
            return self.link(piece)
        if isinstance(piece, Unverified):
            return f"_{UNVERIFIED}_"
        if isinstance(piece, TextOnly):
            return self.inlines(piece.content)
        return self.cell(piece)

    def link(self, link: Link) -> str:
        url = safe_url(link.url) if link.style == "source" else None
        label = self.text(link.label)
        return f"[{label}](<{url}>)" if url else label

    def cell(self, cell: Cell) -> str:
        labels = " ".join(f"**{MARK_LABELS[m]}**" for m in cell.marks)
        return " ".join(part for part in (self.text(cell.text), labels) if part)

    def blocks(self, blocks: Sequence[Block]) -> list[str]:
        """Each block's text; a group's children one after another."""
        out: list[str] = []
        for block in blocks:
            if isinstance(block, Group):
                out += self.blocks(block.children)
            else:
                out.append(self.block(block))
        return out

    def block(self, block: Block) -> str:
        if isinstance(block, Heading):
            return "#" * block.level + " " + self.inlines(block.content)
        if isinstance(block, Subtitle | Footer):
            return f"_{self.inlines(block.content)}_"
        if isinstance(block, BulletList):
            return "\n".join(
                self.item(f"{n}. " if block.ordered else "- ", item)
                for n, item in enumerate(block.items, start=1)
            )
        if isinstance(block, Table):
            return self.table(block)
        if isinstance(block, Disclosure):
            return self.disclosure(block)
        assert isinstance(block, Para)
        return self.inlines(block.content)

    def item(self, bullet: str, item: Item, indent: str = "") -> str:
        line = indent + bullet + self.inlines(item.content)
        if item.quote is None:
            return line
        return f"{line}\n{indent}{' ' * len(bullet)}> “{self.text(item.quote)}”"

    def disclosure(self, disclosure: Disclosure) -> str:
        """The parts as one nested list: ``- Claims`` and under it ``  - a claim``."""
        lines: list[str] = []
        for part in disclosure.parts:
            lines.append("- " + self.inlines(part.title))
            lines += [self.item("- ", item, indent="  ") for item in part.items]
        return "\n".join(lines)

    def table(self, table: Table) -> str:
        lines = [
            "| " + " | ".join(self.text(h) for h in table.headers) + " |",
            "|" + "---|" * len(table.headers),
        ]
        lines += ["| " + " | ".join(self.cell(c) for c in row) + " |" for row in table.rows]
        return "\n".join(lines)


def to_markdown(blocks: Sequence[Block], *, loose: bool = False) -> str:
    """The document: blocks apart by a blank line, one newline at the end."""
    return "\n\n".join(MarkdownRenderer(loose=loose).blocks(blocks)) + "\n"


__all__ = ["MarkdownRenderer", "escape", "to_markdown"]
