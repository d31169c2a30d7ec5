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
from briefer.rendering import blocks as doc
from briefer.schema import Actor, ArticleRef, Brief, BriefMeta, Claim, GroundingCounts, Number
from briefer.slack import (
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    MESSAGE_BUDGET,
    SlackMessage,
    build_messages,
    mrkdwn_link,
    split_line,
)
from briefer.slack_blocks import MAX_HEADER_CHARS, MAX_LINK_URL, headline_url, to_block_kit

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
            model=model,
            backend="openai",
            prompt_version="1",
            prompt_hash="0" * 16,
            grounding=items.pop("grounding", GroundingCounts()),
        ),
    )
    return Story(
        id=f"story{number:04d}",
        importance=10.0 - number,
        sources=sources,
        brief=brief,
        briefed_at=f"{DAY}T06:00:00+00:00",
    )


def digest(stories: list[Story], failures: list[Failure], articles: int = 3) -> Digest:
    return Digest(
        date=DAY,
        generated_at=f"{DAY}T06:00:00+00:00",
        stories=stories,
        failures=failures,
        stats=DigestStats(articles=articles, stories=len(stories)),
    )


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


CRANE = story(
    1,
    "Port & <Ellis>",
    [
        SourceLink(
            key="url:news.example/1",
            article_id="a1",
            title="Crane deal",
            site="Ellis News",
            url="https://news.example/1?a=1&b=2",
        ),
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
    2,
    "Teachers strike",
    [
        SourceLink(
            key="url:news.example/2", article_id="a3", site="Site", url="https://news.example/2"
        )
    ],
    summary="Schools close.",
    model="m2",
)


CRANE_LEAD = section(
    "*1. <https://news.example/1?a=1&amp;b=2|Port &amp; &lt;Ellis&gt;>* (2 sources)\n"
    "Funds a crane.\n*£4m*: cost of the crane · *12*: jobs created _⚠ unverified_"
)
STRIKE_LEAD = section("*2. <https://news.example/2|Teachers strike>* (1 source)\nSchools close.")
HEADER = {"type": "header", "text": {"type": "plain_text", "text": "Daily briefing — 2026-05-04"}}
FAILED_TWO = section(
    "*Failed (2)*: a re-run of the day retries these\n"
    "• *fetch* https://news.example/bakery: HTTP 500\n"
    "• *brief* Teachers strike: the model timed out"
)
# The failure key is stored in the ledger and in Slack's metadata: deriving it
# differently re-posts an already posted failure list after an upgrade.
FAILURES_KEY = "failures:1009a0825db0:1"


def test_a_small_digest_is_exactly_these_messages() -> None:
    assert build_messages(digest([CRANE, STRIKE], [BAKERY, TIMEOUT])) == [
        SlackMessage(
            key="header:1",
            day=DAY,
            reply=False,
            text="Daily briefing — 2026-05-04: 2 stories from 3 articles · 2 failed",
            blocks=[
                HEADER,
                context("2 stories from 3 articles · 2 failed"),
                CRANE_LEAD,
                STRIKE_LEAD,
                context("Every story's details and the failures in the thread"),
            ],
        ),
        SlackMessage(
            key="story:story0001:1",
            day=DAY,
            reply=True,
            text="1. Port &amp; &lt;Ellis&gt;",
            blocks=[
                CRANE_LEAD,
                section(
                    "*Actors*\n• *Ada Lind*: harbour master\n"
                    "• *Port of Ellis*: buyer _⚠ unverified_"
                ),
                section(
                    "*Claims*\n• The crane costs £4m. — _Ada Lind_\n"
                    "• Work starts in May. _⚠ unverified_"
                ),
                section(
                    "*Numbers*\n• *£4m* GBP: cost of the crane\n• *12*: jobs created _⚠ unverified_"
                ),
                section("*Open questions*\n• Who pays?"),
                section(
                    "*Sources:* <https://news.example/1?a=1&amp;b=2|Crane deal (Ellis News)>"
                    " · notes.txt"
                ),
                context("3 grounded · 3 unverified · model fake-model"),
            ],
        ),
        SlackMessage(
            key="story:story0002:1",
            day=DAY,
            reply=True,
            text="2. Teachers strike",
            blocks=[
                STRIKE_LEAD,
                section("*Sources:* <https://news.example/2|Site>"),
                context("0 grounded · 0 unverified · model m2"),
            ],
        ),
        SlackMessage(key=FAILURES_KEY, day=DAY, reply=True, text="2 failed", blocks=[FAILED_TWO]),
    ]


def test_a_webhook_gets_one_message_and_the_failures_apart_get_their_own() -> None:
    assert build_messages(
        digest([CRANE, STRIKE], [BAKERY, TIMEOUT]), threaded=False, failures_apart="#ops"
    ) == [
        SlackMessage(
            key="digest:1",
            day=DAY,
            reply=False,
            text="Daily briefing — 2026-05-04: 2 stories from 3 articles · 2 failed",
            blocks=[
                HEADER,
                context("2 stories from 3 articles · 2 failed (listed in #ops)"),
                CRANE_LEAD,
                STRIKE_LEAD,
                context("Each story's actors, claims and numbers: the day's digest (digest.html)"),
            ],
        ),
        SlackMessage(
            key=FAILURES_KEY,
            day=DAY,
            reply=False,
            text="Daily briefing — 2026-05-04: 2 failed",
            blocks=[HEADER, FAILED_TWO],
            to="failures",
        ),
    ]
    inline = build_messages(digest([STRIKE], [BAKERY, TIMEOUT]), threaded=False)
    assert [m.key for m in inline] == ["digest:1"]
    assert inline[0].blocks[2:] == [
        section("*1. <https://news.example/2|Teachers strike>* (1 source)\nSchools close."),
        FAILED_TWO,
        context("Each story's actors, claims and numbers: the day's digest (digest.html)"),
    ]
    (only,) = build_messages(digest([], [], articles=0), threaded=False)
    assert only.blocks == [HEADER, context("0 stories from 0 articles")]


@pytest.mark.parametrize(
    ("stories", "failures", "apart", "note"),
    [
        ([STRIKE], [], None, "Every story's details in the thread"),
        ([STRIKE], [BAKERY], "#ops", "Every story's details in the thread"),
        ([STRIKE], [], "#ops", "Every story's details in the thread"),
        ([], [BAKERY], None, "The failures in the thread"),
        ([], [], None, None),
        ([], [BAKERY], "#ops", None),
    ],
)
def test_the_channel_message_says_what_the_thread_holds(
    stories: list[Story], failures: list[Failure], apart: str | None, note: str | None
) -> None:
    messages = build_messages(digest(stories, failures), failures_apart=apart)
    header = messages[0]
    listed = " (listed in #ops)" if failures and apart else ""
    assert header.blocks[1]["elements"][0]["text"].endswith(
        f"failed{listed}" if failures else "articles"
    )
    assert [m.to for m in messages if m.key.startswith("failures:")] == (
        ["failures" if apart else "main"] if failures else []
    )
    last = header.blocks[-1]
    assert (
        last["elements"][0]["text"]
        if last["type"] == "context" and len(header.blocks) > 2
        else None
    ) == note


@pytest.mark.parametrize(
    ("failures", "apart", "after"),
    [([], None, 0), ([], None, 1), ([BAKERY], None, 1), ([BAKERY], "#ops", 1)],
    ids=["last", "one after", "failures in the thread", "failures apart"],
)
def test_a_story_fits_the_channel_message_exactly_or_goes_to_the_thread(
    failures: list[Failure], apart: str | None, after: int
) -> None:
    """The channel message takes leads while they fit with the note that would follow
    them ("N more", the failures or not) included."""
    full = [story(n, f"S{n}", STRIKE.sources, summary="s" * 2500) for n in range(1, 5)]
    later = [story(9, "Later", STRIKE.sources, summary="l" * 2500)] * after

    def channel(summary_chars: int) -> SlackMessage:
        tuned = story(5, "Teachers strike", STRIKE.sources, summary="s" * summary_chars)
        stories = [*full, tuned, *later]
        return build_messages(digest(stories, failures), failures_apart=apart)[0]

    def without_later(message: SlackMessage) -> int:  # the later lead never fits here
        return sum(chars(b) for b in message.blocks)

    room = MESSAGE_BUDGET - without_later(channel(1))
    fits = channel(1 + room)
    assert without_later(fits) == MESSAGE_BUDGET and len(fits.blocks) == 8
    also = " and the failures" if failures and not apart else ""
    note = (
        f"*{after} more in the thread*, with every story's details{also}"
        if after
        else f"Every story's details{also} in the thread"
    )
    assert fits.blocks[-1] == context(note)
    over = channel(2 + room)
    assert len(over.blocks) == 7  # the tuned lead is out; the note says so
    assert over.blocks[-1] == context(
        f"*{after + 1} more in the thread*, with every story's details{also}"
    )


def test_the_channel_message_holds_at_most_fifty_blocks() -> None:
    stories = [story(n, f"S{n}", [], summary="s") for n in range(1, 60)]
    header = build_messages(digest(stories, []))[0]
    assert len(header.blocks) == MAX_BLOCKS and header.blocks[-1] == context(
        "*12 more in the thread*, with every story's details"
    )  # 2 head blocks, 47 leads, the note


@pytest.mark.parametrize(
    ("unit", "shown"),
    [
        ("%", "*1.1%*: c"),
        ("GBP", "*1.1%*: c"),
        ("people", "*1.1%* people: c"),
        ("km", "*1.1%* km: c"),
        ("Gbp", "*1.1%* Gbp: c"),
        ("GBPS", "*1.1%* GBPS: c"),
        (None, "*1.1%*: c"),
    ],
)
def test_a_lead_leaves_out_a_unit_its_number_already_shows(unit: str | None, shown: str) -> None:
    number = Number(value=1.1, unit=unit, text="1.1%", context="c", grounded=True)
    (lead,) = build_messages(digest([story(1, "T", [], summary="s", numbers=[number])], []))[
        0
    ].blocks[2:3]
    assert lead == section(f"*1. T* (0 sources)\ns\n{shown}")


def test_a_lead_links_its_first_http_source_else_the_article() -> None:
    files = [SourceLink(key="/a.txt", article_id="a", path="/a.txt")]
    assert headline_url(story(1, "T", files, summary="s")) is None
    linked = story(1, "T", files, summary="s")
    linked.brief.article.url = "https://a.example/x"
    assert headline_url(linked) == "https://a.example/x"
    assert headline_url(CRANE) == "https://news.example/1?a=1&b=2"
    assert to_block_kit([doc.Heading((doc.Lit("h" * 200),), 1)]) == [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * MAX_HEADER_CHARS}}
    ]
    several = doc.Heading(("a & ", doc.Lit("<b>"), doc.Strong(("c",))), 1)
    assert to_block_kit([several]) == [
        {"type": "header", "text": {"type": "plain_text", "text": "a & <b>"}}
    ]  # plain text: nothing escaped; only text pieces


