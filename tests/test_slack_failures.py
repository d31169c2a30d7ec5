"""The failure list posted apart: ``--failures-channel`` / ``[slack] failures_channel`` for a
bot, ``SLACK_FAILURES_WEBHOOK_URL`` for a webhook; each message once, no secret shown.

The real CLI and the real slack_sdk against the loopback Slack, as in test_slack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefer.digest import Failure, write_digest
from briefer.slack import LEDGER_FILE
from tests.fakes import FakeSlack, SlackReply
from tests.test_slack import TOKEN, make_digest, make_story, post

BOT = ("--channel", "C123")


@pytest.fixture
def day(tmp_path: Path) -> Path:
    folder = tmp_path / "briefings" / "2026-05-04"
    stories = [make_story(1, "Port Ellis funds a crane"), make_story(2, "Teachers strike")]
    failures = [Failure(stage="fetch", item="https://news.example/b", reason="HTTP 500")]
    write_digest(folder, make_digest(stories, failures))
    return folder


def destinations(day: Path) -> dict[str, list[str]]:
    data = json.loads((day / LEDGER_FILE).read_text())["destinations"]
    return {name: list(entries) for name, entries in data.items()}


def context_texts(payload: dict[str, Any]) -> list[str]:
    return [b["elements"][0]["text"] for b in payload["blocks"] if b["type"] == "context"]


@pytest.mark.parametrize("how", ["flag", "config"])
def test_a_bot_posts_the_failures_in_their_own_channel_once(
    fake_slack: FakeSlack, day: Path, tmp_path: Path, how: str
) -> None:
    config = tmp_path / "briefer.toml"
    config.write_text('[slack]\nfailures_channel = "C999"\n')
    args = ["--failures-channel", "C999"] if how == "flag" else ["--config", str(config)]
    result = post([str(day), *BOT, *args], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    header, first, second, failed = fake_slack.posts
    assert [p["channel"] for p in fake_slack.posts] == ["C123", "C123", "C123", "C999"]
    assert first["thread_ts"] == second["thread_ts"] == header["ts"] and "thread_ts" not in failed
    assert context_texts(header) == [
        "2 stories from 2 articles · 1 failed (listed in C999)",
        "Every story's details in the thread",
    ]
    assert failed["blocks"][0]["text"]["text"] == "Daily briefing — 2026-05-04"
    assert failed["blocks"][1]["text"]["text"].startswith("*Failed (1)*")
    assert failed["text"] == "Daily briefing — 2026-05-04: 1 failed"
    assert "Failed" not in json.dumps([header, first, second])
    ledger = destinations(day)
    assert ledger["channel:C123"] == ["header:1", "story:story0001:1", "story:story0002:1"]
    assert [key.split(":")[0] for key in ledger["channel:C999"]] == ["failures"]
    assert "the failures to channel C999 (SLACK_BOT_TOKEN)" in result.stderr
    again = post([str(day), *BOT, *args], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert again.exit_code == 0 and len(fake_slack.posts) == 4
    assert "4 were already posted" in again.stderr


def test_a_failures_channel_that_refuses_is_retried_alone_by_a_rerun(
    fake_slack: FakeSlack, day: Path
) -> None:
    args = [str(day), *BOT, "--failures-channel", "C999"]
    fake_slack.enqueue(*[SlackReply.ok()] * 3, SlackReply.api_error("not_in_channel"))
    stopped = post(args, fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert stopped.exit_code == 1 and "invite the bot to the channel" in stopped.stderr
    assert len(fake_slack.posts) == 3
    resumed = post(args, fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert resumed.exit_code == 0 and "posted 1 messages" in resumed.stderr
    assert [p["channel"] for p in fake_slack.posts] == ["C123"] * 3 + ["C999"]


def test_a_webhook_sends_the_failures_to_the_failures_webhook_and_never_shows_it(
    fake_slack: FakeSlack, day: Path
) -> None:
    env = {
        "SLACK_WEBHOOK_URL": fake_slack.webhook_url,
        "SLACK_FAILURES_WEBHOOK_URL": fake_slack.failures_webhook_url,
    }
    dry = post([str(day), "--dry-run"], fake_slack, **env)
    assert dry.exit_code == 0 and fake_slack.requests == []
    digest_line, failures_line = (json.loads(line) for line in dry.stdout.splitlines())
    assert "Failed" not in json.dumps(digest_line) and "Failed" in json.dumps(failures_line)
    assert "to the incoming webhook (SLACK_FAILURES_WEBHOOK_URL)" in dry.stderr
    result = post([str(day)], fake_slack, **env)
    assert result.exit_code == 0, result.output
    (main,) = fake_slack.webhook_posts(fake_slack.webhook_url)
    (failed,) = fake_slack.webhook_posts(fake_slack.failures_webhook_url)
    assert main["blocks"] == digest_line["blocks"] and failed["blocks"] == failures_line["blocks"]
    assert context_texts(main)[0] == (
        "2 stories from 2 articles · 1 failed (listed in the failures channel)"
    )
    ledger_text = (day / LEDGER_FILE).read_text()
    assert "/services/" not in ledger_text and len(destinations(day)) == 2
    for output in (dry.output, result.output):
        assert "/services/" not in output and "B001" not in output
    again = post([str(day)], fake_slack, **env)
    assert again.exit_code == 0 and len(fake_slack.posts) == 2


def test_a_day_without_failures_posts_nothing_to_the_failures_channel(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    day = tmp_path / "briefings" / "2026-05-04"
    write_digest(day, make_digest([make_story(1, "Port Ellis funds a crane")]))
    result = post([str(day), *BOT, "--failures-channel", "C999"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    assert [p["channel"] for p in fake_slack.posts] == ["C123", "C123"]
    assert "listed in" not in json.dumps(fake_slack.posts) and list(destinations(day)) == [
        "channel:C123"
    ]


def test_a_failures_channel_needs_a_bot_token(fake_slack: FakeSlack, day: Path) -> None:
    result = post(
        [str(day), "--failures-channel", "C999"],
        fake_slack,
        SLACK_WEBHOOK_URL=fake_slack.webhook_url,
    )
    assert result.exit_code == 2 and fake_slack.requests == []
    assert result.stderr.strip() == (
        "briefer: error: a failures channel needs SLACK_BOT_TOKEN: set it, or drop "
        "--failures-channel / [slack] failures_channel (or set SLACK_FAILURES_WEBHOOK_URL)"
    )


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (
            "failures_channel = 7",
            "setting 'failures_channel' in [slack] = 7: should be a valid string; fix it in the file",
        ),
        (
            "failures_channel = 'ops room'",
            "setting 'failures_channel' in [slack] = 'ops room': should be a channel ID (C…) or "
            "#name, without spaces; fix it in the file",
        ),
        (
            "failures_webhook = 'https://hooks.slack.com/services/T/B/s3cret'",
            "do not store 'failures_webhook' in a file; remove it and set "
            "SLACK_FAILURES_WEBHOOK_URL instead",
        ),
    ],
    ids=["typed", "one word", "secret"],
)
def test_the_failures_settings_are_checked(
    fake_slack: FakeSlack, day: Path, tmp_path: Path, toml: str, error: str
) -> None:
    config = tmp_path / "briefer.toml"
    config.write_text(f"[slack]\n{toml}\n")
    result = post([str(day), *BOT, "--config", str(config)], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 2 and fake_slack.requests == []
    assert result.stderr.strip() == f"briefer: error: {config}: {error}"
    assert "s3cret" not in result.output
