"""Model answers the fake server returns in tests, written for the seed article."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_2ebbe5879b4b5f11.txt"


def seed_brief(**overrides: Any) -> dict[str, Any]:
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
