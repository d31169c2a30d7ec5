"""The Slack ledger: what was posted where, and what may have been (``slack-ledger.json``).

Per destination and message key, an entry is ``posted`` (Slack answered; its ``ts``) or
``pending`` (written, and synced to disk, before the message is sent; ``attempted_at`` says
when). A pending entry is what a crash between Slack accepting a message and the ledger
recording it leaves behind: the next run looks for the message before posting it again.

Every write is atomic and durable (the file and its folder are synced), one per change,
never batched; while a message is sent and recorded, Ctrl-C and SIGTERM wait for the
record (a second Ctrl-C stops at once).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefer.digest import write_atomic
from briefer.errors import InputError

LEDGER_FILE = "slack-ledger.json"
_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class LedgerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["posted", "pending"] = "posted"
    ts: str | None = None
    channel: str | None = None
    posted_at: str | None = None
    attempted_at: str | None = None


class Ledger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 2
    destinations: dict[str, dict[str, LedgerEntry]] = Field(default_factory=dict)


class LedgerUnreadable(InputError):
    """The ledger file exists but is not a ledger (truncated, corrupted, hand-edited)."""

    def __init__(self, path: Path, reason: str, *, not_rebuilt: str | None = None) -> None:
        why = f" and cannot be rebuilt ({not_rebuilt})" if not_rebuilt else ""
        super().__init__(
            f"{path}: the Slack ledger is unreadable ({reason}){why}; restore it, or move it "
            "aside to post the whole day again (messages already in Slack would be posted twice)"
        )
        self.path = path
        self.reason = reason


def now() -> str:
    return datetime.now(UTC).isoformat()


def ledger_path(day_dir: Path) -> Path:
    return day_dir / LEDGER_FILE


def load_ledger(day_dir: Path) -> Ledger:
    """The day's ledger (empty when there is none yet)."""
    path = ledger_path(day_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Ledger()
    except OSError as error:
        raise InputError(
            f"{path}: cannot read the Slack ledger ({error.strerror or type(error).__name__}); "
            "make it a file briefer may read"
        ) from None
    try:
        return Ledger.model_validate_json(data)
    except ValidationError as error:  # never guess: a lost ledger means double posts
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LedgerUnreadable(path, first["msg"] + (f" at {where}" if where else "")) from None


def save_ledger(day_dir: Path, ledger: Ledger) -> None:
    """Write the ledger atomically and durably: the file, then its folder entry, synced."""
    path = ledger_path(day_dir)
    try:
        write_atomic(path, ledger.model_dump_json(indent=2) + "\n")
        folder = os.open(day_dir, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as error:
        raise InputError(
            f"{path}: cannot write the Slack ledger ({error.strerror or type(error).__name__}); "
            "make the day folder writable"
        ) from None


def move_aside(day_dir: Path) -> Path:
    """Keep an unreadable ledger for inspection under a new name; return that name."""
    path = ledger_path(day_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    try:
        os.replace(path, aside)
    except OSError as error:
        raise InputError(
            f"{path}: cannot move the unreadable Slack ledger aside ({error.strerror}); "
            "make the day folder writable"
        ) from None
    return aside


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C / SIGTERM arriving inside wait until the block ends (a second Ctrl-C does not).

    What runs inside is "send one message, record it": an interruption between the two is
    exactly the double post a webhook can never detect.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[signal.Signals] = []
    previous = {number: signal.getsignal(number) for number in _HELD_SIGNALS}

    def hold(number: int, frame: FrameType | None) -> None:
        if caught and number == signal.SIGINT:
            raise KeyboardInterrupt
        caught.append(signal.Signals(number))
        again = " (Ctrl-C again to stop now)" if number == signal.SIGINT else ""
        sys.stderr.write(f"briefer: stopping once this message is recorded{again}\n")

    for number in _HELD_SIGNALS:
        signal.signal(number, hold)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught:  # also when the block failed: a Ctrl-C must not be lost in a retry loop
            _deliver(caught[0], previous[caught[0]])


def _deliver(number: int, handler: Any) -> None:
    """Act on a held signal as its previous handler would have."""
    if callable(handler):
        handler(number, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(number)


__all__ = [
    "LEDGER_FILE",
    "Ledger",
    "LedgerEntry",
    "LedgerUnreadable",
    "load_ledger",
    "move_aside",
    "now",
    "save_ledger",
    "signals_held",
]
