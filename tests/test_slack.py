"""``briefer slack post``: the real slack_sdk against the loopback Slack (webhook and Web API)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from briefer.cli import cli
from briefer.digest import (
    Digest,
    DigestStats,
    Failure,
    SourceLink,
    Story,
    load_digest,
    write_digest,
)
from briefer.schema import ArticleRef, Brief, BriefMeta, Claim, Number
from briefer.slack import (
    LEDGER_FILE,
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    MESSAGE_BUDGET,
    build_messages,
    mrkdwn_escape,
    mrkdwn_link,
    split_line,
)
from tests.fakes import FakeOpenAI, FakeSlack, Reply, SlackReply

REPO = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-test-secret-token"


def make_story(
    number: int,
    title: str,
    *,
    links: int = 1,
    claims: list[Claim] | None = None,
    numbers: list[Number] | None = None,
    summary: str | None = None,
) -> Story:
    brief = Brief(
        title=title,
        summary=summary or f"Summary of story {number}.",
        actors=[],
        claims=claims or [],
        numbers=numbers or [],
        open_questions=[],
        article=ArticleRef(id=f"a{number}"),
        meta=BriefMeta(
            model="fake-model", backend="openai", prompt_version="1", prompt_hash="0" * 16
        ),
    )
    sources = [
        SourceLink(
            key=f"url:news.example/{number}/{i}",
            article_id=f"a{number}",
            site=f"Site {i}",
            url=f"https://news.example/{number}/{i}?a=1&b=2",
        )
        for i in range(links)
    ]
    return Story(
        id=f"story{number:04d}",
        importance=100 - number,
        sources=sources,
        brief=brief,
        briefed_at="2026-05-04T06:00:00+00:00",
    )


def make_digest(stories: list[Story], failures: list[Failure] | None = None) -> Digest:
    return Digest(
        date="2026-05-04",
        generated_at="2026-05-04T06:00:00+00:00",
        stories=stories,
        failures=failures or [],
        stats=DigestStats(articles=len(stories), stories=len(stories)),
    )


@pytest.fixture
def day(tmp_path: Path) -> Path:
    folder = tmp_path / "briefings" / "2026-05-04"
    stories = [make_story(1, "Port Ellis funds a crane", links=2), make_story(2, "Teachers strike")]
    failures = [
        Failure(
            stage="fetch", item="https://news.example/bakery", reason="the server answered HTTP 500"
        )
    ]
    write_digest(folder, make_digest(stories, failures))
    return folder


def post(args: list[str], slack: FakeSlack, **env: str) -> Result:
    environment = {"SLACK_API_URL": slack.api_url, **env}
    return CliRunner().invoke(
        cli, ["slack", "post", *args], env=environment, catch_exceptions=False
    )


def texts(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_the_channel_message_is_the_digest_and_the_details_are_in_the_thread(
    fake_slack: FakeSlack, day: Path
) -> None:
    result = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    header, *replies = fake_slack.posts
    assert len(replies) == 3  # two stories and the failure list
    assert "thread_ts" not in header and [b["type"] for b in header["blocks"]] == [
        "header", "context", "section", "section", "context"
    ]  # fmt: skip
    assert [b["text"]["text"] for b in header["blocks"][2:4]] == [
        "*1. <https://news.example/1/0?a=1&amp;b=2|Port Ellis funds a crane>* (2 sources)\n"
        "Summary of story 1.",
        "*2. <https://news.example/2/0?a=1&amp;b=2|Teachers strike>* (1 source)\n"
        "Summary of story 2.",
    ]
    assert header["blocks"][4]["elements"][0]["text"] == (
        "Every story's details and the failures in the thread"
    )
    assert {r["thread_ts"] for r in replies} == {header["ts"]}
    assert {p["channel"] for p in fake_slack.posts} == {"C123"}
    keys = [m.key for m in build_messages(load_digest(day))]
    assert [p["metadata"] for p in fake_slack.posts] == [
        {"event_type": "briefer_post", "event_payload": {"key": key, "day": "2026-05-04"}}
        for key in keys
    ]
    assert all(p["unfurl_links"] is False and p["unfurl_media"] is False for p in fake_slack.posts)
    assert replies[0]["blocks"][0] == header["blocks"][2]  # each reply leads with the story
    assert "<https://news.example/1/1?a=1&amp;b=2|Site 1>" in texts(replies[0])
    assert "Failed (1)" in texts(replies[2]) and "HTTP 500" in texts(replies[2])
    ledger = json.loads((day / LEDGER_FILE).read_text())["destinations"]["channel:C123"]
    assert [entry["ts"] for entry in ledger.values()] == [p["ts"] for p in fake_slack.posts]
    assert TOKEN not in result.output and "posted 4 messages" in result.stderr

    again = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert again.exit_code == 0 and len(fake_slack.posts) == 4
    assert "posted 0 messages" in again.stderr and "4 were already posted" in again.stderr


def numbered(rank: int) -> Story:
    """A story with a realistic lead: a long headline and summary, two key numbers."""
    numbers = [
        Number(value=4e6, unit="GBP", text="£4m", context="cost of the crane", grounded=True),
        Number(value=12, unit=None, text="12", context="jobs created", grounded=False),
        Number(value=3, unit=None, text="three", context="bids", grounded=True),
    ]
    return make_story(
        rank,
        f"Story {rank}: the harbour council & the <budget> " + "x" * 100,
        links=1 + rank % 3,
        numbers=numbers,
        summary=f"Summary {rank}: " + "the council met and agreed on the crane. " * 10,
    )


def lead_title(block: dict[str, Any]) -> str:
    return str(block["text"]["text"]).split("|", 1)[1].split(">*", 1)[0]


def test_a_60_story_day_fills_the_channel_message_within_slacks_limits(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    day = tmp_path / "briefings" / "2026-05-04"
    stories = [numbered(rank) for rank in range(1, 61)]
    write_digest(day, make_digest(stories))
    result = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output  # the fake refuses what Slack refuses
    header, *replies = fake_slack.posts
    assert len(replies) == 60 and all(limits_ok(p["blocks"]) for p in fake_slack.posts)
    leads = header["blocks"][2:-1]
    shown = len(leads)
    assert 10 < shown < 60  # as many as fit; the rest are in the thread
    assert [lead_title(b) for b in leads] == [mrkdwn_escape(s.brief.title) for s in stories[:shown]]
    assert header["blocks"][-1]["elements"][0]["text"] == (
        f"*{60 - shown} more in the thread*, with every story's details"
    )
    assert leads[0]["text"]["text"].endswith(
        "\n*£4m*: cost of the crane · *12*: jobs created _⚠ unverified_"
    )  # the two key numbers, not the third
    one_more = [*header["blocks"][:-1], replies[shown]["blocks"][0], header["blocks"][-1]]
    assert sum(len(json.dumps(b, ensure_ascii=False)) for b in one_more) > MESSAGE_BUDGET
    assert [lead_title(r["blocks"][0]) for r in replies] == [
        mrkdwn_escape(s.brief.title) for s in stories
    ]


def limits_ok(blocks: list[dict[str, Any]]) -> bool:
    """Within Slack's limits, as slack_sdk's own Block Kit models check them, and ours."""
    for block in Block.parse_all(blocks):
        block.validate_json()
    return (
        len(blocks) <= MAX_BLOCKS
        and sum(len(json.dumps(b, ensure_ascii=False)) for b in blocks) <= MESSAGE_BUDGET
    )


def test_a_rerun_after_a_failure_posts_only_what_is_missing(
    fake_slack: FakeSlack, day: Path
) -> None:
    fake_slack.enqueue(
        SlackReply.ok(),
        SlackReply.ok(),
        SlackReply.api_error("fatal_error"),
        method="chat.postMessage",
    )
    failed = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert failed.exit_code == 1
    assert failed.stderr.strip() == "briefer: error: chat.postMessage failed: fatal_error"
    assert len(fake_slack.posts) == 2
    resumed = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert resumed.exit_code == 0, resumed.output
    texts_posted = [p["text"] for p in fake_slack.posts]
    assert len(texts_posted) == 4 and len(set(texts_posted)) == 4  # nothing posted twice
    header_ts = fake_slack.posts[0]["ts"]
    assert all(p["thread_ts"] == header_ts for p in fake_slack.posts[1:])


@pytest.mark.parametrize(
    ("retry_after", "waited"), [("1", 1.0), ("7", 7.0), ("0", 0.0), ("soon", 1.0), ("", 1.0)]
)
def test_rate_limit_waits_for_retry_after(
    fake_slack: FakeSlack, day: Path, waits: list[float], retry_after: str, waited: float
) -> None:
    fake_slack.enqueue(
        SlackReply.ok(), SlackReply.rate_limited(retry_after), method="chat.postMessage"
    )
    result = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    assert waits == [waited]
    assert len(fake_slack.calls("chat.postMessage")) == 5 and len(fake_slack.posts) == 4


def test_a_rate_limit_too_long_to_wait_stops_and_a_rerun_posts_the_rest(
    fake_slack: FakeSlack, day: Path, waits: list[float]
) -> None:
    fake_slack.enqueue(SlackReply.ok(), SlackReply.rate_limited(3600), method="chat.postMessage")
    stopped = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert stopped.exit_code == 1 and waits == []
    assert stopped.stderr.strip() == (
        "briefer: error: chat.postMessage failed: ratelimited "
        "(Slack asked to wait too long; re-run later)"
    )
    resumed = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert resumed.exit_code == 0 and "posted 3 messages" in resumed.stderr
    assert len({p["text"] for p in fake_slack.posts}) == len(fake_slack.posts) == 4


def test_webhook_rate_limit_waits_for_retry_after_and_posts_once(
    fake_slack: FakeSlack, day: Path, waits: list[float]
) -> None:
    fake_slack.enqueue(SlackReply.rate_limited(retry_after=2))
    result = post([str(day)], fake_slack, SLACK_WEBHOOK_URL=fake_slack.webhook_url)
    assert result.exit_code == 0, result.output
    assert waits == [2.0]
    assert len(fake_slack.requests) == 2  # the one message was sent twice, accepted once
    assert fake_slack.requests[0].body == fake_slack.requests[1].body
    (destination,) = json.loads((day / LEDGER_FILE).read_text())["destinations"].values()
    assert list(destination) == ["digest:1"]
    assert "posted 1 messages" in result.stderr
    again = post([str(day)], fake_slack, SLACK_WEBHOOK_URL=fake_slack.webhook_url)
    assert again.exit_code == 0 and len(fake_slack.requests) == 2


def test_webhook_posts_one_message_and_never_shows_its_url(
    fake_slack: FakeSlack, day: Path, tmp_path: Path
) -> None:
    hook = {"SLACK_WEBHOOK_URL": fake_slack.webhook_url}
    dry = post([str(day), "--dry-run"], fake_slack, **hook)
    assert dry.exit_code == 0 and fake_slack.posts == []
    assert "/services/" not in dry.output and "incoming webhook" in dry.stderr
    result = post([str(day)], fake_slack, **hook)
    assert result.exit_code == 0, result.output
    (message,) = fake_slack.posts
    assert "thread_ts" not in message and "channel" not in message
    assert [b["type"] for b in message["blocks"]] == [
        "header", "context", "section", "section", "section", "context"
    ]  # fmt: skip
    assert message["blocks"][2]["text"]["text"].startswith(
        "*1. <https://news.example/1/0?a=1&amp;b=2|Port Ellis funds a crane>* (2 sources)\n"
    )
    assert message["blocks"][4]["text"]["text"].startswith("*Failed (1)*")
    assert "actors, claims and numbers" in message["blocks"][5]["elements"][0]["text"]

    other = tmp_path / "briefings" / "2026-05-05"
    write_digest(other, make_digest([make_story(3, "Bridge closes")]))
    fake_slack.enqueue(SlackReply.api_error("channel_not_found"))
    refused = post([str(other)], fake_slack, **hook)
    assert refused.exit_code == 1
    assert "the Slack webhook answered HTTP 404: channel_not_found" in refused.stderr
    assert "/services/" not in refused.output and fake_slack.webhook_url not in refused.output
    fake_slack.stop()  # unreachable: the connection error must not show the URL either
    down = post([str(other)], fake_slack, **hook)
    assert down.exit_code == 1 and "could not reach" in down.stderr
    assert "/services/" not in down.output and "XXXX" not in down.output


def test_a_big_webhook_day_is_one_message_in_parts_each_within_the_limits(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    day = tmp_path / "briefings" / "2026-05-04"
    stories = [numbered(rank) for rank in range(1, 61)]
    failures = [
        Failure(stage="fetch", item=f"https://f.example/{n}", reason="HTTP 500") for n in range(3)
    ]
    write_digest(day, make_digest(stories, failures))
    hook = {"SLACK_WEBHOOK_URL": fake_slack.webhook_url}
    fake_slack.enqueue(SlackReply.ok(), SlackReply.api_error("invalid_payload"))
    stopped = post([str(day)], fake_slack, **hook)  # Slack refuses part 2: a re-run resumes
    assert stopped.exit_code == 1 and len(fake_slack.posts) == 1
    result = post([str(day)], fake_slack, **hook)
    assert result.exit_code == 0, result.output
    parts = fake_slack.posts
    total = len(parts)
    assert 2 < total < 60 and all(limits_ok(p["blocks"]) for p in parts)
    assert [p["blocks"][0]["elements"][0]["text"] for p in parts] == [
        f"_Daily briefing — 2026-05-04: 60 stories from 60 articles · 3 failed (part {k} of {total})_"
        for k in range(1, total + 1)
    ]
    assert [p["text"] for p in parts] == [
        f"Daily briefing — 2026-05-04: 60 stories from 60 articles · 3 failed (part {k} of {total})"
        for k in range(1, total + 1)
    ]
    leads = [
        b
        for p in parts
        for b in p["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("*")
    ]
    assert [lead_title(b) for b in leads[:-1]] == [mrkdwn_escape(s.brief.title) for s in stories]
    assert leads[-1]["text"]["text"].startswith("*Failed (3)*")
    again = post([str(day)], fake_slack, **hook)
    assert again.exit_code == 0 and len(fake_slack.posts) == total


def test_dry_run_prints_one_json_payload_per_line_and_no_secret(
    fake_slack: FakeSlack, day: Path
) -> None:
    result = post([str(day), "--channel", "C123", "--dry-run"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    assert fake_slack.requests == [] and not (day / LEDGER_FILE).exists()
    payloads = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["channel"] for p in payloads] == ["C123"] * 4
    assert "thread_ts" not in payloads[0]
    assert {p["thread_ts"] for p in payloads[1:]} == {"<ts of the header message>"}
    messages = build_messages(load_digest(day))
    assert [p["blocks"] for p in payloads] == [m.blocks for m in messages]
    assert result.stderr.splitlines()[:4] == [
        f"# message {n}/4 ({m.key}) to channel C123 (SLACK_BOT_TOKEN)"
        for n, m in enumerate(messages, start=1)
    ]
    assert TOKEN not in result.output
    anonymous = post([str(day), "--dry-run"], fake_slack)
    assert anonymous.exit_code == 0
    assert {json.loads(line)["channel"] for line in anonymous.stdout.splitlines()} == {
        "#your-channel"
    }


def test_usage_errors(fake_slack: FakeSlack, day: Path, tmp_path: Path) -> None:
    assert post([str(day)], fake_slack).exit_code == 2
    no_channel = post([str(day)], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert no_channel.exit_code == 2 and "channel" in no_channel.stderr
    missing = post(
        [str(tmp_path / "nowhere")], fake_slack, SLACK_WEBHOOK_URL=fake_slack.webhook_url
    )
    assert missing.exit_code == 2 and "briefer daily" in missing.stderr


def test_mentions_and_disguised_links_from_an_article_arrive_escaped(
    fake_openai: FakeOpenAI,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    hostile = (
        "Hello <!channel> and <!here|here>, ping <@U123> & see <https://evil.example|bank.com> "
        "now. The council met on Monday."
    )

    def echo(request: dict[str, Any]) -> Reply:  # a model that repeats the article's words
        brief = {
            "title": "<!channel> Council news",
            "summary": hostile,
            "actors": [],
            "claims": [{"text": hostile[:140], "by": "<@U123>", "sentence": 1}],
            "numbers": [],
            "questions": ["<https://evil.example|Who pays?>"],
        }
        return Reply.content(json.dumps(brief))

    fake_openai.responder = echo
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "council.txt").write_text(hostile + "\n")
    env = {"OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "sk-test"}
    daily = CliRunner().invoke(
        cli,
        ["daily", str(folder), "--out", str(tmp_path / "b"), "--date", "2026-05-04"],
        env=env,
        catch_exceptions=False,
    )
    assert daily.exit_code == 0, daily.output
    result = post(
        [str(tmp_path / "b" / "2026-05-04"), "--channel", "C1"], fake_slack, SLACK_BOT_TOKEN=TOKEN
    )
    assert result.exit_code == 0, result.output
    sent = texts({"posts": fake_slack.posts})
    for raw in ("<!channel>", "<!here", "<@U123>", "<https://evil", "& see"):
        assert raw not in sent
    assert "&lt;!channel&gt; Council news" in sent and "&lt;@U123&gt;" in sent
    assert "&lt;https://evil.example|bank.com&gt;" in sent and "&amp; see" in sent


def test_a_large_digest_is_split_within_slack_limits_and_nothing_is_lost() -> None:
    long_title = "A very long headline about the harbour, the council & the <budget> " * 2
    stories = [make_story(n, f"{n}: {long_title}") for n in range(1, 181)]
    stories.append(make_story(999, "Everyone covered this", links=400))
    claims = [Claim(text="word " * 59, attributed_to=None, evidence="x", grounded=False)] * 8
    stories.append(make_story(998, "Many claims", claims=claims))
    failures = [
        Failure(stage="fetch", item=f"https://news.example/f/{i}", reason="HTTP 500 " * 20)
        for i in range(120)
    ]
    digest = make_digest(stories, failures)
    threaded, webhook = build_messages(digest), build_messages(digest, threaded=False)
    for message in threaded + webhook:
        assert limits_ok(message.blocks), message.key
        for block in message.blocks:
            text = (
                block["text"]["text"]
                if block["type"] == "section"
                else block["elements"][0]["text"]
                if block["type"] == "context"
                else ""
            )
            assert len(text) <= MAX_SECTION_CHARS
    for messages in (threaded, webhook):
        keys = [m.key for m in messages]
        assert len(keys) == len(set(keys))
        assert not messages[0].reply and all(m.reply for m in messages[1:])
    header = threaded[0]
    assert [m.key for m in threaded if m.key.startswith("header:")] == ["header:1"]
    shown = len(header.blocks) - 3
    assert header.blocks[-1]["elements"][0]["text"].startswith(
        f"*{182 - shown} more in the thread*"
    )
    replies = [m for m in threaded if m.key.startswith("story:") and m.key.endswith(":1")]
    assert [lead_title(next(b for b in m.blocks if b["type"] == "section")) for m in replies] == [
        mrkdwn_escape(s.brief.title) for s in stories
    ]
    covered = [m for m in threaded if m.key.startswith("story:story0999:")]
    assert len(covered) > 1 and "(part 2 of " in covered[1].text
    every = texts({"m": [m.blocks for m in covered]})
    assert all(f"https://news.example/999/{i}?a=1&amp;b=2|Site {i}>" in every for i in range(400))
    failed = texts({"m": [m.blocks for m in threaded if m.key.startswith("failures:")]})
    assert all(f"https://news.example/f/{i}:" in failed for i in range(120))
    assert [m.key for m in webhook] == [f"digest:{k}" for k in range(1, len(webhook) + 1)]
    sections = [b for m in webhook for b in m.blocks if b["type"] == "section"]
    assert [lead_title(b) for b in sections[: len(stories)]] == [
        mrkdwn_escape(s.brief.title) for s in stories
    ]
    failed = texts({"m": sections[len(stories) :]})
    assert all(f"https://news.example/f/{i}:" in failed for i in range(120))


def test_split_line_keeps_links_and_entities_whole() -> None:
    line = " · ".join(
        mrkdwn_link(f"https://x.example/{i}?q=a&r=b", f"Site & {i}") for i in range(300)
    )
    pieces = split_line(line, 500)
    assert all(len(p) <= 500 for p in pieces) and len(pieces) > 10
    for piece in pieces:
        assert piece.count("<") == piece.count(">")
        assert not piece.rstrip().endswith(("&", "&amp", "&am", "&a"))
    assert "".join(pieces).replace(" ", "") == line.replace(" ", "")
    assert split_line("x" * 1200, 500) == ["x" * 500, "x" * 500, "x" * 200]
    assert mrkdwn_link("javascript:alert(1)", "<b>") == "&lt;b&gt;"


def test_post_to_slack_script_wraps_the_cli(
    fake_slack: FakeSlack,
    day: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = importlib.util.spec_from_file_location(
        "post_to_slack", REPO / "scripts" / "post_to_slack.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", fake_slack.webhook_url)
    assert script.main([str(day), "--dry-run"]) == 0
    shown = capsys.readouterr()
    assert fake_slack.posts == [] and "# message 1/1 (digest:1)" in shown.err
    assert json.loads(shown.out)["blocks"][0]["type"] == "header"
    assert script.main([str(day)]) == 0 and len(fake_slack.posts) == 1
    assert script.main([str(day)]) == 0 and len(fake_slack.posts) == 1
    monkeypatch.chdir(day.parent.parent.parent)
    assert script.main(["--channel", "C1"]) == 2  # today's folder does not exist
    capsys.readouterr()
    # An option's value is not the day folder: today's is still looked for (and missing).
    assert script.main(["--failures-channel", "C9", "--dry-run"]) == 2
    assert "briefings/" in capsys.readouterr().err


def test_the_fake_history_speaks_slacks_shapes(fake_slack: FakeSlack) -> None:
    web = WebClient(token=TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    tag = {"event_type": "briefer_post", "event_payload": {"key": "header:1", "day": "d"}}
    header = web.chat_postMessage(channel="#news", text="header", metadata=tag)
    channel = header["channel"]
    assert channel.startswith("C") and re.fullmatch(r"\d{10}\.\d{6}", header["ts"])
    for n in range(4):
        web.chat_postMessage(channel=channel, text=f"reply {n}", thread_ts=header["ts"])
        web.chat_postMessage(channel=channel, text=f"top {n}")
    plain = web.conversations_history(channel=channel, limit=3)
    assert [m["text"] for m in plain["messages"]] == ["top 3", "top 2", "top 1"]
    assert plain["has_more"] is True and plain["response_metadata"]["next_cursor"]
    rest = web.conversations_history(
        channel=channel, cursor=plain["response_metadata"]["next_cursor"], limit=3
    )
    assert [m["text"] for m in rest["messages"]] == ["top 0", "header"]
    assert rest["has_more"] is False and "response_metadata" not in rest.data
    assert "metadata" not in rest["messages"][1]  # only when include_all_metadata is true
    assert rest["messages"][1]["reply_count"] == 4
    tagged = web.conversations_history(channel=channel, include_all_metadata=True)
    assert tagged["messages"][-1]["metadata"] == tag
    late = web.conversations_history(channel=channel, oldest=rest["messages"][0]["ts"])
    assert [m["text"] for m in late["messages"]] == ["top 3", "top 2", "top 1"]
    thread = web.conversations_replies(channel=channel, ts=header["ts"], limit=2)
    assert [m["text"] for m in thread["messages"]] == ["header", "reply 0"]  # parent first
    assert thread["has_more"] is True
    for call, error in (
        (lambda: web.conversations_history(channel="#news"), "channel_not_found"),
        (lambda: web.conversations_replies(channel=channel, ts="1.000001"), "thread_not_found"),
        (
            lambda: web.chat_postMessage(channel=channel, text="x", metadata={"a": 1}),
            "invalid_metadata_format",
        ),
    ):
        with pytest.raises(SlackApiError) as failed:
            call()
        assert failed.value.response["error"] == error
    fake_slack.scopes = {"chat:write"}
    with pytest.raises(SlackApiError) as denied:
        web.conversations_history(channel=channel)
    assert denied.value.response.data == {
        "ok": False,
        "error": "missing_scope",
        "needed": "channels:history",
        "provided": "chat:write",
    }


def section_of(chars: int) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": "x" * chars}}


@pytest.mark.parametrize(
    ("blocks", "text", "error"),
    [
        ([section_of(10)] * 50, "t", None),
        ([section_of(10)] * 51, "t", "invalid_blocks"),
        ([section_of(3000)], "t", None),
        ([section_of(3001)], "t", "invalid_blocks"),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "t",
            "invalid_blocks",
        ),
        (
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
            "t",
            "invalid_blocks",
        ),
        ([section_of(2900)] * 5, "t", "msg_blocks_too_long"),
        ([section_of(10)], "t" * 40_001, "msg_too_long"),
    ],
    ids=["50 blocks", "51 blocks", "3000", "3001", "header", "context", "13k", "text"],
)
def test_the_fake_refuses_what_slack_refuses(
    fake_slack: FakeSlack, blocks: list[dict[str, Any]], text: str, error: str | None
) -> None:
    web = WebClient(token=TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    hook = WebhookClient(fake_slack.webhook_url, retry_handlers=[])
    answer = hook.send(text=text, blocks=blocks)
    if error is None:
        assert web.chat_postMessage(channel="C1", text=text, blocks=blocks)["ok"]
        assert answer.status_code == 200
        return
    with pytest.raises(SlackApiError) as refused:
        web.chat_postMessage(channel="C1", text=text, blocks=blocks)
    assert refused.value.response["error"] == error
    assert (answer.status_code, answer.body) == (400, error)
