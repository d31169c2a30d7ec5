"""Candidates kept between runs: a brief the response cache answers needs no parse.

The key is the article's text (see ``briefer.derived`` for what else it holds).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from briefer.derived import derived_key
from briefer.nlp.candidates import ActorCandidate, Candidates, ClaimCandidate, Gap, Speaker


def candidates_key(text: str) -> str:
    return derived_key("candidates", text)


def to_json(candidates: Candidates) -> str:
    data = asdict(candidates)
    data["speakers"] = [asdict(s) for s in candidates.speakers.values()]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> Candidates | None:
    """The candidates ``to_json`` wrote, or None for anything else (then they are found anew)."""
    try:
        data: dict[str, Any] = json.loads(text)
        return Candidates(
            actors=tuple(
                ActorCandidate(**{**a, "aliases": tuple(a["aliases"])}) for a in data["actors"]
            ),
            speakers={s["sentence"]: Speaker(**s) for s in data["speakers"]},
            claims=tuple(ClaimCandidate(**c) for c in data["claims"]),
            numbers=tuple(data["numbers"]),
            gaps=tuple(Gap(**g) for g in data["gaps"]),
            parser=data["parser"],
        )
    except (ValueError, TypeError, KeyError):
        return None
