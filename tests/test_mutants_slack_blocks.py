"""Slack messages, pinned where mutation testing found them loose (docs/testing.md).

The exact layout of a small digest (what a reader sees: headings, attributions, the
"unverified" flag, links, counts, the keys the ledger stores), and the exact edges of the
limits: a section or a message exactly full stays whole, one character more is split.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from briefer.digest import Digest, DigestStats, Failure, SourceLink, Story
from briefer.schema import Actor, ArticleRef, Brief, BriefMeta, Claim, GroundingCounts, Number
from briefer.slack import (
    MAX_SECTION_CHARS,
    MESSAGE_BUDGET,
    SlackMessage,
    build_messages,
    mrkdwn_link,
    split_line,
)
from briefer.slack_blocks import MAX_LINK_URL

DAY = "2026-05-04"
BAKERY = Failure(stage="fetch", item="https://news.example/bakery", reason="HTTP 500")
TIMEOUT = Failure(stage="brief", item="Teachers strike", reason="the model timed out")


def story(
    number: int, title: str, sources: list[SourceLink], *, model: str = "fake-model", **items: Any
) -> Story:
    brief = Brief(
        title=title,
        summary=items.pop("summary"),
        actors=items.pop("actors", []),
        claims=items.pop("claims", []),
        numbers=items.pop("numbers", []),
        open_questions=items.pop("open_questions", []),
        article=ArticleRef(id=f"a{number}"),
        meta=BriefMeta(
            model=model, backend="openai", prompt_version="1", prompt_hash="0" * 16,
            grounding=items.pop("grounding", GroundingCounts()),
        ),
    )
    return Story(
        id=f"story{number:04d}", importance=10.0 - number, sources=sources, brief=brief,
        briefed_at=f"{DAY}T06:00:00+00:00",
    )


def digest(stories: list[Story], failures: list[Failure], articles: int = 3) -> Digest:
    return Digest(
        date=DAY, generated_at=f"{DAY}T06:00:00+00:00", stories=stories, failures=failures,
        stats=DigestStats(articles=articles, stories=len(stories)),
    )


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


CRANE = story(
    1, "Port & <Ellis>",
    [
        SourceLink(key="url:news.example/1", article_id="a1", title="Crane deal",
                   site="Ellis News", url="https://news.example/1?a=1&b=2"),
        SourceLink(key="/data/notes.txt", article_id="a2", path="/data/notes.txt"),
    ],
    summary="Funds a crane.",
    claims=[
        Claim(text="The crane costs £4m.", attributed_to="Ada Lind", evidence="e", grounded=True),
        Claim(text="Work starts in May.", attributed_to=None, evidence="e", grounded=False),
    ],
    numbers=[
        Number(value=4e6, unit="GBP", text="£4m", context="cost of the crane", grounded=True),
        Number(value=12, unit=None, text="12", context="jobs created", grounded=False),
    ],
    actors=[
        Actor(name="Ada Lind", role="harbour master", grounded=True),
        Actor(name="Port of Ellis", role="buyer", grounded=False),
    ],
    open_questions=["Who pays?"],
    grounding=GroundingCounts(grounded=3, ungrounded=3),
)
STRIKE = story(
    2, "Teachers strike",
    [SourceLink(key="url:news.example/2", article_id="a3", site="Site",
                url="https://news.example/2")],
    summary="Schools close.", model="m2",
)


def test_a_small_digest_is_exactly_these_messages() -> None:
    # The failure key is stored in the ledger and in Slack's metadata: deriving it
    # differently re-posts an already posted failure list after an upgrade.
    failures_key = "failures:1009a0825db0:1"
    assert build_messages(digest([CRANE, STRIKE], [BAKERY, TIMEOUT])) == [
        SlackMessage(
            key="header:1", day=DAY, reply=False,
            text="Daily briefing — 2026-05-04: 2 stories from 3 articles · 2 failed",
            blocks=[
                {"type": "header",
                 "text": {"type": "plain_text", "text": "Daily briefing — 2026-05-04"}},
                context("2 stories from 3 articles · 2 failed"),
                section("1. Port &amp; &lt;Ellis&gt; (2 sources)\n2. Teachers strike (1 source)"),
            ],
        ),
        SlackMessage(
            key="story:story0001:1", day=DAY, reply=True, text="1. Port &amp; &lt;Ellis&gt;",
            blocks=[
                section("*1. Port &amp; &lt;Ellis&gt;*\nFunds a crane."),
                section("*Claims*\n• The crane costs £4m. — _Ada Lind_\n"
                        "• Work starts in May. _⚠ unverified_"),
                section("*Numbers*\n• *£4m* GBP: cost of the crane\n"
                        "• *12*: jobs created _⚠ unverified_"),
                section("*Actors*\n• *Ada Lind*: harbour master\n"
                        "• *Port of Ellis*: buyer _⚠ unverified_"),
                section("*Open questions*\n• Who pays?"),
                section("*Sources:* <https://news.example/1?a=1&amp;b=2|Crane deal (Ellis News)>"
                        " · notes.txt"),
                context("3 grounded · 3 unverified · model fake-model"),
            ],
        ),
        SlackMessage(
            key="story:story0002:1", day=DAY, reply=True, text="2. Teachers strike",
            blocks=[
                section("*2. Teachers strike*\nSchools close."),
                section("*Sources:* <https://news.example/2|Site>"),
                context("0 grounded · 0 unverified · model m2"),
            ],
        ),
        SlackMessage(
            key=failures_key, day=DAY, reply=True, text="2 failed",
            blocks=[section("*Failed (2)*: a re-run of the day retries these\n"
                            "• *fetch* https://news.example/bakery: HTTP 500\n"
                            "• *brief* Teachers strike: the model timed out")],
        ),
    ]


def failures_key(failures: list[Failure]) -> str:
    return build_messages(digest([], failures, articles=0))[-1].key


def test_the_failure_list_key_is_stable_and_changes_with_the_failures() -> None:
    assert failures_key([BAKERY]) == failures_key([BAKERY.model_copy()])
    assert len({failures_key([BAKERY]), failures_key([TIMEOUT]), failures_key([BAKERY, TIMEOUT])}) == 3


def test_a_link_up_to_the_url_cap_is_a_link_and_a_longer_one_its_label() -> None:
    base = "https://news.example/"
    at_cap = base + "a" * (MAX_LINK_URL - len(base))
    assert mrkdwn_link(at_cap, "Label") == f"<{at_cap}|Label>"
    assert mrkdwn_link(at_cap + "a", "Label") == "Label"


@pytest.mark.parametrize(
    ("line", "limit", "pieces"),
    [
        ("aa bb cc", 5, ["aa bb", "cc"]),  # a piece may be exactly the limit
        ("aa bb", 5, ["aa bb"]),
        # a link longer than the limit must be cut; no piece starts with a space
        ("xxxxx <aaaa bbbb>", 5, ["xxxxx", "<aaaa", "bbbb>"]),
    ],
)
def test_split_line_fills_pieces_to_the_limit(line: str, limit: int, pieces: list[str]) -> None:
    assert split_line(line, limit) == pieces


HEADING = "*Failed (1)*: a re-run of the day retries these"


def failure_sections(reason_chars: int) -> list[str]:
    failure = Failure(stage="fetch", item="f", reason="r" * reason_chars)
    (message,) = build_messages(digest([], [failure], articles=0))[1:]
    return [block["text"]["text"] for block in message.blocks]


def test_a_section_exactly_full_stays_whole_and_one_more_character_splits_it() -> None:
    line_overhead = len("• *fetch* f: ")
    fits = MAX_SECTION_CHARS - len(HEADING) - 1 - line_overhead
    assert failure_sections(fits) == [f"{HEADING}\n• *fetch* f: {'r' * fits}"]
    assert len(failure_sections(fits)[0]) == MAX_SECTION_CHARS
    assert failure_sections(fits + 1) == [HEADING, f"• *fetch* f: {'r' * (fits + 1)}"]


def chars(block: dict[str, Any]) -> int:
    return len(json.dumps(block, ensure_ascii=False))


def failure_messages(reasons: list[int]) -> list[SlackMessage]:
    failures = [
        Failure(stage="fetch", item=f"https://news.example/f/{i}", reason="r" * n)
        for i, n in enumerate(reasons)
    ]
    return build_messages(digest([], failures, articles=0))[1:]


def test_messages_exactly_at_the_budget_stay_whole_and_one_character_more_splits() -> None:
    """Four failure sections per message; the marker of a continued message has its
    300 characters of reserve, so the blocks of each message may fill the rest exactly."""
    full = MESSAGE_BUDGET - 300
    reasons = [2800] * 8  # each line its own section; four fit a message, five do not
    first, second = failure_messages(reasons)
    reasons[3] += full - sum(chars(b) for b in first.blocks)
    reasons[7] += full - sum(chars(b) for b in second.blocks[1:])

    first, second = failure_messages(reasons)
    assert sum(chars(b) for b in first.blocks) == full and len(first.blocks) == 4
    assert second.blocks[0] == context("_8 failed (continued 2/2)_")
    assert sum(chars(b) for b in second.blocks[1:]) == full and len(second.blocks) == 5
    assert (first.text, second.text) == ("8 failed (continued 1/2)", "8 failed (continued 2/2)")
    assert [first.key[-2:], second.key[-2:]] == [":1", ":2"]
    assert sum(chars(b) for b in second.blocks) <= MESSAGE_BUDGET

    for index in (3, 7):  # one character more in either message makes a third one
        over = reasons.copy()
        over[index] += 1
        assert len(failure_messages(over)) == 3
