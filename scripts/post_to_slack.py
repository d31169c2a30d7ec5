#!/usr/bin/env python3
"""Post a day's digest to Slack: what cron runs after ``briefer daily`` (a thin wrapper).

    scripts/post_to_slack.py [briefings/YYYY-MM-DD] [--channel C] [--dry-run]

The day folder defaults to today's under ./briefings. The destination comes from the
environment: SLACK_BOT_TOKEN with --channel (or [slack] channel in briefer.toml) posts the
digest as the channel message and threads each story's details under it; SLACK_WEBHOOK_URL
posts the digest as one message (in parts only at Slack's limits). --failures-channel (or
SLACK_FAILURES_WEBHOOK_URL) sends the failure list elsewhere. Exit codes are those of
``briefer slack post``: 0 posted (or nothing left to post), 1 Slack refused or could not be
reached (a re-run posts only what is missing), 2 bad usage (no digest, no destination,
another post of the day running, an unreadable ledger that cannot be rebuilt), 130
interrupted.
"""

from __future__ import annotations

import sys
from datetime import date

from briefer.cli import cli

OPTIONS_WITH_VALUES = {"--channel", "--failures-channel", "--config"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not _has_day_dir(args):
        args.insert(0, f"briefings/{date.today().isoformat()}")
    try:
        cli.main(["slack", "post", *args], prog_name="post_to_slack.py")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0


def _has_day_dir(args: list[str]) -> bool:
    values = {i + 1 for i, arg in enumerate(args) if arg in OPTIONS_WITH_VALUES}
    return any(not arg.startswith("-") and i not in values for i, arg in enumerate(args))


if __name__ == "__main__":
    sys.exit(main())
