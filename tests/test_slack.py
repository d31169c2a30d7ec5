"""``briefer slack post``: the real slack_sdk against the loopback Slack (webhook and Web API)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
from briefer.schema import ArticleRef, Brief, BriefMeta, Claim
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
    number: int, title: str, *, links: int = 1, claims: list[Claim] | None = None
) -> Story:
    brief = Brief(
        title=title,
        summary=f"Summary of story {number}.",
        actors=[],
        claims=claims or [],
        numbers=[],
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


def test_bot_posts_the_header_then_one_thread_reply_per_story(
    fake_slack: FakeSlack, day: Path
) -> None:
    result = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    header, *replies = fake_slack.posts
    assert len(replies) == 3  # two stories and the failure list
    assert "thread_ts" not in header and header["blocks"][0]["type"] == "header"
    assert (
        header["blocks"][2]["text"]["text"]
        == "1. Port Ellis funds a crane (2 sources)\n2. Teachers strike (1 source)"
    )
    assert {r["thread_ts"] for r in replies} == {header["ts"]}
    assert {p["channel"] for p in fake_slack.posts} == {"C123"}
    keys = [m.key for m in build_messages(load_digest(day))]
    assert [p["metadata"] for p in fake_slack.posts] == [
        {"event_type": "briefer_post", "event_payload": {"key": key, "day": "2026-05-04"}}
        for key in keys
    ]
    assert all(p["unfurl_links"] is False and p["unfurl_media"] is False for p in fake_slack.posts)
    assert "<https://news.example/1/1?a=1&amp;b=2|Site 1>" in texts(replies[0])
    assert "Failed (1)" in texts(replies[2]) and "HTTP 500" in texts(replies[2])
    ledger = json.loads((day / LEDGER_FILE).read_text())["destinations"]["channel:C123"]
    assert [entry["ts"] for entry in ledger.values()] == [p["ts"] for p in fake_slack.posts]
    assert TOKEN not in result.output and "posted 4 messages" in result.stderr

    again = post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert again.exit_code == 0 and len(fake_slack.posts) == 4
    assert "posted 0 messages" in again.stderr and "4 were already posted" in again.stderr


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
    fake_slack.enqueue(SlackReply.ok(), SlackReply.rate_limited(retry_after=2))
    result = post([str(day)], fake_slack, SLACK_WEBHOOK_URL=fake_slack.webhook_url)
    assert result.exit_code == 0, result.output
    assert waits == [2.0]
    assert len(fake_slack.requests) == 5  # the second message was sent twice
    assert fake_slack.requests[1].body == fake_slack.requests[2].body
    texts_posted = [p["text"] for p in fake_slack.posts]
    assert len(texts_posted) == 4 and len(set(texts_posted)) == 4
    (destination,) = json.loads((day / LEDGER_FILE).read_text())["destinations"].values()
    assert list(destination) == [m.key for m in build_messages(load_digest(day))]
    assert "posted 4 messages" in result.stderr
    again = post([str(day)], fake_slack, SLACK_WEBHOOK_URL=fake_slack.webhook_url)
    assert again.exit_code == 0 and len(fake_slack.requests) == 5


def test_webhook_posts_and_never_shows_its_url(
    fake_slack: FakeSlack, day: Path, tmp_path: Path
) -> None:
    hook = {"SLACK_WEBHOOK_URL": fake_slack.webhook_url}
    dry = post([str(day), "--dry-run"], fake_slack, **hook)
    assert dry.exit_code == 0 and fake_slack.posts == []
    assert "/services/" not in dry.output and "incoming webhook" in dry.output
    result = post([str(day)], fake_slack, **hook)
    assert result.exit_code == 0, result.output
    assert len(fake_slack.posts) == 4 and not any(
        "thread_ts" in p or "channel" in p for p in fake_slack.posts
    )

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


def test_dry_run_prints_the_exact_payloads_and_no_secret(fake_slack: FakeSlack, day: Path) -> None:
    result = post([str(day), "--channel", "C123", "--dry-run"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    assert fake_slack.requests == [] and not (day / LEDGER_FILE).exists()
    payloads = [
        json.loads(part.split("\n", 1)[1]) for part in result.stdout.split("# message ")[1:]
    ]
    assert [p["channel"] for p in payloads] == ["C123"] * 4
    assert payloads[1]["thread_ts"] == "<ts of the header message>"
    assert (
        payloads[0]["blocks"]
        == build_messages(
            make_digest(
                [
                    make_story(1, "Port Ellis funds a crane", links=2),
                    make_story(2, "Teachers strike"),
                ],
                [
                    Failure(
                        stage="fetch",
                        item="https://news.example/bakery",
                        reason="the server answered HTTP 500",
                    )
                ],
            )
        )[0].blocks
    )
    assert TOKEN not in result.output
    anonymous = post([str(day), "--dry-run"], fake_slack)
    assert anonymous.exit_code == 0 and '"channel": "#your-channel"' in anonymous.stdout


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
    messages = build_messages(make_digest(stories, failures))
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        assert sum(len(json.dumps(b, ensure_ascii=False)) for b in message.blocks) <= MESSAGE_BUDGET
        for block in message.blocks:
            text = (
                block["text"]["text"]
                if block["type"] == "section"
                else block["elements"][0]["text"]
                if block["type"] == "context"
                else ""
            )
            assert len(text) <= MAX_SECTION_CHARS
    keys = [m.key for m in messages]
    assert len(keys) == len(set(keys))
    header = [m for m in messages if m.key.startswith("header:")]
    assert len(header) > 1 and not header[0].reply and all(m.reply for m in messages[1:])
    contents = "\n".join(
        b["text"]["text"] for m in header for b in m.blocks if b["type"] == "section"
    )
    assert contents.splitlines() == [
        f"{rank}. {mrkdwn_escape(s.brief.title)} (1 source)"
        if len(s.sources) == 1
        else f"{rank}. {mrkdwn_escape(s.brief.title)} ({len(s.sources)} sources)"
        for rank, s in enumerate(stories, start=1)
    ]
    covered = [m for m in messages if m.key.startswith("story:story0999:")]
    assert len(covered) > 1 and "(continued 2/" in covered[1].text
    every = texts({"m": [m.blocks for m in covered]})
    assert all(f"https://news.example/999/{i}?a=1&amp;b=2|Site {i}>" in every for i in range(400))
    failed = texts({"m": [m.blocks for m in messages if m.key.startswith("failures:")]})
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
    assert fake_slack.posts == [] and "# message 1/4" in capsys.readouterr().out
    assert script.main([str(day)]) == 0 and len(fake_slack.posts) == 4
    assert script.main([str(day)]) == 0 and len(fake_slack.posts) == 4
    monkeypatch.chdir(day.parent.parent.parent)
    assert script.main(["--channel", "C1"]) == 2  # today's folder does not exist


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
