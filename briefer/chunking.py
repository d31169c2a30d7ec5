"""Split an article into chunks that fit a token budget, keeping character offsets.

Splits on paragraph boundaries first, then sentences, then raw token windows, and packs
consecutive pieces greedily; each chunk after the first repeats up to ``overlap`` tokens
of the previous one so a fact cut at a boundary is seen whole at least once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tiktoken

from briefer.writing_systems import (
    CJK,
    SENTENCE_CLOSERS,
    SENTENCE_STARTS,
    SENTENCE_STOPS,
    SPACE_SEPARATED,
)

GAP_TOKENS = 2
_PARAGRAPH = re.compile(r"\n\s*\n|\n")
# A sentence ends at . ! ? (maybe closing a quote or bracket) before white space and a
# capital or digit (or a letter of a script without case: Arabic, Hebrew, Devanagari, ...);
# or, with no space at all, between a lowercase word's full stop and a capitalised word:
# scraped copy (the BBC texts of FRANK among it) often loses the space after a full stop
# ("came to an end.Whether"), while "U.S." or "3.5m" keep together. Marks that end a
# sentence in other scripts (。！？ । ؟ ۔ ...) need neither space nor capital after them, but
# keep a closing quote or a second mark ("？！", "。」") with their sentence. Thai and Lao
# mark the end of a sentence with a space.
# Every end follows one of the characters of the first look-behind: testing it first makes
# the split several times faster.
_STOPS, _CLOSERS = SENTENCE_STOPS, SENTENCE_CLOSERS
_SENTENCE_END = re.compile(
    rf"(?<=[.!?{_STOPS}{_CLOSERS}{SPACE_SEPARATED}])(?:"
    rf"""(?:(?<=[.!?])|(?<=[.!?][{_CLOSERS}]))\s+(?=["“‘'(\[]?[{SENTENCE_STARTS}])"""
    r"""|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])|(?<=[a-z]{2}[.!?]["”’])(?=[A-Z][a-z])"""
    rf"|(?:(?<=[{_STOPS}])|(?<=[{_STOPS}][{_CLOSERS}]))(?![{_STOPS}!?{_CLOSERS}])\s*"
    rf"|(?<=[!?])(?=[{CJK}])"
    rf"|(?<=[{SPACE_SEPARATED}])[^\S\n]+(?=[{SPACE_SEPARATED}]))"
)


@dataclass(frozen=True)
class Chunk:
    """``text[start:end]`` of the article; ``tokens`` bounds its tokens from above (the count,
    or its UTF-8 bytes when ``pipeline.Briefer`` took a whole article that fits by bytes)."""

    index: int
    start: int
    end: int
    text: str
    tokens: int


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    tokens: int


def split_article(
    text: str, *, budget: int, encoding: tiktoken.Encoding, overlap: int = 0
) -> list[Chunk]:
    """Chunks of ``text`` of at most ``budget`` tokens each (``text[c.start:c.end] == c.text``)."""
    if budget < 16:
        raise ValueError(f"token budget {budget} is too small to brief anything")
    overlap = max(0, min(overlap, budget // 2))
    total = _count(encoding, text)
    if total <= budget:
        return [Chunk(0, 0, len(text), text, total)]
    pieces = _pieces(text, 0, len(text), budget, encoding)
    return _pack(text, pieces, budget, overlap, encoding)


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    return _spans_between(text, start, len(text) if end is None else end, _PARAGRAPH)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text[start:end]`` (stripped, non-empty)."""
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text, start, end):
        spans.extend(_spans_between(text, p_start, p_end, _SENTENCE_END))
    return spans


def _spans_between(
    text: str, start: int, end: int, separator: re.Pattern[str]
) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in separator.finditer(text, start, end):
        spans.extend(_stripped(text, cursor, match.start()))
        cursor = match.end()
    spans.extend(_stripped(text, cursor, end))
    return spans


def _stripped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if start < end else []


def _pieces(
    text: str, start: int, end: int, budget: int, encoding: tiktoken.Encoding
) -> list[_Piece]:
    """Paragraphs, with any paragraph over budget broken into sentences, then token windows."""
    pieces: list[_Piece] = []
    for p_start, p_end in paragraph_spans(text, start, end):
        tokens = _count(encoding, text[p_start:p_end])
        if tokens <= budget:
            pieces.append(_Piece(p_start, p_end, tokens))
            continue
        for s_start, s_end in _spans_between(text, p_start, p_end, _SENTENCE_END):
            s_tokens = _count(encoding, text[s_start:s_end])
            if s_tokens <= budget:
                pieces.append(_Piece(s_start, s_end, s_tokens))
            else:
                pieces.extend(_token_windows(text, s_start, s_end, budget, encoding))
    return pieces


def _token_windows(
    text: str, start: int, end: int, budget: int, encoding: tiktoken.Encoding
) -> list[_Piece]:
    """Cut a span with no usable boundary into windows of at most ``budget`` tokens.

    A token can end inside a multi-byte character, so each window is cut at a character
    boundary near the token limit and shrunk until its own count fits.
    """
    windows: list[_Piece] = []
    cursor = start
    while cursor < end:
        tokens = encoding.encode(text[cursor:end], disallowed_special=())
        stop = end
        if len(tokens) > budget:
            prefix = encoding.decode_bytes(tokens[:budget]).decode("utf-8", errors="ignore")
            stop = max(cursor + 1, cursor + len(prefix))
            while stop > cursor + 1 and _count(encoding, text[cursor:stop]) > budget:
                stop -= max(1, (stop - cursor) // 20)
        windows.append(_Piece(cursor, stop, _count(encoding, text[cursor:stop])))
        cursor = stop
    return windows


def _pack(
    text: str, pieces: list[_Piece], budget: int, overlap: int, encoding: tiktoken.Encoding
) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: list[_Piece] = []
    for piece in pieces:
        candidate = [*current, piece]
        if current and _span_tokens(candidate) > budget:
            chunks.append(_chunk(text, len(chunks), current, encoding))
            current = _overlap_tail(current, overlap, piece, budget)
            candidate = [*current, piece]
        current = candidate
    if current:
        chunks.append(_chunk(text, len(chunks), current, encoding))
    return chunks


def _overlap_tail(
    previous: list[_Piece],
    overlap: int,
    following: _Piece,
    budget: int,
) -> list[_Piece]:
    tail: list[_Piece] = []
    for piece in reversed(previous):
        candidate = [piece, *tail]
        if sum(p.tokens for p in candidate) > overlap:
            break
        if _span_tokens([*candidate, following]) > budget:
            break
        tail = candidate
    return tail


def _span_tokens(pieces: list[_Piece]) -> int:
    """An upper bound on the tokens of the span the pieces cover, without re-encoding it.

    Pieces are split at whitespace, which tiktoken's pre-tokenizer never merges across, so
    the span costs at most its pieces' tokens plus a couple for each gap between them.
    """
    return sum(p.tokens for p in pieces) + GAP_TOKENS * (len(pieces) - 1)


def _chunk(text: str, index: int, pieces: list[_Piece], encoding: tiktoken.Encoding) -> Chunk:
    start, end = pieces[0].start, pieces[-1].end
    return Chunk(index, start, end, text[start:end], _count(encoding, text[start:end]))


def _count(encoding: tiktoken.Encoding, text: str) -> int:
    return len(encoding.encode(text, disallowed_special=()))
