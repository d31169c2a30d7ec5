"""Where an article quotes someone: the character spans inside quotation marks.

Double quotes (straight or curly) and single ones (‘ ’, or a straight ' that opens before
a word and closes after one, as the Daily Mail quotes) are paired within a paragraph; an
apostrophe inside a word ("Putin’s") is no mark. A quote still open at the end of its
paragraph ends there: news style then opens the next paragraph with a quote mark when
the same speaker goes on, which :mod:`briefer.nlp.speakers` reads as a continuation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefer.article_index import Sentence
from briefer.chunking import paragraph_spans

__all__ = ["opens_with_quote", "paragraph_ids", "quote_groups", "quote_spans"]

_DOUBLE_OPEN, _DOUBLE_CLOSE, _DOUBLE_STRAIGHT = "“", "”", '"'
# A single quote opens at the start or after a space or bracket, before a word character;
# it closes after a word or a sentence mark, before a space, a mark or the end.
_MARKS = re.compile(
    r"""["“”]"""
    r"""|(?:^|(?<=[\s(\[—–-]))['‘](?=\w)"""
    r"""|(?<=[\w.,!?])['’](?=[\s.,;:!?)\]—–-]|$)""",
    re.MULTILINE,
)
_OPENERS = re.compile(r"""\s*(?:["“]|['‘](?=\w))""")


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation, the marks included, in reading order."""
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text):
        opened: tuple[int, str] | None = None  # where and with which family of mark
        for match in _MARKS.finditer(text, p_start, p_end):
            mark = match.group(0)
            family = "double" if mark in '"“”' else "single"
            if opened is None:
                if mark not in (_DOUBLE_CLOSE, "’") and not (family == "single" and _closes(match)):
                    opened = (match.start(), family)
            elif opened[1] == family and _can_close(mark, match):
                spans.append((opened[0], match.end()))
                opened = None
        if opened is not None:
            spans.append((opened[0], p_end))
    return spans


def _closes(match: re.Match[str]) -> bool:
    """A straight single quote after a word: it closes (or is an apostrophe), never opens."""
    start = match.start()
    return start > 0 and (match.string[start - 1].isalnum() or match.string[start - 1] in ".,!?")


def _can_close(mark: str, match: re.Match[str]) -> bool:
    if mark in (_DOUBLE_CLOSE, _DOUBLE_STRAIGHT, "’"):
        return True
    if mark == "'":
        return _closes(match)
    return False  # “ or ‘ open a quote, never close one


def paragraph_ids(text: str, sentences: Sequence[Sentence]) -> dict[int, int]:
    """Each sentence's paragraph (from 0), by sentence id."""
    spans = paragraph_spans(text)
    ids: dict[int, int] = {}
    p = 0
    for sentence in sentences:
        while p + 1 < len(spans) and spans[p][1] <= sentence.start:
            p += 1
        ids[sentence.id] = p
    return ids


def quote_groups(text: str, sentences: Sequence[Sentence]) -> list[list[int]]:
    """For each quotation, the ids of the sentences it overlaps, in reading order."""
    groups = []
    for start, end in quote_spans(text):
        group = [s.id for s in sentences if s.start < end and start < s.end]
        if group:
            groups.append(group)
    return groups


def opens_with_quote(sentence: Sentence) -> bool:
    return _OPENERS.match(sentence.text) is not None
