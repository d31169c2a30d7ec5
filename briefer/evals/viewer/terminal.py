"""Report blocks on a terminal: rich tables instead of Markdown pipes.

The same blocks as ``report.md`` (``briefer.evals.report``), so the terminal and the file
never disagree. On a terminal (or with ``FORCE_COLOR``) they print as rich tables,
coloured by their marks unless ``NO_COLOR`` is set; piped, the Markdown prints unchanged,
so scripts and ``grep`` keep reading what they read before.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from briefer.rendering.blocks import (
    MARK_LABELS,
    Block,
    BulletList,
    Cell,
    Heading,
    Inline,
    Mark,
    Para,
    Table,
)

STYLES: dict[Mark, str] = {
    "ok": "green",
    "bad": "bold red",
    "missed": "red",
    "extra": "yellow",
    "ungrounded": "yellow",
    "hallucinated": "bold red",
}


SHORT_CELL = 20  # characters: "[-0.043, +0.089]", "2026-12-02 10:10"


def terminal(stream: TextIO | None = None) -> Console | None:
    """A rich console for ``stream`` (stdout) when it is a terminal, else None."""
    console = Console(file=stream or sys.stdout, highlight=False, soft_wrap=False)
    return console if console.is_terminal else None


def cell_text(cell: Cell) -> Text:
    text = Text(cell.text)
    for mark in cell.marks:
        if text:
            text.append(" ")
        text.append(MARK_LABELS[mark], style=STYLES[mark])
    if cell.marks:
        text.stylize(STYLES[cell.marks[0]], 0, len(cell.text))
    return text


def inline_text(piece: Inline) -> Text:
    if isinstance(piece, Cell):
        return cell_text(piece)
    if isinstance(piece, str):
        return Text(piece)
    return Text(str(getattr(piece, "text", "")))


def table(piece: Table) -> RichTable:
    """A rich table; a column of short cells (numbers, CIs) never wraps, long text does."""
    out = RichTable(
        box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False, collapse_padding=True
    )
    for index, header in enumerate(piece.headers):
        longest = max((len(row[index].text) for row in piece.rows if index < len(row)), default=0)
        out.add_column(header, no_wrap=index == 0 or longest <= SHORT_CELL, overflow="fold")
    for row in piece.rows:
        out.add_row(*(cell_text(c) for c in row))
    return out


def renderables(blocks: Sequence[Block]) -> Iterator[RenderableType]:
    for piece in blocks:
        if isinstance(piece, Heading):
            yield Text.assemble(
                *(inline_text(p) for p in piece.content),
                style="bold underline" if piece.level <= 2 else "bold",
            )
        elif isinstance(piece, Para):
            yield Text.assemble(*(inline_text(p) for p in piece.content), style="dim")
        elif isinstance(piece, Table):
            yield table(piece)
        elif isinstance(piece, BulletList):
            for item in piece.items:
                yield Text.assemble("• ", *(inline_text(p) for p in item.content))
        else:
            continue


def print_blocks(blocks: Sequence[Block], markdown: str, stream: TextIO | None = None) -> None:
    """``blocks`` as rich tables on a terminal, else ``markdown`` as it is."""
    console = terminal(stream)
    if console is None:
        (stream or sys.stdout).write(markdown)
        return
    for index, renderable in enumerate(renderables(blocks)):
        if index and isinstance(renderable, Text) and renderable.style:
            console.print()
        console.print(renderable)
