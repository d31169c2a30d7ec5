"""Token lookups without building an encoding: the same answers as tiktoken's own.

``is_single_token`` (the faithfulness checker's common-word test) reads the BPE file's
base64 keys instead of building the ``tiktoken.Encoding``. These tests hold it to
``encode_single_token`` over every word of the gold briefs and the seed articles, as the
checker asks them (``" word"``) and bare, cased and lowercased, plus a table of edge cases.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefer.tokens import (
    SUPPORTED_ENCODINGS,
    TokenizerDataError,
    _load_bundled_keys,
    get_encoding,
    is_single_token,
    token_keys,
)
from tests.fresh import fresh_python

REPO = Path(__file__).resolve().parent.parent

EDGE_CASES = [
    b"",  # no token is empty
    b" ",
    b"  ",
    b"\n",
    b"\xff",  # every byte is a token of a byte-level BPE, valid UTF-8 or not
    b"\xff\xfe",
    b" the",
    b"the",
    b" The",
    b" putin",
    b" pochettino",
    b" kujala",
    b" qwzxv",
    b" caf\xc3\xa9",  # café
    b" na\xc3\xafve",
    " 東京".encode(),
    " Привет".encode(),
    " 🙂".encode(),
    b"<|endoftext|>",  # a special token: encode_single_token accepts it
    b"<|endofprompt|>",
    b"<|fim_prefix|>",  # cl100k's only
    b" <|endoftext|>",
    b"<|endoftext",
    base64.b64decode(b"1234"),  # its base64 is a rank of the file, not a token key of it
    b" 2024",
    b"'s",
    b" --",
]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _pieces(texts: list[str]) -> list[bytes]:
    words = {word for text in texts for word in re.findall(r"\w+(?:'\w+)?", text)}
    variants = {v for w in words for v in (w, w.lower(), w.capitalize())}
    return sorted({p for v in variants for p in (f" {v}".encode(), v.encode())})


def gold_pieces() -> list[bytes]:
    texts = [
        s for path in sorted((REPO / "evals" / "gold").glob("*.json"))
        for s in _strings(json.loads(path.read_text(encoding="utf-8")))
    ]  # fmt: skip
    return _pieces(texts)


def seed_pieces() -> list[bytes]:
    return _pieces([p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))])


def tiktoken_says(name: str, piece: bytes) -> bool:
    try:
        get_encoding(name).encode_single_token(piece)
    except KeyError:
        return False
    return True


@pytest.mark.parametrize("name", SUPPORTED_ENCODINGS)
@pytest.mark.parametrize(
    "pieces",
    [gold_pieces, seed_pieces, lambda: EDGE_CASES],
    ids=["gold-brief-words", "seed-words", "edge-cases"],
)
def test_the_file_keys_answer_as_tiktoken_does(name: str, pieces: object) -> None:
    table = pieces()  # type: ignore[operator]
    keys = token_keys(name)
    answers = {piece: piece in keys for piece in table}
    wrong = [p for p, says in answers.items() if says != tiktoken_says(name, p)]
    assert wrong == []
    assert any(answers.values()) and not all(answers.values())  # both answers are exercised
    assert len(table) >= 20


@pytest.mark.parametrize("name", SUPPORTED_ENCODINGS)
def test_once_built_the_encoding_answers_the_same(name: str) -> None:
    get_encoding(name)  # built: is_single_token asks it now
    assert [is_single_token(p, name) for p in EDGE_CASES] == [
        tiktoken_says(name, p) for p in EDGE_CASES
    ]


def test_a_lookup_never_builds_an_encoding() -> None:
    """In a fresh process: common-word answers come from the file, no Encoding is built."""
    code = (
        "import json\n"
        "from briefer import tokens\n"
        "from briefer.faithfulness import is_common_word\n"
        "words = ['council', 'kujala', 'running', 'qwzxv', 'stories']\n"
        "answers = [is_common_word(w, e) for e in tokens.SUPPORTED_ENCODINGS for w in words]\n"
        "print(json.dumps([answers, sorted(tokens._built), tokens.get_encoding.cache_info().currsize]))\n"
    )
    result = fresh_python(code)
    answers, built, cached = json.loads(result.stdout)
    assert answers == [True, False, True, False, True] * 2
    assert (built, cached) == ([], 0)


def test_the_keys_file_is_hash_checked_too() -> None:
    with pytest.raises(TokenizerDataError, match="sha256"):
        _load_bundled_keys("https://x/o200k_base.tiktoken", expected_hash="0" * 64)


def test_an_unsupported_encoding_is_refused() -> None:
    with pytest.raises(TokenizerDataError, match="unsupported encoding 'gpt2'"):
        token_keys("gpt2")