@pytest.mark.parametrize(("stories", "parts"), [(46, [49]), (47, [50, 2])])
def test_a_webhook_message_of_49_blocks_is_whole_and_one_more_makes_two_parts(
    stories: int, parts: list[int]
) -> None:
    """Head (2) + leads + the note: a part keeps one block free for its "part k of n"."""
    many = [story(n, f"S{n}", [], summary="s") for n in range(1, stories + 1)]
    messages = build_messages(digest(many, []), threaded=False)
    assert [len(m.blocks) for m in messages] == parts


def failures_key(failures: list[Failure]) -> str:
    return build_messages(digest([], failures, articles=0))[-1].key


def test_the_failure_list_key_is_stable_and_changes_with_the_failures() -> None:
    assert failures_key([BAKERY]) == failures_key([BAKERY.model_copy()])
    assert (
        len({failures_key([BAKERY]), failures_key([TIMEOUT]), failures_key([BAKERY, TIMEOUT])}) == 3
    )


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
    """Four failure sections per message; the "part k of n" marker has its 300 characters
    of reserve, so the blocks of each message may fill the rest exactly."""
    full = MESSAGE_BUDGET - 300
    reasons = [2800] * 8  # each line its own section; four fit a message, five do not
    first, second = failure_messages(reasons)
    reasons[3] += full - sum(chars(b) for b in first.blocks[1:])
    reasons[7] += full - sum(chars(b) for b in second.blocks[1:])

    first, second = failure_messages(reasons)
    assert first.blocks[0] == context("_8 failed (part 1 of 2)_")
    assert second.blocks[0] == context("_8 failed (part 2 of 2)_")
    for message in (first, second):
        assert sum(chars(b) for b in message.blocks[1:]) == full and len(message.blocks) == 5
        assert sum(chars(b) for b in message.blocks) <= MESSAGE_BUDGET
    assert (first.text, second.text) == ("8 failed (part 1 of 2)", "8 failed (part 2 of 2)")
    assert [first.key[-2:], second.key[-2:]] == [":1", ":2"]
    assert (first.reply, second.reply) == (True, True)

    for index in (3, 7):  # one character more in either message makes a third one
        over = reasons.copy()
        over[index] += 1
        assert len(failure_messages(over)) == 3
    (whole,) = failure_messages([10])
    assert whole.text == "8 failed".replace("8", "1") and len(whole.blocks) == 1  # no marker


def test_later_parts_of_a_top_level_message_are_replies_to_the_first() -> None:
    failures = [Failure(stage="fetch", item=f"f{i}", reason="r" * 2800) for i in range(8)]
    apart = build_messages(digest([], failures, articles=0), failures_apart="#ops")[1:]
    assert [(m.reply, m.to) for m in apart] == [(False, "failures"), (True, "failures")]
