"""The Slack ledger, pinned where mutation testing found it loose (docs/testing.md).

Each error a user can meet is one exact line naming the file and the fix; the ledger's
times are UTC whatever the machine's zone; a Ctrl-C or SIGTERM held while a message is
recorded acts as it would have once the record is written.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import briefer
from briefer.digest import Failure, write_digest
from briefer.slack import LEDGER_FILE
from briefer.slack_ledger import signals_held
from tests.fakes import FakeSlack, SlackReply
from tests.test_slack import make_digest, make_story
from tests.test_slack_adversarial import WAIT, bot, hook, ledger, wait_until

KEEP = "; restore it, or move it aside to post the whole day again (messages already in Slack would be posted twice)"
BAD_JSON = r"Invalid JSON: [a-zA-Z ]+ at line \d+ column \d+"
STAMP = re.compile(rf"{re.escape(LEDGER_FILE)}\.unreadable-(\d{{8}}T\d{{6}}Z)")


@pytest.fixture
def day(tmp_path: Path) -> Path:
    folder = tmp_path / "briefings" / "2026-05-04"
    stories = [make_story(1, "Port Ellis funds a crane"), make_story(2, "Teachers strike")]
    failures = [Failure(stage="fetch", item="https://news.example/b", reason="HTTP 500")]
    write_digest(folder, make_digest(stories, failures))
    return folder


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time nine hours ahead of UTC (a POSIX zone: no tzdata needed)."""
    monkeypatch.setenv("TZ", "XYZ-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def only_line(stderr: str) -> str:
    (line,) = stderr.strip().splitlines()
    return line


def damage(day: Path, text: str) -> Path:
    path = day / LEDGER_FILE
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"version": 2, "destinations": {"C', BAD_JSON),
        (
            '{"version": 2, "destinations": {"D": {"header:1": {"state": "bogus"}}}}',
            r"Input should be 'posted' or 'pending' at destinations\.D\.header:1\.state",
        ),
    ],
    ids=["truncated", "a wrong state"],
)
def test_a_broken_ledger_a_webhook_cannot_rebuild_is_this_one_line(
    fake_slack: FakeSlack, day: Path, text: str, reason: str
) -> None:
    path = damage(day, text)
    stopped = hook(day, fake_slack)
    assert stopped.exit_code == 2 and fake_slack.posts == []
    expected = (
        rf"briefer: error: {re.escape(str(path))}: the Slack ledger is unreadable \({reason}\)"
    )
    assert re.fullmatch(expected + re.escape(KEEP), only_line(stopped.stderr))


def test_a_rebuilt_ledger_says_why_keeps_the_old_one_by_utc_time_and_records_utc(
    fake_slack: FakeSlack, day: Path, far_from_utc: None
) -> None:
    fake_slack.enqueue(
        SlackReply.ok(),
        SlackReply.ok(),
        SlackReply.api_error("fatal_error"),
        method="chat.postMessage",
    )
    assert bot(day, fake_slack).exit_code == 1
    path = damage(day, '{"version": 2, "destinations": {"C')
    before = datetime.now(UTC).replace(microsecond=0)
    rebuilt = bot(day, fake_slack)
    after = datetime.now(UTC)
    assert rebuilt.exit_code == 0, rebuilt.output
    (notice,) = [line for line in rebuilt.stderr.splitlines() if "unreadable" in line]
    assert re.fullmatch(
        rf"briefer: {re.escape(str(path))} was unreadable \({BAD_JSON}\); kept it as "
        rf"{STAMP.pattern}; rebuilding the ledger from the channel's history",
        notice,
    )
    stamp = STAMP.search(notice)
    assert stamp is not None and (day / stamp.group(0)).is_file()
    kept = datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= kept <= after  # UTC, not the machine's zone (nine hours off)
    entries = ledger(day).values()
    posted = [datetime.fromisoformat(e["posted_at"]) for e in entries]
    assert len(posted) == 4 and all(before <= moment <= after for moment in posted)  # UTC
    attempted = [datetime.fromisoformat(e["attempted_at"]) for e in entries if e["attempted_at"]]
    assert attempted and all(moment.utcoffset() == timedelta(0) for moment in attempted)
    text = path.read_text()  # one field a line, for whoever has to restore it
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


def test_a_ledger_that_is_a_folder_is_this_one_line(fake_slack: FakeSlack, day: Path) -> None:
    path = day / LEDGER_FILE
    path.mkdir()
    stopped = bot(day, fake_slack)
    assert stopped.exit_code == 2 and fake_slack.posts == []
    assert only_line(stopped.stderr) == (
        f"briefer: error: {path}: cannot read the Slack ledger (Is a directory); "
        "make it a file briefer may read"
    )


def test_a_ledger_that_cannot_be_written_after_a_post_stops_with_this_one_line(
    fake_slack: FakeSlack, day: Path
) -> None:
    """The ledger's place taken by a folder while Slack answers the first post (a disk
    error, say): the record of that post cannot be written."""
    path = day / LEDGER_FILE
    answered = threading.Event()
    fake_slack.enqueue(SlackReply.ok(hold=answered))

    def break_the_ledger() -> None:
        wait_until(lambda: len(fake_slack.posts) == 1)
        path.unlink()
        path.mkdir()
        answered.set()

    helper = threading.Thread(target=break_the_ledger, daemon=True)
    helper.start()
    stopped = bot(day, fake_slack)
    helper.join(WAIT)
    assert stopped.exit_code == 2 and len(fake_slack.posts) == 1
    assert only_line(stopped.stderr) == (
        f"briefer: error: {path}: cannot write the Slack ledger (Is a directory); "
        "make the day folder writable"
    )


def test_an_unreadable_ledger_that_cannot_be_moved_aside_stops_and_stays(
    fake_slack: FakeSlack, day: Path
) -> None:
    assert bot(day, fake_slack).exit_code == 0
    path = damage(day, '{"version": 2, "destinations": {"C')
    start = datetime.now(UTC)
    for second in range(130):  # every name it could take within the test's 120 s timeout
        stamp = (start + timedelta(seconds=second)).strftime("%Y%m%dT%H%M%SZ")
        (day / f"{LEDGER_FILE}.unreadable-{stamp}").mkdir()
    stopped = bot(day, fake_slack)
    assert stopped.exit_code == 2 and len(fake_slack.posts) == 4
    assert only_line(stopped.stderr) == (
        f"briefer: error: {path}: cannot move the unreadable Slack ledger aside "
        "(Is a directory); make the day folder writable"
    )
    assert path.read_text() == '{"version": 2, "destinations": {"C'


HELD_SIGTERM = """
import os, signal
from briefer.slack_ledger import signals_held
with signals_held():
    os.kill(os.getpid(), signal.SIGTERM)
    print("recorded", flush=True)
print("went on", flush=True)
"""


def test_a_held_signal_acts_as_its_handler_would_once_the_block_ends() -> None:
    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: got.append(number))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            assert got == []  # held
        assert got == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)
    # SIGTERM's default action, as cron's timeout meets it: the process ends by the signal,
    # after the block, never before it and never not at all.
    package_parent = Path(briefer.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    ended = subprocess.run(
        [sys.executable, "-c", HELD_SIGTERM],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ended.returncode == -signal.SIGTERM, ended.stderr
    assert ended.stdout == "recorded\n"
    assert ended.stderr == "briefer: stopping once this message is recorded\n"
