"""A realistic day for digest tests: 15 stories briefed with the fake backend, from articles
rebuilt out of the gold briefs in ``evals/gold`` (in the repo, so no corpus is needed).

Each gold brief becomes an article that states its summary, every claim's evidence, its
actors and numbers, so grounding verifies what the brief says, as for a real article. The
day has what a real morning has: three stories told by several sites (one by three), one
story the model fails on, and one whose brief names an actor and a speaker the article
never mentions (its items are unverified).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from briefer.backends.base import ChatRequest, ChatResponse
from briefer.backends.fake import FakeBackend
from briefer.config import DailyOptions, load_settings
from briefer.daymodels import Digest
from briefer.digest import run_day
from briefer.errors import ModelError
from briefer.schema import Usage
from tests.briefs import REPO, cite

GOLD = REPO / "evals" / "gold"
DAY = date(2026, 11, 25)
STORIES = 15
FAILING = "bbc-apple-icloud-two-step"  # the model answers HTTP 500 for this one
UNVERIFIED = "bbc-aleppo-evacuation"  # its brief adds an actor and a speaker not in the article
SYNDICATED = {  # gold id -> the other sites that ran the same story
    "bbc-aleppo-evacuation": ("wire.example", "herald.example"),
    "bbc-alice-ruggles-stalking": ("wire.example",),
    "bbc-argos-sales-takeover": ("wire.example",),
}
SITES = ("bbc.example", "gazette.example", "courier.example", "times.example")


def gold_briefs() -> dict[str, dict[str, Any]]:
    """The first ``STORIES + 1`` gold briefs by id (one of them fails), seed case first."""
    cases = sorted(GOLD.glob("*.json"))
    briefs = {path.stem: json.loads(path.read_text())["brief"] for path in cases}
    return dict(list(briefs.items())[: STORIES + 1])


def sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", "”", '"')) else text + "."


def article_text(brief: dict[str, Any]) -> str:
    lines = [sentence(brief["summary"])]
    lines += [sentence(f"{a['name']} is the {a['role']}") for a in brief["actors"]]
    for claim in brief["claims"]:
        lines.append(sentence(claim["evidence"][0].upper() + claim["evidence"][1:]))
        if claim["attributed_to"]:
            lines.append(sentence(f"That is the account of {claim['attributed_to']}"))
    for number in brief["numbers"]:
        unit = number["unit"] or ""
        unit = "" if not unit or number["text"].endswith(unit) else f" {unit}"
        lines.append(sentence(f"The {number['context']} came to {number['text']}{unit}"))
    return "\n\n".join(" ".join(lines[i : i + 3]) for i in range(0, len(lines), 3))


def write_articles(folder: Path, briefs: dict[str, dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, (case, brief) in enumerate(briefs.items()):
        sites = (SITES[n % len(SITES)], *SYNDICATED.get(case, ()))
        for copy, site in enumerate(sites):
            prefix = "" if copy == 0 else f"{site.split('.')[0].upper()} - "
            record = {
                "title": brief["title"] if copy == 0 else f"{brief['title']} - {site}",
                "url": f"https://{site}/news/2026/11/25/{case}",
                "source": site,
                "text": prefix + article_text(brief),
            }
            (folder / f"{case}-{copy}.json").write_text(json.dumps(record))


class DayModel(FakeBackend):
    """The fake backend answering each article with its gold brief, cited as a model would."""

    def __init__(self, briefs: dict[str, dict[str, Any]]) -> None:
        super().__init__(model="fake-gold")
        self.briefs = {brief["title"]: (case, brief) for case, brief in briefs.items()}

    def complete(self, request: ChatRequest) -> ChatResponse:
        self.history.append(request)
        prompt = request.messages[1][1]  # the article (a re-ask adds more messages)
        case, brief = next(
            (found for title, found in self.briefs.items() if title in prompt), ("", None)
        )
        if brief is None:
            raise ModelError("the fake day has no brief for this prompt")
        if case == FAILING:
            raise ModelError("model call failed after retries: HTTP 500")
        if case == UNVERIFIED:
            brief = {
                **brief,
                "actors": [
                    *brief["actors"][:-1],
                    {"name": "Ivo Marsh", "role": "aid official the article never names"},
                ],
                "claims": [
                    {**brief["claims"][0], "attributed_to": "Lena Brandt"},
                    *brief["claims"][1:],
                ],
            }
        answer = json.dumps(cite(brief, prompt), ensure_ascii=False)
        usage = Usage(prompt_tokens=1800, completion_tokens=420)
        return ChatResponse(text=answer, model=self.model, usage=usage, seconds=2.5)


def make_day(folder: Path) -> tuple[Path, Digest]:
    """Brief the day into ``folder/briefings/<DAY>/``; the day folder and its digest."""
    briefs = gold_briefs()
    articles = folder / "articles"
    write_articles(articles, briefs)
    # The scripted briefs as they stand: their made-up actor and speaker stay unverified.
    settings = load_settings(
        {
            "backend": "openai",
            "base_url": "http://127.0.0.1:9/v1",
            "choose": "model",
            "speakers": "model",
        }
    )
    options = DailyOptions(sources=[str(articles)], out=folder / "briefings", concurrency=1)
    digest = run_day(options, settings, day=DAY, backend=DayModel(briefs))
    return folder / "briefings" / DAY.isoformat(), digest


__all__ = ["DAY", "FAILING", "STORIES", "SYNDICATED", "UNVERIFIED", "DayModel", "make_day"]
