"""Post a day's digest to Slack, each message once as far as Slack allows; no secret shown.

The messages are built in :mod:`briefer.slack_blocks` (with a bot, the digest as the
channel message, then a thread reply per story and one for the failures; with a webhook,
one message in as few parts as Slack's limits allow), the destinations live in
:mod:`briefer.slack_targets` (the failures may have their own) and the ledger in
:mod:`briefer.slack_ledger`, one entry list per destination.

Once only: before a message is sent its ledger entry is written as *pending*; Slack's
answer turns it into *posted*. A pending entry left by a crash (or a post Slack did not
confirm: a 5xx or a lost connection) is looked up in the channel's history before anything
is posted again: found, it is recorded; not found, it is posted. A token that may not read
the history, and any webhook, cannot look: the message is then posted again, and a notice
says so once. An unreadable ledger is rebuilt from the history the same way when it can
be, else the run stops (exit 2) naming the file. A lock keeps two posts of one day apart.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefer.digest import Digest, day_lock
from briefer.errors import InputError
from briefer.slack_blocks import (
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    MESSAGE_BUDGET,
    SlackMessage,
    build_messages,
    mrkdwn_escape,
    mrkdwn_link,
    split_line,
)
from briefer.slack_ledger import (
    LEDGER_FILE,
    Ledger,
    LedgerEntry,
    LedgerUnreadable,
    load_ledger,
    move_aside,
    now,
    save_ledger,
    signals_held,
)
from briefer.slack_targets import (
    BotTarget,
    Found,
    HistoryUnavailable,
    SlackPostError,
    SlackTarget,
    Thread,
    UncertainPostError,
    WebhookTarget,
    failures_label,
    failures_target,
    slack_target,
)

THREAD_PLACEHOLDER = "<ts of the header message>"  # a dry run's thread_ts before there is one
UNCERTAIN_RETRIES = 2  # posts Slack did not confirm, each looked up before it is sent again


@dataclass
class PostReport:
    destination: str
    posted: int = 0
    already: int = 0
    found: int = 0
    """Messages a stopped run had sent, found in the channel's history (not posted again)."""
    planned: int = 0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def post_digest(
    day_dir: Path,
    digest: Digest,
    target: SlackTarget,
    *,
    failures: SlackTarget | None = None,
    dry_run: bool = False,
    show: Callable[[str], None] = print,
    notify: Callable[[str], None] = _stderr,
) -> PostReport:
    """Post the messages the ledger does not list yet (the failures to ``failures`` when
    given); a dry run shows each payload as one JSON line instead (``show``), and what it
    is on ``notify``."""
    apart = failures_label(failures) if failures is not None and digest.failures else None
    messages = build_messages(digest, threaded=target.threaded, failures_apart=apart)
    routes = [(target, [m for m in messages if m.to == "main"])]
    if failures is not None and apart is not None:
        routes.append((failures, [m for m in messages if m.to == "failures"]))
    described = target.describe()
    if failures is not None:
        described += f", the failures to {failures.describe()}"
    report = PostReport(described)
    if dry_run:
        shown = _Shown(len(messages), show, notify)
        for where, some in routes:
            _preview(day_dir, some, where, report, shown)
        return report
    with _locked(day_dir):
        for where, some in routes:
            posting = _Posting(day_dir, where, some, report, notify)
            posting.open_ledger(digest)
            for message in some:
                posting.deliver(message)
    return report


@contextlib.contextmanager
def _locked(day_dir: Path) -> Iterator[None]:
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(day_lock(day_dir, "slack"))
    except OSError as error:
        raise InputError(
            f"{day_dir}: cannot lock the day folder ({error.strerror or error}); make it writable"
        ) from None
    with stack:
        yield


@dataclass
class _Shown:
    """A dry run's output: one JSON payload per line, and a note per message beside it."""

    total: int
    show: Callable[[str], None]
    notify: Callable[[str], None]
    number: int = 0


def _preview(
    day_dir: Path,
    messages: list[SlackMessage],
    target: SlackTarget,
    report: PostReport,
    shown: _Shown,
) -> None:
    try:
        posted = load_ledger(day_dir).destinations.get(target.destination, {})
    except LedgerUnreadable as error:
        raise InputError(
            f"{error.message} (a real run with a bot token that may read the channel's "
            "history rebuilds it)"
        ) from None
    for message in messages:
        shown.number += 1
        entry = posted.get(message.key)
        if entry is not None and entry.state == "posted":
            report.already += 1
            continue
        header = posted.get(messages[0].key)
        thread = (
            Thread(header.ts, header.channel)
            if header is not None and header.state == "posted"
            else Thread(THREAD_PLACEHOLDER, None)
        )
        note = (
            "; pending: a run stopped while posting it, a real run first looks for it"
            if entry is not None
            else ""
        )
        shown.notify(
            f"# message {shown.number}/{shown.total} ({message.key}) to {target.describe()}{note}"
        )
        shown.show(json.dumps(target.payload(message, thread), ensure_ascii=False))
        report.planned += 1


