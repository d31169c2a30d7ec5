"""``briefer slack post`` when things go wrong: crashes mid-post, lost answers, a token that
may not read the channel, a broken ledger, two runs at once, secrets in error paths.

Every case runs the real CLI (in process, or as a real process where a crash or a second
process is the point) with the real slack_sdk against the loopback Slack.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from briefer.digest import Failure, load_digest, write_digest
from briefer.slack import LEDGER_FILE, build_messages
from tests.fakes import FakeSlack, SlackReply
from tests.test_slack import TOKEN, make_digest, make_story, post

REPO = Path(__file__).resolve().parent.parent
BOT = ("--channel", "C123")
KEYS = ["header:1", "story:story0001:1", "story:story0002:1"]  # then the failures' key
HOOK_KEYS = ["digest:1", "digest:2", "digest:3"]  # a webhook's message of the wide day, in parts
WAIT = 20.0  # seconds: the most any condition below is waited for (never a fixed sleep)


@pytest.fixture
def day(tmp_path: Path) -> Path:
    folder = tmp_path / "briefings" / "2026-05-04"
    stories = [make_story(1, "Port Ellis funds a crane", links=2), make_story(2, "Teachers strike")]
    failures = [Failure(stage="fetch", item="https://news.example/b", reason="HTTP 500")]
    write_digest(folder, make_digest(stories, failures))
    return folder


@pytest.fixture
def wide_day(tmp_path: Path) -> Path:
    """A day whose webhook message takes three parts (Slack's 50 blocks a message)."""
    folder = tmp_path / "briefings" / "2026-05-06"
    stories = [make_story(n, f"Story {n}") for n in range(1, 121)]
    write_digest(folder, make_digest(stories))
    assert [m.key for m in build_messages(load_digest(folder), threaded=False)] == HOOK_KEYS
    return folder


def bot(day: Path, slack: FakeSlack, *args: str, **env: str) -> Result:
    return post([str(day), *BOT, *args], slack, **{"SLACK_BOT_TOKEN": TOKEN, **env})


def hook(day: Path, slack: FakeSlack) -> Result:
    return post([str(day)], slack, SLACK_WEBHOOK_URL=slack.webhook_url)


def ledger(day: Path) -> dict[str, dict[str, Any]]:
    (destination,) = json.loads((day / LEDGER_FILE).read_text())["destinations"].values()
    return dict(destination)


def edit_ledger(day: Path, change: Callable[[dict[str, dict[str, Any]]], None]) -> None:
    data = json.loads((day / LEDGER_FILE).read_text())
    (destination,) = data["destinations"].values()
    change(destination)
    (day / LEDGER_FILE).write_text(json.dumps(data))


def as_pending(*keys: str, at: float | None = None) -> Callable[[dict[str, dict[str, Any]]], None]:
    """What a crash after sending ``keys`` and before recording Slack's answer leaves."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(at or time.time()))

    def change(entries: dict[str, dict[str, Any]]) -> None:
        for key in keys:
            entries[key] = {"state": "pending", "attempted_at": stamp}

    return change


def posted_keys(slack: FakeSlack) -> list[str]:
    return [
        p["metadata"]["event_payload"]["key"] if "metadata" in p else p["text"] for p in slack.posts
    ]


def all_keys(day: Path) -> list[str]:
    return [m.key for m in build_messages(load_digest(day))]


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert process is None or process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


# -- (a) Slack accepted the message, the ledger never heard -----------------------------------


@pytest.mark.parametrize(
    "lost",
    [
        SlackReply.accepted_then_drop(),
        SlackReply.accepted_then_error(500),
        SlackReply.accepted_then_error(503),
    ],
    ids=["dropped", "500", "503"],
)
def test_a_post_slack_stored_but_never_confirmed_is_found_not_posted_again(
    fake_slack: FakeSlack, day: Path, lost: SlackReply
) -> None:
    fake_slack.enqueue(SlackReply.ok(), lost, method="chat.postMessage")
    result = bot(day, fake_slack)
    assert result.exit_code == 0, result.output
    assert posted_keys(fake_slack) == all_keys(day)  # each once, in order
    assert "posted 3 messages" in result.stderr and "1 found already in Slack" in result.stderr
    assert [e["ts"] for e in ledger(day).values()] == [p["ts"] for p in fake_slack.posts]
    (lookup,) = fake_slack.calls("conversations.replies")
    assert lookup["ts"] == fake_slack.posts[0]["ts"] and lookup["include_all_metadata"] == "1"


def test_a_post_slack_lost_is_looked_up_then_posted_once(fake_slack: FakeSlack, day: Path) -> None:
    fake_slack.enqueue(SlackReply.ok(), SlackReply.error(500), method="chat.postMessage")
    result = bot(day, fake_slack)
    assert result.exit_code == 0, result.output
    assert posted_keys(fake_slack) == all_keys(day)
    assert len(fake_slack.calls("conversations.replies")) == 1


def test_a_process_killed_after_slack_stored_a_post_does_not_post_it_twice(
    fake_slack: FakeSlack, day: Path, isolated_env: Path
) -> None:
    release = threading.Event()
    fake_slack.enqueue(SlackReply.ok(), SlackReply.ok(hold=release), method="chat.postMessage")
    with briefer_process(day, fake_slack, *BOT, SLACK_BOT_TOKEN=TOKEN) as process:
        wait_until(lambda: len(fake_slack.posts) == 2, process)  # Slack has the first story
        process.kill()
        process.wait(WAIT)
    release.set()
    assert ledger(day)[KEYS[1]]["state"] == "pending"
    resumed = bot(day, fake_slack)
    assert resumed.exit_code == 0, resumed.output
    assert posted_keys(fake_slack) == all_keys(day)
    assert "posted 2 messages" in resumed.stderr and "1 found already" in resumed.stderr
    assert ledger(day)[KEYS[1]] | {"state": "posted"} == ledger(day)[KEYS[1]]
    assert ledger(day)[KEYS[1]]["ts"] == fake_slack.posts[1]["ts"]


def test_a_pending_header_found_in_history_is_the_thread_parent(
    fake_slack: FakeSlack, day: Path
) -> None:
    fake_slack.enqueue(
        SlackReply.ok(), SlackReply.api_error("fatal_error"), method="chat.postMessage"
    )
    assert bot(day, fake_slack).exit_code == 1
    header_ts = fake_slack.posts[0]["ts"]
    for n in range(250):  # the header is on history's second page, newest first
        fake_slack.add_message("C123", f"chatter {n}")
    edit_ledger(day, as_pending("header:1"))
    resumed = bot(day, fake_slack)
    assert resumed.exit_code == 0, resumed.output
    assert posted_keys(fake_slack) == all_keys(day)
    assert {p["thread_ts"] for p in fake_slack.posts[1:]} == {header_ts}
    first, second = fake_slack.calls("conversations.history")
    assert "cursor" not in first and second["cursor"] and first["limit"] == "200"
    assert float(first["oldest"]) < time.time() - 590  # the pending time minus a margin


def test_history_is_read_in_bounded_pages(fake_slack: FakeSlack, day: Path) -> None:
    assert bot(day, fake_slack).exit_code == 0
    for n in range(2001):
        fake_slack.add_message("C123", f"chatter {n}")
    edit_ledger(day, as_pending("header:1"))
    resumed = bot(day, fake_slack)
    assert resumed.exit_code == 0
    assert len(fake_slack.calls("conversations.history")) == 10
    (notice,) = [line for line in resumed.stderr.splitlines() if "cannot tell" in line]
    assert "not among the newest 2,000 messages of C123's history" in notice
    assert posted_keys(fake_slack).count("header:1") == 2  # said, not silent


# -- (b) a pending entry whose message never reached Slack ------------------------------------


def test_a_pending_entry_whose_message_never_arrived_is_posted_once(
    fake_slack: FakeSlack, day: Path
) -> None:
    fake_slack.enqueue(
        SlackReply.ok(), SlackReply.api_error("fatal_error"), method="chat.postMessage"
    )
    assert bot(day, fake_slack).exit_code == 1
    edit_ledger(day, as_pending(KEYS[1]))  # "sent", but Slack never stored it
    resumed = bot(day, fake_slack)
    assert resumed.exit_code == 0, resumed.output
    assert posted_keys(fake_slack) == all_keys(day)
    assert "found already" not in resumed.stderr and "cannot tell" not in resumed.stderr
    assert all(entry["state"] == "posted" for entry in ledger(day).values())


# -- (c) a token that may not read the channel's history --------------------------------------


@pytest.mark.parametrize(
    ("deny", "channel", "fix"),
    [
        ("scope", "C123", "missing_scope: add the channels:history scope"),
        ("membership", "C123", "not_in_channel: invite the bot to the channel"),
        ("nothing", "#news", "channel_not_found: pass --channel as the channel's ID"),
    ],
)
def test_a_token_that_cannot_read_history_says_so_once_and_posts_again(
    fake_slack: FakeSlack, day: Path, deny: str, channel: str, fix: str
) -> None:
    args = [str(day), "--channel", channel]
    assert post(args, fake_slack, SLACK_BOT_TOKEN=TOKEN).exit_code == 0
    edit_ledger(day, as_pending("header:1", KEYS[1]))
    if deny == "scope":
        fake_slack.scopes = {"chat:write"}
    elif deny == "membership":  # chat:write.public posts where the bot is not a member
        fake_slack.member_of, fake_slack.scopes = set(), fake_slack.scopes | {"chat:write.public"}
    again = post(args, fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert again.exit_code == 0, again.output
    notices = [line for line in again.stderr.splitlines() if line.startswith("briefer: cannot")]
    assert len(notices) == 1 and fix in notices[0] and "may appear twice" in notices[0]
    assert posted_keys(fake_slack).count("header:1") == 2  # today's behaviour: posted again
    assert posted_keys(fake_slack).count(KEYS[1]) == 2
    assert posted_keys(fake_slack).count(KEYS[2]) == 1


def test_a_webhook_says_once_that_it_cannot_check_and_posts_again(
    fake_slack: FakeSlack, wide_day: Path
) -> None:
    assert hook(wide_day, fake_slack).exit_code == 0
    edit_ledger(wide_day, as_pending(HOOK_KEYS[1], HOOK_KEYS[2]))
    again = hook(wide_day, fake_slack)
    assert again.exit_code == 0
    notices = [line for line in again.stderr.splitlines() if line.startswith("briefer: cannot")]
    assert len(notices) == 1 and "a webhook cannot read its channel" in notices[0]
    assert len(fake_slack.posts) == 5 and "posted 2 messages" in again.stderr


# -- (d) a broken ledger ----------------------------------------------------------------------

BROKEN = {
    "truncated": lambda text: text[: len(text) // 2],
    "empty": lambda text: "",
    "binary": lambda text: "\x00\xff garbage",
    "wrong shape": lambda text: '{"destinations": []}',
}


@pytest.mark.parametrize("damage", BROKEN, ids=list(BROKEN))
def test_a_broken_ledger_is_rebuilt_from_history(
    fake_slack: FakeSlack, day: Path, damage: str
) -> None:
    fake_slack.enqueue(
        SlackReply.ok(),
        SlackReply.ok(),
        SlackReply.api_error("fatal_error"),
        method="chat.postMessage",
    )
    assert bot(day, fake_slack).exit_code == 1  # two of four posted, then the ledger breaks
    path = day / LEDGER_FILE
    path.write_text(BROKEN[damage](path.read_text()))
    rebuilt = bot(day, fake_slack)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert posted_keys(fake_slack) == all_keys(day)  # the missing two only
    (notice,) = [line for line in rebuilt.stderr.splitlines() if "unreadable" in line]
    assert str(path) in notice and "rebuilding the ledger from the channel's history" in notice
    (aside,) = day.glob(f"{LEDGER_FILE}.unreadable-*")
    assert aside.name in notice and "Traceback" not in rebuilt.output
    assert [e["ts"] for e in ledger(day).values()] == [p["ts"] for p in fake_slack.posts]


@pytest.mark.parametrize("who", ["webhook", "no history scope"])
def test_a_broken_ledger_that_cannot_be_rebuilt_stops_naming_the_file_and_the_fix(
    fake_slack: FakeSlack, day: Path, who: str
) -> None:
    run = (lambda: hook(day, fake_slack)) if who == "webhook" else (lambda: bot(day, fake_slack))
    assert run().exit_code == 0
    path = day / LEDGER_FILE
    path.write_text(path.read_text()[:40])
    fake_slack.scopes = {"chat:write"}
    stopped = run()
    assert stopped.exit_code == 2 and len(fake_slack.posts) == (1 if who == "webhook" else 4)
    (line,) = stopped.stderr.splitlines()
    assert line.startswith(f"briefer: error: {path}: the Slack ledger is unreadable (")
    assert "restore it, or move it aside to post the whole day again" in line
    if who != "webhook":
        assert "cannot be rebuilt (conversations.history answered missing_scope: add" in line
    assert path.read_text() and not list(day.glob("*.unreadable-*"))  # left as it was


def test_a_ledger_that_cannot_be_read_or_written_is_one_line(
    fake_slack: FakeSlack, day: Path
) -> None:
    (day / LEDGER_FILE).mkdir()  # a folder where the file should be: read and write both fail
    result = bot(day, fake_slack)
    assert result.exit_code == 2 and fake_slack.posts == []
    assert result.stderr.strip().startswith(
        f"briefer: error: {day / LEDGER_FILE}: cannot read the Slack ledger ("
    )


# -- (e) one run per day; signals wait for the record -----------------------------------------


@contextlib.contextmanager
def briefer_process(
    day: Path, slack: FakeSlack, *args: str, **env: str
) -> Iterator[subprocess.Popen[str]]:
    """``briefer slack post DAY`` as its own process (another cron job, say)."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "SLACK_API_URL": slack.api_url, **env}
    command = [sys.executable, "-c", "from briefer.cli import main; main()", "slack", "post"]
    process = subprocess.Popen(
        [*command, str(day), *args], env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=WAIT)


def test_a_second_post_of_the_day_exits_2_and_sigterm_waits_for_the_record(
    fake_slack: FakeSlack, wide_day: Path
) -> None:
    release = threading.Event()
    fake_slack.enqueue(SlackReply.ok(), SlackReply.ok(hold=release))
    webhook = {"SLACK_WEBHOOK_URL": fake_slack.webhook_url}
    with briefer_process(wide_day, fake_slack, **webhook) as process:
        wait_until(lambda: len(fake_slack.posts) == 2, process)  # stored, not answered yet
        second = hook(wide_day, fake_slack)
        assert second.exit_code == 2 and len(fake_slack.posts) == 2
        assert second.stderr.strip() == (
            f"briefer: error: {wide_day}: another briefer slack run is using this folder; wait for it"
        )
        process.send_signal(signal.SIGTERM)  # e.g. cron's timeout
        release.set()
        assert process.wait(WAIT) == -signal.SIGTERM
    assert [e["state"] for e in ledger(wide_day).values()] == ["posted", "posted"]
    resumed = hook(wide_day, fake_slack)
    assert resumed.exit_code == 0 and "posted 1 messages" in resumed.stderr
    assert len({p["text"] for p in fake_slack.posts}) == len(fake_slack.posts) == 3


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt, as in a terminal, whatever the test process inherited
    (mutmut's fork server ignores SIGINT: this test would fail against every mutant)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_while_slack_answers_waits_for_the_record(
    fake_slack: FakeSlack, wide_day: Path, sigint_raises: None
) -> None:
    release = threading.Event()
    fake_slack.enqueue(SlackReply.ok(), SlackReply.ok(hold=release))

    def interrupt() -> None:
        wait_until(lambda: len(fake_slack.posts) == 2)
        os.kill(os.getpid(), signal.SIGINT)
        release.set()

    helper = threading.Thread(target=interrupt, daemon=True)
    helper.start()
    stopped = hook(wide_day, fake_slack)
    helper.join(WAIT)
    assert stopped.exit_code == 130 and "briefer: interrupted" in stopped.stderr
    assert "stopping once this message is recorded" in stopped.stderr
    assert [e["state"] for e in ledger(wide_day).values()] == ["posted", "posted"]
    resumed = hook(wide_day, fake_slack)
    assert resumed.exit_code == 0 and "posted 1 messages" in resumed.stderr
    assert len({p["text"] for p in fake_slack.posts}) == len(fake_slack.posts) == 3


def test_a_dry_run_names_pending_messages_and_asks_slack_nothing(
    fake_slack: FakeSlack, day: Path
) -> None:
    assert bot(day, fake_slack).exit_code == 0
    edit_ledger(day, as_pending(KEYS[2]))
    requests = len(fake_slack.requests)
    dry = bot(day, fake_slack, "--dry-run")
    assert dry.exit_code == 0 and len(fake_slack.requests) == requests
    assert f"# message 3/4 ({KEYS[2]}) to channel C123 (SLACK_BOT_TOKEN); pending:" in dry.stderr
    (line,) = dry.stdout.splitlines()  # one JSON payload per line: the pending one
    assert json.loads(line)["metadata"]["event_payload"]["key"] == KEYS[2]
    assert f'"thread_ts": "{fake_slack.posts[0]["ts"]}"' in dry.stdout
    assert "1 messages for" in dry.stderr


# -- secrets in error paths -------------------------------------------------------------------

ECHO = f"<html><p>proxy log: Authorization: Bearer {TOKEN}</p>\n<p>retry</p></html>"


@pytest.mark.parametrize(
    ("method", "replies", "expected"),
    [
        (
            "chat.postMessage",
            [SlackReply.error(500, body=ECHO)] * 3,
            "chat.postMessage failed: HTTP 500, an answer that is not Slack's (check SLACK_API_URL)",
        ),
        (
            "chat.postMessage",
            [SlackReply.error(200, body=ECHO)],
            "chat.postMessage failed: HTTP 200, an answer that is not Slack's (check SLACK_API_URL)",
        ),
        (
            "conversations.replies",
            [SlackReply.error(502, body=ECHO)],
            "could not check what Slack already has (conversations.replies: HTTP 502, an answer "
            "that is not Slack's (check SLACK_API_URL)); re-run",
        ),
    ],
    ids=["post 500", "post 200 page", "history 502"],
)
def test_a_token_echoed_by_a_proxy_never_reaches_the_output(
    fake_slack: FakeSlack, day: Path, method: str, replies: list[SlackReply], expected: str
) -> None:
    if method == "conversations.replies":
        assert bot(day, fake_slack).exit_code == 0
        edit_ledger(day, as_pending(KEYS[1]))
    fake_slack.enqueue(*replies, method=method)
    result = bot(day, fake_slack)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"briefer: error: {expected}"
    assert "secret-token" not in result.output and "proxy log" not in result.output


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-test secret-token", "SLACK_BOT_TOKEN contains spaces"),
        ("SLACK_BOT_TOKEN", "xoxb-test\nX-Evil: secret-token", "SLACK_BOT_TOKEN contains spaces"),
        ("SLACK_WEBHOOK_URL", "not a url secret-token", "SLACK_WEBHOOK_URL contains spaces"),
        ("SLACK_WEBHOOK_URL", "secret-token", "SLACK_WEBHOOK_URL is not an http(s) URL"),
        ("SLACK_WEBHOOK_URL", "ftp://hooks.slack.com/secret-token", "is not an http(s) URL"),
    ],
)
def test_a_malformed_secret_is_refused_without_showing_it(
    fake_slack: FakeSlack, day: Path, name: str, value: str, error: str
) -> None:
    args = [str(day), *BOT] if name == "SLACK_BOT_TOKEN" else [str(day)]
    result = post(args, fake_slack, **{name: value})
    assert result.exit_code == 2 and fake_slack.requests == []
    (line,) = result.stderr.splitlines()
    assert error in line and "secret-token" not in result.output


@pytest.mark.parametrize("spaces", ["\r\n", "  ", "\n"])
def test_secrets_read_from_an_env_file_with_crlf_still_work(
    fake_slack: FakeSlack, day: Path, spaces: str
) -> None:
    assert bot(day, fake_slack, SLACK_BOT_TOKEN=TOKEN + spaces).exit_code == 0
    other = day.parent / "2026-05-05"
    write_digest(other, make_digest([make_story(3, "Bridge closes")]))
    result = post([str(other)], fake_slack, SLACK_WEBHOOK_URL=fake_slack.webhook_url + spaces)
    assert result.exit_code == 0 and len(fake_slack.posts) == 5


def test_a_webhook_answer_echoing_its_url_is_redacted(fake_slack: FakeSlack, day: Path) -> None:
    fake_slack.enqueue(*[SlackReply.error(500, body=f"bad hook {fake_slack.webhook_url}")] * 3)
    result = hook(day, fake_slack)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "briefer: error: the Slack webhook answered HTTP 500: bad hook [REDACTED]"
    )
