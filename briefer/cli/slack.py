"""``briefer slack post DAY_DIR``: a day's digest to Slack, each message once."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def slack() -> None:
    """Post digests to Slack (SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and a channel)."""


@slack.command()
@click.argument("day", metavar="DAY")
@click.option("--channel", help="Channel for the bot token [default: [slack] channel].")
@click.option(
    "--failures-channel",
    help="Channel for the failure list (bot token) [default: [slack] failures_channel; "
    "else SLACK_FAILURES_WEBHOOK_URL; else with the digest].",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the exact payloads, one JSON object per line (placeholders for what Slack "
    "has not answered yet, no secrets); post nothing.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="briefer.toml to read (default: ./briefer.toml, then $BRIEFER_HOME).",
)
def post(
    day: str,
    channel: str | None,
    failures_channel: str | None,
    dry_run: bool,
    config_path: Path | None,
) -> None:
    """Post a day's digest. DAY is its folder (briefings/YYYY-MM-DD), or a date
    (YYYY-MM-DD, today, yesterday) in [daily] out.

    With a bot token the channel message is the digest (the top stories that fit, then
    "N more in the thread"); each story's details, then the failures, are thread replies.
    A webhook gets one message (in parts only where Slack's limits cut it). The failures
    can go elsewhere: --failures-channel, or SLACK_FAILURES_WEBHOOK_URL.

    The day folder's slack-ledger.json records what was posted, so a re-run posts only
    what is missing; with a bot token, a message a stopped run may have sent is first
    looked up in the channel's history. Tokens and webhook URLs are read from the
    environment, never printed.
    """
    from briefer.cli.days import day_folder
    from briefer.config import load_settings, slack_environment
    from briefer.digest import load_digest
    from briefer.slack import failures_target, post_digest, slack_target

    settings = load_settings(config_path=config_path)
    config = settings.slack
    day_dir = day_folder(day, settings.daily.out)
    digest = load_digest(day_dir)
    target = slack_target(
        channel or config.channel,
        environ=slack_environment(),
        api_url=config.api_url,
        dry_run=dry_run,
    )
    failures = failures_target(
        failures_channel or config.failures_channel,
        environ=slack_environment(),
        api_url=config.api_url,
        dry_run=dry_run,
    )
    if channel and not target.threaded:
        click.echo(
            "briefer: --channel is ignored: a webhook posts to its own channel "
            "(set SLACK_BOT_TOKEN to choose one)",
            err=True,
        )
    report = post_digest(
        day_dir,
        digest,
        target,
        failures=failures,
        dry_run=dry_run,
        show=click.echo,
        notify=lambda line: click.echo(line, err=True),
    )
    if dry_run:
        click.echo(
            f"dry run: {report.planned} messages for {report.destination}, "
            f"{report.already} already posted",
            err=True,
        )
    else:
        found = f", {report.found} found already in Slack" if report.found else ""
        click.echo(
            f"posted {report.posted} messages to {report.destination}, "
            f"{report.already} were already posted{found}",
            err=True,
        )
