"""Candidates kept between runs: a brief the response cache answers needs no parse.

The key is the article's text and everything that decides its candidates: whether spaCy and
its model are installed, and the source of briefer itself (so a changed rule is never read
back from an older run's candidates).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefer.nlp.candidates import ActorCandidate, Candidates, ClaimCandidate, Gap, Speaker
from briefer.nlp.model import MODEL_PACKAGE

PACKAGE = Path(__file__).resolve().parent.parent


def candidates_key(text: str) -> str:
    digest = hashlib.sha256(_code_version().encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return "candidates:" + digest.hexdigest()


@lru_cache(maxsize=1)
def _code_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    for module in ("spacy", MODEL_PACKAGE):
        digest.update(f"{module}={importlib.util.find_spec(module) is not None}".encode())
    return digest.hexdigest()


def to_json(candidates: Candidates) -> str:
    data = asdict(candidates)
    data["speakers"] = [asdict(s) for s in candidates.speakers.values()]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> Candidates | None:
    """The candidates ``to_json`` wrote, or None for anything else (then they are found anew)."""
    try:
        data: dict[str, Any] = json.loads(text)
        return Candidates(
            actors=tuple(ActorCandidate(**{**a, "aliases": tuple(a["aliases"])}) for a in data["actors"]),
            speakers={s["sentence"]: Speaker(**s) for s in data["speakers"]},
            claims=tuple(ClaimCandidate(**c) for c in data["claims"]),
            numbers=tuple(data["numbers"]),
            gaps=tuple(Gap(**g) for g in data["gaps"]),
            parser=data["parser"],
        )
    except (ValueError, TypeError, KeyError):
        return None
