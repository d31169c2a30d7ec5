"""Briefs of the seed article for tests: drafts (what grounding checks) and model answers.

``seed_answer`` is what a model writes (``CitedDraft``: claims cite sentence ids, numbers
cite the ids of the quantities the prompt lists); ``seed_draft`` is a resolved
``BriefDraft``. Sentence and number ids are those of ``seeds/000_2ebbe5879b4b5f11.txt``
(``tests/test_citations.py`` pins them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from briefer.schema import ArticleRef, Brief, BriefMeta

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_2ebbe5879b4b5f11.txt"


def seed_draft(**overrides: Any) -> dict[str, Any]:
    brief: dict[str, Any] = {
        "title": "Trump and Putin talked about Ukraine in their first call",
        "summary": "Donald Trump spoke with Vladimir Putin about the war in Ukraine days after the "
        "election, while Russia prepares an offensive in Kursk.",
        "actors": [
            {"name": "Donald Trump", "role": "US president-elect who called Putin"},
            {"name": "Vladimir Putin", "role": "Russian president"},
            {"name": "Dmitry Peskov", "role": "Kremlin spokesman"},
        ],
        "claims": [
            {
                "text": "Trump advised Putin not to escalate the war.",
                "attributed_to": "Washington Post",
                "evidence": "Trump advised the “tsar” not to escalate the war in Ukraine",
            },
            {
                "text": "Peskov said the signs from Trump are positive.",
                "attributed_to": "Dmitry Peskov",
                "evidence": "indicates that “the signs are positive”",
            },
        ],
        "numbers": [
            {
                "value": 50000,
                "unit": "soldiers",
                "text": "50 thousand",
                "context": "Russian assault force amassed in Kursk",
            },
            {
                "value": 145,
                "unit": "drones",
                "text": "145",
                "context": "drones Russian forces deployed in 24 hours",
            },
        ],
        "open_questions": ["When will the Kursk offensive start?"],
    }
    brief.update(overrides)
    return brief


def as_content(brief: dict[str, Any]) -> str:
    return json.dumps(brief, ensure_ascii=False)


# Ids in the seed article (see the module docstring).
SENTENCE_TSAR_ADVICE = 3  # "Trump advised the “tsar” not to escalate the war in Ukraine ..."
SENTENCE_PESKOV_POSITIVE = 30  # "... indicates that “the signs are positive”, said ... Peskov."
NUMBER_50_THOUSAND = 8  # "50 thousand men" in the Kursk assault force (sentence 18)
NUMBER_10000 = 10  # "10,000 of them": North Korean soldiers (sentence 23)
NUMBER_145 = 11  # "145 drones" (sentence 25)


def seed_answer(**overrides: Any) -> dict[str, Any]:
    """A model's answer for the seed article, in the cited shape the prompt asks for."""
    draft = seed_draft()
    answer: dict[str, Any] = {
        "title": draft["title"],
        "summary": draft["summary"],
        "actors": draft["actors"],
        "claims": [
            {
                "text": "Trump advised Putin not to escalate the war.",
                "by": "Washington Post",
                "sentence": SENTENCE_TSAR_ADVICE,
            },
            {
                "text": "Peskov said the signs from Trump are positive.",
                "by": "Dmitry Peskov",
                "sentence": SENTENCE_PESKOV_POSITIVE,
            },
        ],
        "numbers": [NUMBER_50_THOUSAND, NUMBER_145],
        "questions": ["When will the Kursk offensive start?"],
    }
    answer.update(overrides)
    return answer


def cite(draft: dict[str, Any], prompt: str) -> dict[str, Any]:
    """The answer a model would give for ``draft`` (``BriefDraft`` shape) to this prompt.

    Claims cite the numbered sentence that contains their evidence, numbers the listed
    quantity whose wording is their ``text`` (preferring one whose phrase has their unit).
    An item the prompt shows no id for is left out, as a model held to the prompt's ids by
    a grammar or a strict schema must.
    """
    article = prompt[prompt.index("<article>") : prompt.index("</article>")]
    sentences = {int(i): text for i, text in re.findall(r"^\[(\d+)\] (.*)$", article, re.MULTILINE)}
    listed = re.findall(r"^(\d+): (.*)$", prompt[prompt.rindex("<numbers>") :], re.MULTILINE)

    def sentence_of(evidence: str) -> int:
        # Evidence running over two sentences cites the one it starts in.
        for needle in (evidence, re.split(r"(?<=[.!?])\s", evidence)[0]):
            found = next((i for i, text in sentences.items() if needle in text), 0)
            if found:
                return found
        return 0

    def number_of(text: str, unit: str | None) -> int:
        same = [
            (int(i), label)
            for i, label in listed
            # "24-year-old" is listed as "24 years"
            if label.startswith(text) or text.startswith(label.split()[0] + "-")
        ]
        stem = (unit or "")[:4].lower()
        best = [i for i, label in same if stem and stem in label.lower()] or [i for i, _ in same]
        return best[0] if best else 0

    claims = [(c, sentence_of(c["evidence"])) for c in draft["claims"]]
    numbers = [number_of(n["text"], n["unit"]) for n in draft["numbers"]]
    # Cut to the answer's bounds, as a grammar or strict schema would make a model do.
    return {
        "title": draft["title"][:100],
        "summary": draft["summary"][:300],
        "actors": [{"name": a["name"][:60], "role": a["role"][:70]} for a in draft["actors"]],
        "claims": [
            {
                "text": c["text"][:140],
                "by": c["attributed_to"] and c["attributed_to"][:60],
                "sentence": sentence,
            }
            for c, sentence in claims
            if sentence
        ],
        "numbers": [n for n in numbers if n],
        "questions": [q[:120] for q in draft["open_questions"]],
    }


def empty_brief(title: str = "Finished") -> Brief:
    """A valid brief with nothing in it but its title: for tests of what holds briefs."""
    return Brief(
        title=title,
        summary="s",
        actors=[],
        claims=[],
        numbers=[],
        open_questions=[],
        article=ArticleRef(id="a"),
        meta=BriefMeta(model="m", backend="openai", prompt_version="1", prompt_hash="0" * 16),
    )