@dataclass
class _Posting:
    """One run's posts: the ledger for one destination, and what was said already."""

    day_dir: Path
    target: SlackTarget
    messages: list[SlackMessage]
    report: PostReport
    notify: Callable[[str], None]
    ledger: Ledger = field(default_factory=Ledger)
    unreadable: LedgerUnreadable | None = None
    noticed: set[str] = field(default_factory=set)

    @property
    def entries(self) -> dict[str, LedgerEntry]:
        return self.ledger.destinations.setdefault(self.target.destination, {})

    def open_ledger(self, digest: Digest) -> None:
        """Read the ledger; an unreadable one becomes "everything pending" when the history
        can be read (the file is moved aside at the first write), else the run stops."""
        try:
            self.ledger = load_ledger(self.day_dir)
            return
        except LedgerUnreadable as error:
            if not self.target.can_look_up:
                raise
            self.unreadable = error
        since = _rebuild_since(digest, self.unreadable.path)
        for message in self.messages:
            self.entries[message.key] = LedgerEntry(state="pending", attempted_at=since)

    def deliver(self, message: SlackMessage) -> None:
        entry = self.entries.get(message.key)
        if entry is not None and entry.state == "posted":
            self.report.already += 1
            return
        for attempt in range(UNCERTAIN_RETRIES + 1):
            if entry is not None:
                found = self._look_up(message, entry)
                if found is not None:
                    self._record(message, found.ts, found.channel)
                    self.report.found += 1
                    return
            entry = self._mark_pending(message, entry)
            try:
                with signals_held():
                    ts, channel = self.target.send(self.target.payload(message, self._thread()))
                    self._record(message, ts, channel)
            except UncertainPostError:
                if not self.target.can_look_up or attempt == UNCERTAIN_RETRIES:
                    raise  # the pending entry stays: a re-run looks first (or warns)
                continue
            except SlackPostError:
                self.entries.pop(message.key, None)  # refused: Slack has nothing to find
                self._save()
                raise
            self.report.posted += 1
            return

    def _look_up(self, message: SlackMessage, entry: LedgerEntry) -> Found | None:
        since = _parse_time(entry.attempted_at)
        try:
            return self.target.find(message, since, self._thread(), entry.channel)
        except HistoryUnavailable as why:
            if self.unreadable is not None:  # nothing rebuilt yet: stop before posting twice
                lost = self.unreadable
                raise LedgerUnreadable(lost.path, lost.reason, not_rebuilt=why.reason) from None
            if why.reason not in self.noticed:
                self.noticed.add(why.reason)
                self.notify(
                    f"briefer: cannot tell whether Slack already has a message a stopped or "
                    f"failed post sent ({why.reason}); posting it again, so it may appear twice"
                )
            return None

    def _mark_pending(self, message: SlackMessage, entry: LedgerEntry | None) -> LedgerEntry:
        thread = self._thread()
        pending = LedgerEntry(
            state="pending",
            channel=thread.channel if message.reply and thread else None,
            attempted_at=entry.attempted_at if entry and entry.attempted_at else now(),
        )
        self.entries[message.key] = pending
        self._save()
        return pending

    def _record(self, message: SlackMessage, ts: str | None, channel: str | None) -> None:
        before = self.entries.get(message.key)
        self.entries[message.key] = LedgerEntry(
            ts=ts,
            channel=channel,
            posted_at=now(),
            attempted_at=before.attempted_at if before else None,
        )
        self._save()

    def _save(self) -> None:
        if self.unreadable is not None:
            aside = move_aside(self.day_dir)
            self.notify(
                f"briefer: {self.unreadable.path} was unreadable ({self.unreadable.reason}); "
                f"kept it as {aside.name}; rebuilding the ledger from the channel's history"
            )
            self.unreadable = None
        self.ledger.version = Ledger().version
        save_ledger(self.day_dir, self.ledger)

    def _thread(self) -> Thread | None:
        """Where replies go: the posted header message."""
        header = self.entries.get(self.messages[0].key)
        if header is None or header.state != "posted":
            return None
        return Thread(header.ts, header.channel)


def _parse_time(stamp: str | None) -> datetime:
    try:
        return datetime.fromisoformat(stamp) if stamp else datetime.now(UTC)
    except ValueError:
        return datetime.now(UTC) - timedelta(days=1)


def _rebuild_since(digest: Digest, ledger: Path) -> str:
    """How far back a lost ledger's messages can be: a day before the digest's day or the
    file's last change, whichever is earlier (history is read newest first, so a generous
    bound costs nothing when the posts are recent)."""
    try:
        changed = datetime.fromtimestamp(ledger.stat().st_mtime, UTC)
    except OSError:
        changed = datetime.now(UTC)
    try:
        day = datetime.fromisoformat(digest.date).replace(tzinfo=UTC)
    except ValueError:
        day = changed
    return (min(day, changed) - timedelta(days=1)).isoformat()


__all__ = [
    "LEDGER_FILE",
    "MAX_BLOCKS",
    "MAX_SECTION_CHARS",
    "MESSAGE_BUDGET",
    "BotTarget",
    "Ledger",
    "PostReport",
    "SlackMessage",
    "SlackPostError",
    "SlackTarget",
    "WebhookTarget",
    "build_messages",
    "failures_target",
    "load_ledger",
    "mrkdwn_escape",
    "mrkdwn_link",
    "post_digest",
    "slack_target",
    "split_line",
]
